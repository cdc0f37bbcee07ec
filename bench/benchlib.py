"""What the bench scripts share: the C helpers, tracers under test (ours,
bcc's tcplife and libbpf-tools' tcplife and tcpstates) with their output in
files, the peers and how to read them, the storm, counting events, losses
(in NDJSON, text and CSV), count records and metrics files, the pod
namespaces and the UDP blast between them, and the background load. See
bench/README.md."""
import collections
import importlib.machinery
import importlib.util
import json
import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
BUILD = os.path.join(BENCH, ".build")
RESULTS = os.path.join(BENCH, "results")
CLK_TCK = os.sysconf("SC_CLK_TCK")
LOSS_REASON = "buffer full"  # the one "lost" reason that means records never delivered


def load_startup_memory():
    """bench/startup_memory as a module (it has no .py suffix)."""
    path = os.path.join(BENCH, "startup_memory")
    loader = importlib.machinery.SourceFileLoader("startup_memory", path)
    spec = importlib.util.spec_from_loader("startup_memory", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def say(msg):
    print(msg, file=sys.stderr, flush=True)


def die(prog, msg):
    print("%s: %s" % (prog, msg), file=sys.stderr)
    sys.exit(1)


def build_helpers():
    """cc -O2 the C helpers into bench/.build/ when their source (or the
    header they share) is newer."""
    os.makedirs(BUILD, exist_ok=True)
    out = {}
    shared = os.path.getmtime(os.path.join(BENCH, "helpers.h"))
    for name in ("storm", "udpblast"):
        src, exe = os.path.join(BENCH, name + ".c"), os.path.join(BUILD, name)
        if not os.path.exists(exe) or os.path.getmtime(exe) < max(os.path.getmtime(src), shared):
            subprocess.run(["cc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", exe, src], check=True)
        out[name] = exe
    return out


def online_cpus():
    with open("/sys/devices/system/cpu/online") as f:
        n = 0
        for part in f.read().strip().split(","):
            lo, _, hi = part.partition("-")
            n += int(hi or lo) - int(lo) + 1
    return n


def free_port():
    """A TCP port nothing listens on now (the storm binds it with SO_REUSEADDR)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu_s(pid):
    """utime + stime of the process (all threads), seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of stat(5)


def proc_status_mb(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no %s for pid %d" % (key, pid))


def perf_event_fds(pid):
    """How many perf events the process holds open (tracepoint links, perf
    buffers); None once it is gone."""
    n = 0
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == "anon_inode:[perf_event]":
                    n += 1
            except OSError:
                pass
    except OSError:
        return None
    return n


def rss_parts_mb(pid):
    """Resident memory by what holds it (from smaps): "buffer", the event
    buffer the kernel shares with the tool (the BPF ring buffer, mapped
    twice, or perf buffers); "files", pages of libraries and the program
    (LLVM's code, mostly, for libbcc's tools); "private", the rest (heap,
    stacks)."""
    parts = dict(buffer=0, files=0, private=0)
    name = ""
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            head = line.split()
            if re.match(r"^[0-9a-f]+-[0-9a-f]+$", head[0]):
                name = head[5] if len(head) > 5 else ""
            elif head[0] == "Rss:":
                kb = int(head[1])
                if name.startswith("anon_inode:bpf-map") or name.startswith("anon_inode:[perf_event]"):
                    parts["buffer"] += kb
                elif name.startswith("/"):
                    parts["files"] += kb
                else:
                    parts["private"] += kb
    return {k: v / 1024.0 for k, v in parts.items()}


# -- the peers ------------------------------------------------------------------

class Peer:
    """A tool of others that the bench holds ours against.

    Peers print text into a block-buffered file, so readiness is read from
    their file descriptors: the tracepoint's perf event plus `buffers` perf
    buffers per CPU. Their text lines are counted by the column of the remote
    port (counted from the end: COMM may hold spaces), and their losses by
    the stderr line the tool prints for them."""

    def __init__(self, name, family, label, rport_col, lost_re, buffers, per_connect=1, close=True,
                 bcc=False):
        self.name, self.family, self.label = name, family, label
        self.rport_col, self.lost_re, self.buffers = rport_col, re.compile(lost_re, re.M), buffers
        self.per_connect = per_connect  # records the storm's one connect makes
        self.close = close              # reports closes: expects connects - unclosed
        self.bcc = bcc                  # bcc's Python front end: needs BCC_KERNEL_SOURCE

    def path(self, peer_dir):
        return os.path.join(peer_dir, self.name)

    def cmd(self, peer_dir, ports):
        return [self.path(peer_dir), "-D", ",".join(str(p) for p in ports)]

    def ready_fds(self):
        return 1 + self.buffers * online_cpus()

    def count(self, path, ports, stderr_text):
        return count_text(path, ports, stderr_text, self.rport_col, self.lost_re)

    def expected(self, storm):
        """Records the storm's connects should give (see bench/storm.c's unclosed)."""
        return self.per_connect * storm["connects"] - (storm["unclosed"] if self.close else 0)


# bcc's tcplife has two event maps (IPv4, IPv6), one perf buffer per CPU each;
# libbcc prints "Possibly lost N samples" when no lost callback is set.
# libbpf-tools' tools have one, and their lost callback prints
# "lost N events on CPU #C" on stderr.
PEERS = collections.OrderedDict((p.name, p) for p in (
    Peer("tcplife-bpfcc", "bcc", "bcc tcplife-bpfcc", -4, r"Possibly lost (\d+) samples", 2, bcc=True),
    Peer("tcplife", "libbpf-tools", "libbpf-tools tcplife", -4, r"^lost (\d+) events on CPU", 1),
    # one record per state change: CLOSE->SYN_SENT, SYN_SENT->ESTABLISHED,
    # ESTABLISHED->CLOSE for each of the storm's connects
    Peer("tcpstates", "libbpf-tools", "libbpf-tools tcpstates", -5, r"^lost (\d+) events on CPU", 1,
         per_connect=3),
))


class ToolError(Exception):
    pass


class Tracer:
    """One tracer run: stdout to a file, stderr to a file, stopped with SIGINT.

    ready_fds None (ours): ready when stderr has a line starting with
    "Tracing". A number (a peer): ready once the tool holds that many perf
    events (Peer.ready_fds): it writes its header into a block-buffered file.
    """

    def __init__(self, name, cmd, workdir, tag, ready_fds=None, env=None):
        self.name, self.cmd, self.ready_fds = name, cmd, ready_fds
        self.env = env or os.environ.copy()
        self.out = os.path.join(workdir, "%s.%s.out" % (name, tag))
        self.err = os.path.join(workdir, "%s.%s.err" % (name, tag))
        self.proc = None
        self.startup_s = None
        self.returncode = None

    def start(self, timeout=60):
        t0 = time.monotonic()
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                         env=self.env)
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ToolError("%s exited with %s before it was ready:\n%s"
                                % (" ".join(self.cmd), self.proc.returncode, self.stderr_text()[-2000:]))
            if self._ready():
                self.startup_s = time.monotonic() - t0
                return self
            time.sleep(0.02)
        self.kill()
        raise ToolError("%s not ready within %d s:\n%s" % (" ".join(self.cmd), timeout,
                                                           self.stderr_text()[-2000:]))

    def _ready(self):
        if self.ready_fds is None:
            with open(self.err, "rb") as f:
                return any(line.startswith(b"Tracing") for line in f)
        return (perf_event_fds(self.proc.pid) or 0) >= self.ready_fds

    @property
    def pid(self):
        return self.proc.pid

    def cpu_s(self):
        return proc_cpu_s(self.pid)

    def rss_mb(self):
        return proc_status_mb(self.pid, "VmRSS")

    def hwm_mb(self):
        return proc_status_mb(self.pid, "VmHWM")

    def rss_parts_mb(self):
        return rss_parts_mb(self.pid)

    def wakeups(self):
        """Voluntary context switches: each is one sleep, so one wake-up."""
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("voluntary_ctxt_switches:"):
                    return int(line.split()[1])
        return 0

    def pause(self):
        self.proc.send_signal(signal.SIGSTOP)

    def interrupt_paused(self, timeout=30):
        """SIGINT to a stopped tool, then SIGCONT: it stops before it reads on."""
        self.proc.send_signal(signal.SIGINT)
        self.proc.send_signal(signal.SIGCONT)
        try:
            self.returncode = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        return self.returncode

    def quiesce(self, max_wait=60.0, step=0.3):
        """Wait until the tool has caught up: CPU time and output size still
        for two looks in a row. Returns the seconds waited."""
        t0 = time.monotonic()
        last, same = None, 0
        while time.monotonic() - t0 < max_wait and self.proc.poll() is None:
            now = (self.cpu_s(), os.path.getsize(self.out))
            same = same + 1 if now == last else 0
            if same >= 2:
                break
            last = now
            time.sleep(step)
        return time.monotonic() - t0

    def stop(self, timeout=30):
        """SIGINT as a user would; returns the exit status (None if it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                self.returncode = None
                return None
        self.returncode = self.proc.returncode
        return self.returncode

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stderr_text(self):
        with open(self.err, "rb") as f:
            return f.read().decode(errors="replace")

    def remove_files(self):
        for p in (self.out, self.err):
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass


# -- counting -----------------------------------------------------------------

SUMMARY_RE = re.compile(r"^\S+: (\d+) events lost in all \(([^)]*)\)", re.M)
SUPPRESSED_RE = re.compile(r"^\S+: (\d+) events suppressed in all by --rate-limit", re.M)
TS_RE = re.compile(rb'"ts_ns":(\d+)')


def count_ours(path, rtype, port_key, ports, stderr_text, sample_every=997):
    """Events of type rtype whose port_key is one of ports (every one if ports
    is None), the losses the
    stream reported (by reason), the stderr summary (by reason), the number
    of other lines, and how many sampled lines failed to parse as JSON."""
    rt = b'"type":"%s"' % rtype.encode()
    needles = None if ports is None else [b'"%s":%d,' % (port_key.encode(), p) for p in ports]
    events = other = bad_json = checked = suppressed = 0
    lost = collections.Counter()
    other_types = collections.Counter()
    with open(path, "rb") as f:
        for i, line in enumerate(f):
            if rt in line:
                if needles is None or any(n in line for n in needles):
                    events += 1
                else:
                    other += 1
                if i % sample_every == 0:  # a sample of records must be valid JSON
                    checked += 1
                    try:
                        json.loads(line)
                    except ValueError:
                        bad_json += 1
            elif b'"type":"lost"' in line:
                d = json.loads(line)
                lost[d["reason"]] += d["lost"]
            elif b'"type":"rate_limited"' in line:
                suppressed += json.loads(line)["suppressed"]
            else:
                try:
                    other_types[json.loads(line).get("type", "?")] += 1
                except ValueError:
                    bad_json += 1
    summary = collections.Counter()
    for n, reason in SUMMARY_RE.findall(stderr_text):
        summary[reason] += int(n)
    sup = SUPPRESSED_RE.findall(stderr_text)
    return dict(events=events, lost_stream=dict(lost), lost_summary=dict(summary),
                lost=lost.get(LOSS_REASON, 0), other_lines=other,
                other_records=dict(other_types), json_checked=checked, bad_json=bad_json,
                suppressed=suppressed, suppressed_summary=sum(int(n) for n in sup) if sup else None)


def events_per_second(path, rtype, port_key, ports):
    """Events of type rtype for ports, by whole second of their ts_ns (the
    seconds --rate-limit keeps to): {second: events}."""
    rt = b'"type":"%s"' % rtype.encode()
    needles = [b'"%s":%d,' % (port_key.encode(), p) for p in ports]
    per = collections.Counter()
    with open(path, "rb") as f:
        for line in f:
            if rt in line and any(n in line for n in needles):
                per[int(TS_RE.search(line).group(1)) // 1000000000] += 1
    return dict(per)


def count_records(path, stderr_text):
    """What a tool's -c -j run printed at exit: its count records (parsed),
    the losses the stream reported (by reason) and the stderr summary."""
    records, lost, summary = [], collections.Counter(), collections.Counter()
    other = collections.Counter()
    with open(path, "rb") as f:
        for line in f:
            d = json.loads(line)
            if d.get("type") == "count":
                records.append(d)
            elif d.get("type") == "lost":
                lost[d["reason"]] += d["lost"]
            else:
                other[d.get("type", "?")] += 1
    for n, reason in SUMMARY_RE.findall(stderr_text):
        summary[reason] += int(n)
    return dict(records=records, lost_stream=dict(lost), lost_summary=dict(summary),
                lost=lost.get(LOSS_REASON, 0), other_records=dict(other))


PROM_RE = re.compile(r'^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$')
PROM_LABEL_RE = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')


def read_prom(path):
    """The samples of a Prometheus text file: [(name, {label: value}, value)]."""
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = PROM_RE.match(line)
            if not m:
                raise ValueError("%s: not a sample line: %r" % (path, line))
            labels = dict(PROM_LABEL_RE.findall(m.group(2) or ""))
            out.append((m.group(1), labels, float(m.group(3))))
    return out


def prom_sum(samples, name, skip=lambda labels: False):
    """The sum of metric name over its label sets (those skip() leaves in)."""
    return sum(v for n, labels, v in samples if n == name and not skip(labels))


def count_text(path, ports, stderr_text, rport_col, lost_re):
    """Text lines whose column rport_col (counted from the end) is one of
    ports; the losses are the sum of lost_re's number in stderr_text (a
    peer's lost-sample lines). A header line counts as nothing."""
    want = {str(p).encode() for p in ports}
    events = other = 0
    with open(path, "rb") as f:
        for line in f:
            cols = line.split()
            if len(cols) >= -rport_col + 4 and cols[rport_col] in want:
                events += 1
            elif cols and b"RPORT" not in cols:  # not the header
                other += 1
    lost = sum(int(n) for n in lost_re.findall(stderr_text))
    return dict(events=events, lost_stream={}, lost_summary={"lost lines": lost} if lost else {},
                lost=lost, other_lines=other, other_records={}, json_checked=0, bad_json=0)


OUR_LOST_RE = re.compile(r"^\S+: lost (\d+) events \(([^)]*)\)", re.M)


def count_ours_format(fmt, path, rtype, port_key, ports, stderr_text, text_rport_col=-4):
    """count_ours for any of our output formats. "json": the stream's lost
    records. "text" and "csv": the records counted the same way (text: by the
    remote port's column, text_rport_col from the end; csv: by the header's
    type and port_key columns), and the losses from the stderr lines
    "TOOL: lost N events (REASON)" that stand in for the lost records. In
    every format the exit summary on stderr is parsed apart, to be compared."""
    if fmt == "json":
        return count_ours(path, rtype, port_key, ports, stderr_text)
    if fmt == "text":
        c = count_text(path, ports, "", text_rport_col, OUR_LOST_RE)
    elif fmt == "csv":
        want = {str(p) for p in ports}
        events = other = 0
        with open(path) as f:
            cols = next(f).rstrip("\n").split(",")
            ti, pi = cols.index("type"), cols.index(port_key)
            for line in f:
                v = line.rstrip("\n").split(",")  # the storm's records hold no quoted commas
                if len(v) > pi and v[ti] == rtype and v[pi] in want:
                    events += 1
                else:
                    other += 1
        c = dict(events=events, other_lines=other, other_records={}, json_checked=0, bad_json=0)
    else:
        raise ValueError("format " + fmt)
    lost, summary = collections.Counter(), collections.Counter()
    for n, reason in OUR_LOST_RE.findall(stderr_text):
        lost[reason] += int(n)
    for n, reason in SUMMARY_RE.findall(stderr_text):
        summary[reason] += int(n)
    c.update(lost_stream=dict(lost), lost_summary=dict(summary), lost=lost.get(LOSS_REASON, 0))
    return c


# -- the storm ------------------------------------------------------------------

def run_storms(storm_exe, specs):
    """Run one storm per spec (dict of storm options) at once; their JSON results."""
    procs = []
    for spec in specs:
        cmd = [storm_exe]
        for k, v in spec.items():
            if v is not None:
                cmd += ["--" + k, str(v)]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = []
    for p in procs:
        out, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError("storm failed (%s): %s" % (p.returncode, err.strip()))
        results.append(json.loads(out))
    return results


def merge_storms(results):
    if len(results) == 1:
        return dict(results[0])
    if len({r["port"] for r in results}) == 1:  # one after the other on one port
        m = dict(results[0])
        for k in ("connects", "failed", "accepted", "unclosed", "seconds", "cpu_s", "ivcsw"):
            m[k] = sum(r[k] for r in results)
        m["rate"] = results[0]["rate"]
        m["storms"] = results
        return m
    secs = max(r["seconds"] for r in results)
    return dict(connects=sum(r["connects"] for r in results),
                cpu_s=sum(r["cpu_s"] for r in results), ivcsw=sum(r["ivcsw"] for r in results),
                failed=sum(r["failed"] for r in results),
                accepted=sum(r["accepted"] for r in results),
                unclosed=sum(r["unclosed"] for r in results),
                seconds=secs, rate=sum(r["rate"] for r in results),
                target_rate=sum(r["target_rate"] for r in results),
                port=[r["port"] for r in results], cpu=[r["cpu"] for r in results],
                storms=results)


def add_tails(storm, tails):
    """A storm result with the small storms made after it (see bench/run's
    tail) added to its counts; its rate and seconds stay the main storm's."""
    m = dict(storm)
    for k in ("connects", "failed", "accepted", "unclosed", "cpu_s", "ivcsw"):
        m[k] = storm[k] + sum(t[k] for t in tails)
    m["tails"] = tails
    return m


# -- pods ------------------------------------------------------------------------

class PodPair:
    """Two network namespaces joined by a veth pair, 10.250.0.1 <-> 10.250.0.2.

    The addresses exist only inside these namespaces; everything is deleted
    on close()."""

    def __init__(self, tag):
        self.a, self.b = "nbench-%s-a" % tag, "nbench-%s-b" % tag
        self.addr_a, self.addr_b = "10.250.0.1", "10.250.0.2"

    @property
    def path_a(self):
        return "/run/netns/" + self.a

    def __enter__(self):
        ip = lambda *a: subprocess.run(["ip"] + list(a), check=True, capture_output=True)
        try:
            ip("netns", "add", self.a)
            ip("netns", "add", self.b)
            ip("link", "add", "nbva", "netns", self.a, "type", "veth", "peer", "name", "nbvb",
               "netns", self.b)
            ip("-n", self.a, "addr", "add", self.addr_a + "/30", "dev", "nbva")
            ip("-n", self.b, "addr", "add", self.addr_b + "/30", "dev", "nbvb")
            for ns, dev in ((self.a, "nbva"), (self.b, "nbvb")):
                ip("-n", ns, "link", "set", "lo", "up")
                ip("-n", ns, "link", "set", dev, "up")
        except subprocess.CalledProcessError as e:
            self.close()
            raise RuntimeError("creating namespaces failed: %s: %s"
                               % (" ".join(e.cmd), e.stderr.decode(errors="replace")))
        return self

    def exec_a(self):
        return ["ip", "netns", "exec", self.a]

    def exec_b(self):
        return ["ip", "netns", "exec", self.b]

    def close(self):
        for ns in (self.a, self.b):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)

    def __exit__(self, *exc):
        self.close()


