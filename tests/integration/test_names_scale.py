"""Names at scale: thousands of cgroups, one short-lived process in each
making one loopback connect, while tcpconnect -j (names on) runs. Every
connect has exactly one record with its pid and its cgroup's id, names
null (these cgroups are no container's), and the tool's memory does not
grow with the number of cgroups: the identity cache is bounded
(common/identity/resolver.h, IDENTITY_CACHE_ENTRIES). Every cgroup made here
is removed, also on failure, once its processes are gone."""
import json
import os
import subprocess
import threading
import time
import unittest

from lib import IN_VM, PYTHON, HERE, ToolTest, Tracer, cgroup2_root, listener, needs_root

HELPER = os.path.join(HERE, "cgroup_connector.py")
FIRST, TOTAL = 300, 3000
RSS_GROWTH_MB = 8.0
NAME_KEYS = ("container_id", "container_name", "pod_name", "pod_namespace", "pod_uid", "runtime")


def vm_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise AssertionError(f"no VmRSS for {pid}")


def remove_cgroups(parent):
    """Removes parent and every directory below it. A cgroup can be removed
    only once it holds no process: the helper's children have exited, but a
    zombie's exit may still be finishing, so retry for a while."""
    deadline = time.monotonic() + 30
    while os.path.isdir(parent):
        for d in sorted(os.listdir(parent)):
            p = os.path.join(parent, d)
            if os.path.isdir(p):
                try:
                    os.rmdir(p)
                except OSError:
                    pass
        try:
            os.rmdir(parent)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@needs_root
@unittest.skipIf(IN_VM,
                 "kernel matrix VM: a user-space scale test (the host suite runs it); 3000 processes under an "
                 "emulated CPU would take most of a kernel's time")
class NamesScale(ToolTest):
    def setUp(self):
        super().setUp()
        root = cgroup2_root()
        if root is None:
            raise unittest.SkipTest("no cgroup v2 mount")
        self.parent = os.path.join(root, f"socklens-scale-{os.getpid()}")
        os.mkdir(self.parent)
        self.addCleanup(remove_cgroups, self.parent)
        self.dirs = []
        for i in range(TOTAL):
            d = os.path.join(self.parent, f"c{i}")
            os.mkdir(d)
            self.dirs.append(d)

    def connect_from(self, dirs, port):
        """One child per cgroup in dirs, each one connect; [(dir, pid)]."""
        p = subprocess.run([PYTHON, HELPER, str(port), "--batch", "32"], input="\n".join(dirs),
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = [json.loads(l) for l in p.stdout.splitlines()]
        self.assertEqual(len(rows), len(dirs))
        bad = [r for r in rows if not r["ok"]]
        self.assertEqual(bad, [], "children that failed to move or connect")
        return [(r["cgroup"], r["pid"]) for r in rows]

    def wait_records(self, t, n, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(t.out) >= n:
                return
            time.sleep(0.2)

    def test_thousands_of_cgroups(self):
        srv = listener()
        port = srv.getsockname()[1]

        def accept_all():  # a full backlog would stall the connects
            while True:
                try:
                    srv.accept()[0].close()
                except OSError:
                    return

        threading.Thread(target=accept_all, daemon=True).start()
        t = Tracer("tcpconnect", "-j", "-P", str(port))
        done = self.connect_from(self.dirs[:FIRST], port)
        self.wait_records(t, FIRST)
        time.sleep(1)
        rss_first = vm_rss_mb(t.proc.pid)
        done += self.connect_from(self.dirs[FIRST:], port)
        self.wait_records(t, TOTAL, timeout=240)
        time.sleep(1)
        rss_all = vm_rss_mb(t.proc.pid)
        # each record of a process already gone walks the cgroup tree
        # (resolver.c): with thousands of cgroups the tool is long behind
        t.stop(timeout=240)
        print(f"\ntcpconnect VmRSS: {rss_first:.1f} MB after {FIRST} cgroups, "
              f"{rss_all:.1f} MB after {TOTAL} (+{rss_all - rss_first:.1f} MB)")

        records = [e for e in t.events("connect") if e["rport"] == port]
        by_pid = {}
        for e in records:
            by_pid.setdefault(e["pid"], []).append(e)
        missing = [(d, pid) for d, pid in done if len(by_pid.get(pid, [])) != 1]
        self.assertEqual(missing[:5], [], f"{len(missing)} connects without exactly one record")
        self.assertEqual(len(records), TOTAL)
        wrong = []
        for d, pid in done:
            e = by_pid[pid][0]
            if e["cgroup_id"] != os.stat(d).st_ino or any(k in e for k in NAME_KEYS):
                wrong.append(e)
        self.assertEqual(wrong[:3], [], f"{len(wrong)} records with a wrong cgroup_id or a name")
        self.assertLess(rss_all - rss_first, RSS_GROWTH_MB,
                        f"RSS grew from {rss_first:.1f} to {rss_all:.1f} MB with {TOTAL} cgroups")


if __name__ == "__main__":
    unittest.main()
