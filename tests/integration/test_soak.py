"""A 30-second soak (bench/soak runs the 10-minute one): all four tools
attached at once under a steady connect storm. Resident memory stays flat
after warm-up, and every connect is an event or a reported loss. As root."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from lib import IN_VM, PYTHON, HERE, needs_root, tool, wait_for_text

SECONDS = float(os.environ.get("SOCKLENS_SOAK_SECONDS", "30"))
WARMUP = SECONDS / 2  # flat over the second half: a per-event leak would not be


def memory_kb(pid):
    """(anonymous, file-backed) resident kB outside the BPF maps. A leak is
    anonymous memory. File pages are the binaries' and libraries': the tool
    hands unused ones back after loading and faults them in again when code
    first runs, which takes longer in an emulated VM. The ring buffer's pages
    become resident as the kernel first writes them, up to its fixed size."""
    anon = rss = 0
    in_map = False
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            fields = line.split()
            if "-" in fields[0] and not fields[0].endswith(":"):
                in_map = line.rstrip().endswith("anon_inode:bpf-map")
            elif in_map:
                continue
            elif fields[0] == "Rss:":
                rss += int(fields[1])
            elif fields[0] == "Anonymous:":
                anon += int(fields[1])
    return anon, rss - anon


SKIPPED = "probe skipped by the kernel"


def count(path, type_, key=None, value=None):
    """Records of a type in an NDJSON file, the sum of records lost (buffer
    full, table full), and the probe runs the kernel skipped: a skipped run
    may or may not have been one of these events."""
    n = lost = skipped = 0
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if r.get("type") == "lost" and r.get("reason") == SKIPPED:
                skipped += r["lost"]
            elif r.get("type") == "lost":
                lost += r["lost"]
            elif r.get("type") == type_ and (key is None or r.get(key) == value):
                n += 1
    return n, lost, skipped


@needs_root
class SoakTest(unittest.TestCase):
    def test_all_tools_under_a_storm(self):
        storm = subprocess.Popen([PYTHON, os.path.join(HERE, "storm.py"), str(SECONDS), "--ready"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        port = json.loads(storm.stdout.readline())["port"]
        tmp = tempfile.mkdtemp(prefix="socklens-soak-")
        runs = {
            "tcpconnect": ["-j", "-P", str(port)],
            "tcpaccept": ["-j", "-P", str(port)],
            "tcpclose": ["-j", "-D", str(port)],   # the client side: one close per connect
            "podnet": ["-j", "--proto", "tcp", "--port", str(port), "--sample", "50"],
        }
        procs = {}
        try:
            for name, args in runs.items():
                out = open(os.path.join(tmp, f"{name}.json"), "w")
                err = open(os.path.join(tmp, f"{name}.err"), "w")
                procs[name] = subprocess.Popen([tool(name), *args], stdout=out, stderr=err)
            for name, p in procs.items():   # attached: "Tracing" is in the .err file
                self.assertTrue(wait_for_text(os.path.join(tmp, f"{name}.err"), "Tracing", p), name)
            storm.stdin.write(b"go\n")
            storm.stdin.flush()
            time.sleep(WARMUP)
            warm = {n: memory_kb(p.pid) for n, p in procs.items()}
            result = json.loads(storm.stdout.readline())
            connects, accepts, unclosed = result["connects"], result["accepts"], result["unclosed"]
            end = {n: memory_kb(p.pid) for n, p in procs.items()}
            time.sleep(0.5)
            for name, p in procs.items():
                p.send_signal(signal.SIGINT)
            for name, p in procs.items():
                self.assertEqual(p.wait(10), 0, name)
        finally:
            for p in procs.values():
                if p.poll() is None:
                    p.kill()
            storm.kill()
        self.assertGreater(connects, 1000)
        for name in runs:
            anon, files = (e - w for e, w in zip(end[name], warm[name]))
            if IN_VM:   # see tests/vm/guest.sh
                print(f"{name}: anonymous memory {anon:+} kB, file-backed {files:+} kB (not checked in a VM)")
                continue
            self.assertLessEqual(anon, 1024, f"{name}: anonymous memory grew {anon} kB after "
                                             f"warm-up (file-backed: {files} kB)")
        self.assertGreater(accepts, 1000)
        # a connection close() left open (storm.py says why) has no close to report
        for name, type_, made in (("tcpconnect", "connect", connects),
                                  ("tcpclose", "close", connects - unclosed),
                                  ("tcpaccept", "accept", accepts)):
            ev, lost, skipped = count(os.path.join(tmp, f"{name}.json"), type_)
            # every event accounted for: exact, but for runs the kernel skipped (each said)
            # and, for tcpclose, about one close in 21 million that the kernel never makes:
            # the client socket changes no state (ftrace, with no BPF, sees none either) yet
            # its peer is reset, so the storm can't flag it (bench/README.md, fix 9)
            unexplained = max(1, made // 1_000_000) if name == "tcpclose" else 0
            self.assertLessEqual(ev + lost, made, f"{name}: more events than {type_}s")
            self.assertGreaterEqual(ev + lost + skipped + unexplained, made,
                                    f"{name}: events {ev} + lost {lost} + skipped {skipped} < {type_}s {made}")
        shutil.rmtree(tmp)   # about 1.5 GB of NDJSON; kept when a check failed

if __name__ == "__main__":
    unittest.main()