def udp_blast(udpblast_exe, pods, port, seconds, cpu):
    """udpblast recv in pod b, then udpblast send from pod a to it for
    seconds, pinned to cpu: the sender's JSON result (sent, pps, ...) with
    the receiver's count added as "received"."""
    recv = subprocess.Popen(pods.exec_b() + [udpblast_exe, "recv", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # wait for "receiving" so the first packets find the socket
    line = recv.stderr.readline()
    if "receiving" not in line:
        recv.kill()
        raise RuntimeError("udpblast recv: " + line)
    try:
        send = subprocess.run(pods.exec_a() + [udpblast_exe, "send", "--to", pods.addr_b, "--port", str(port),
                                               "--seconds", str(seconds), "--cpu", str(cpu)],
                              capture_output=True, text=True, check=True)
    finally:
        time.sleep(0.3)
        recv.send_signal(signal.SIGTERM)
        out, _ = recv.communicate(timeout=10)
    r = json.loads(send.stdout)
    r["received"] = json.loads(out)["received"]
    return r


class Load:
    """CPU the machine spent between start and done() on work that is not ours
    (not this process nor any descendant already reaped), and steal time.
    Busy time is user + nice + system of /proc/stat: irq and softirq time,
    which the kernel may account apart from the task that caused it, is
    left out on both sides."""

    def __init__(self):
        self.wall0, self.m0, self.o0 = time.monotonic(), self.machine(), self.ours()

    @staticmethod
    def machine():
        with open("/proc/stat") as f:
            v = [int(x) / CLK_TCK for x in f.readline().split()[1:]]
        return dict(busy=v[0] + v[1] + v[2], steal=v[7] if len(v) > 7 else 0.0)

    @staticmethod
    def ours():
        s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime

    def done(self, running_ours_s=0.0):
        """running_ours_s: CPU of our processes still running (not yet in rusage)."""
        m1, o1 = self.machine(), self.ours()
        busy = m1["busy"] - self.m0["busy"]
        ours = o1 - self.o0 + running_ours_s
        return dict(wall_s=time.monotonic() - self.wall0, busy_s=busy, ours_s=ours,
                    other_s=max(busy - ours, 0.0), steal_s=m1["steal"] - self.m0["steal"])


def busy_note(bg):
    """A warning when other processes took more than a tenth of a CPU."""
    if bg["wall_s"] > 0 and bg["other_s"] / bg["wall_s"] > 0.10:
        return "  [other work: %.1f CPU]" % (bg["other_s"] / bg["wall_s"])
    return ""


def wait_quiet(log, limit):
    """Wait (up to limit s) until other work takes under a tenth of a CPU for 5 s."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        load = Load()
        time.sleep(5)
        bg = load.done()
        if bg["other_s"] / bg["wall_s"] < 0.10:
            return
        log("waiting for a quiet machine: other work takes %.2f CPUs" % (bg["other_s"] / bg["wall_s"]))
    log("machine still busy after %.0f s: measuring anyway" % limit)


def process_cpu_snapshot():
    """pid -> (command, utime+stime s) of every process now."""
    snap = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                head, _, rest = f.read().rpartition(")")
            fields = rest.split()
            snap[int(pid)] = (head.partition("(")[2], (int(fields[11]) + int(fields[12])) / CLK_TCK)
        except (OSError, IndexError, ValueError):
            pass
    return snap


def bpf_holders(exclude=()):
    """Processes (not in exclude) holding BPF programs now: pid -> command.
    Another session's tracer on the same tracepoints makes every storm
    dearer, traced or not; it shows nowhere in CPU accounting but here."""
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) in exclude:
            continue
        try:
            fds = os.listdir("/proc/%s/fd" % pid)
            for fd in fds:
                if os.readlink("/proc/%s/fd/%s" % (pid, fd)) == "anon_inode:bpf-prog":
                    with open("/proc/%s/comm" % pid) as f:
                        out[int(pid)] = f.read().strip()
                    break
        except OSError:
            pass
    return out


def busiest_others(before, after, exclude, top=5, floor_s=1.0):
    """Processes not in exclude that used the most CPU between two snapshots."""
    rows = []
    for pid, (comm, t) in after.items():
        if pid in exclude:
            continue
        d = t - before.get(pid, (comm, 0.0))[1]
        if d >= floor_s:
            rows.append(dict(pid=pid, comm=comm, cpu_s=round(d, 1)))
    return sorted(rows, key=lambda r: -r["cpu_s"])[:top]


def acc(events, lost, connects):
    """events+lost=connects, or != where they differ."""
    return "%d+%d%s%d" % (events, lost, "=" if events + lost == connects else "!=", connects)


def median(xs):
    return statistics.median(xs) if xs else None


def write_json(path, obj):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
