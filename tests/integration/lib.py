"""Helpers for the integration tests: run a tool as a user would, make real
loopback traffic, read what the tool reported."""
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

BIN = os.environ.get("SOCKLENS_BIN", os.path.join(os.path.dirname(__file__), "../../build/bin"))
RAW_DECODE = os.environ.get("SOCKLENS_RAW_DECODE", "")
# Children may run as another user: use the system's python, not a per-user one.
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
RUNNING = []  # tracers not yet stopped, so a failed test never leaves one behind
SOCKETS = []  # listeners a test made, closed by stop_all()
HERE = os.path.dirname(os.path.abspath(__file__))
CONNECTOR = os.path.join(HERE, "connector.py")


# Inside the kernel matrix's VM (tests/vm/guest.sh): an emulated CPU, where
# every compile takes seconds and a kernel's share of CI's time is bounded.
IN_VM = os.environ.get("SOCKLENS_IN_VM") == "1"


def user_space_only(test):
    """Marks a test whose outcome no kernel decides (files, signals, pipes,
    formatting): the host suite runs it, the kernel matrix's VM skips it."""
    return unittest.skipIf(IN_VM, "user space only: the host suite runs it, the kernel matrix need not")(test)


def tool(name):
    return os.path.join(BIN, name)


def wait_for_text(path, text, proc, timeout=180):
    """Waits until the file at path (a tool's stderr) holds text: start-up
    takes a fraction of a second here but far longer in an emulated VM."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        with open(path, errors="replace") as f:
            if text in f.read():
                return True
        time.sleep(0.1)
    return False


HAS_KPROBES = any(os.path.exists(p) for p in (
    "/sys/bus/event_source/devices/kprobe/type", "/sys/kernel/tracing/kprobe_events",
    "/sys/kernel/debug/tracing/kprobe_events"))


def tracepoint_has_field(event, field):
    """Whether the tracepoint ("category/name") passes field: kernels add
    fields over time (kfree_skb's reason in 5.17, tcp_send_reset's in 6.10)."""
    # The tools mount tracefs where it is missing (common/kernel/loader.c); a
    # test that asks before any tool ran must not mistake a fresh boot for a
    # kernel without the event, so it does the same.
    if not os.path.exists("/sys/kernel/tracing/events") and os.geteuid() == 0:
        subprocess.run(["mount", "-t", "tracefs", "nodev", "/sys/kernel/tracing"], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for root in ("/sys/kernel/tracing", "/sys/kernel/debug/tracing"):
        try:
            with open(f"{root}/events/{event}/format") as f:
                return f" {field};" in f.read()
        except OSError:
            pass
    raise unittest.SkipTest(f"tracefs has no {event}")


def needs_root(cls):
    return unittest.skipUnless(os.geteuid() == 0, "integration tests run as root")(cls)


# How long a tool may take to detach its programs and exit once told to stop
# (SIGINT, SIGTERM). Generous: under an emulated CPU (tests/vm) podnet took
# 5-7 s; a tool that hangs still fails.
DETACH_S = 60


class Tracer:
    """A running tool. Starts it, waits for 'Tracing', collects its output."""

    def __init__(self, name, *args, ready_timeout=180, read=True):
        """read=False leaves stdout unread (the tool blocks once the pipe is
        full) until start_reading()."""
        launched = time.monotonic()
        self.proc = subprocess.Popen([tool(name), *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        RUNNING.append(self)
        self.out = []
        self.err = []
        ready = threading.Event()
        tracing = []  # "Tracing" seen: ready is also set when stderr ends

        def read_err():
            for line in self.proc.stderr:
                self.err.append(line.decode(errors="replace"))
                if line.startswith(b"Tracing"):
                    tracing.append(True)
                    ready.set()
            ready.set()

        self.threads = [threading.Thread(target=read_err, daemon=True)]
        self.threads[0].start()
        if read:
            self.start_reading()
        # a tool that failed may have closed stderr and not yet be reaped:
        # only "Tracing" says it started
        if not ready.wait(ready_timeout) or not tracing or self.proc.poll() is not None:
            self.proc.kill()
            raise AssertionError(f"{name} did not start: {''.join(self.err)}")
        # launch to "Tracing": how fast this machine is right now (seconds
        # under an emulated CPU or a loaded host), for bounds that must scale
        self.startup_s = time.monotonic() - launched

    def start_reading(self):
        def read_out():
            for line in self.proc.stdout:
                self.out.append(line)

        t = threading.Thread(target=read_out, daemon=True)
        t.start()
        self.threads.append(t)

    def stop(self, timeout=DETACH_S):
        """SIGINT, as Ctrl-C; returns the exit status, within timeout seconds."""
        time.sleep(0.3)  # let the last events reach the reader
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        rc = self.proc.wait(timeout)
        if self in RUNNING:
            RUNNING.remove(self)
        for t in self.threads:
            t.join(5)
        self.proc.communicate()
        return rc

    def events(self, type_="connect"):
        rows = [json.loads(line) for line in self.out]
        return [r for r in rows if type_ is None or r.get("type") == type_]

    def raw(self):
        return b"".join(self.out)


def stop_all():
    """Kills every tracer a test left running (call from tearDown)."""
    for t in list(RUNNING):
        t.proc.kill()
        t.proc.communicate()
        RUNNING.remove(t)
    while SOCKETS:
        SOCKETS.pop().close()


def listener(family=4):
    """A listening socket on loopback; the kernel completes handshakes."""
    af, addr = (socket.AF_INET6, "::1") if family == 6 else (socket.AF_INET, "127.0.0.1")
    s = socket.socket(af, socket.SOCK_STREAM)
    s.bind((addr, 0))
    s.listen(128)
    SOCKETS.append(s)
    return s


def closed_port(family=4):
    """A loopback port nobody listens on (connects to it are refused)."""
    s = listener(family)
    port = s.getsockname()[1]
    s.close()
    return port


def prom_sum(path, family, **labels):
    """The sum of a metric family's samples (those with these label values)
    in a Prometheus text file: a tool's --metrics-dir file, read without
    Prometheus."""
    want = [f'{k}="{v}"' for k, v in labels.items()]
    with open(path) as f:
        return sum(float(line.rsplit(" ", 1)[1]) for line in f
                   if (line.startswith(family + "{") or line.startswith(family + " "))
                   and all(w in line for w in want))


def connector_options(name, mode):
    """connector.py's options for a command name and a connect mode."""
    return [*(["--name", name] if name else []), *(["--mode", mode] if mode else [])]


def connect(family, addr, port, name=None, prefix=(), count=1, mode=None, **popen):
    """Connects from a fresh child process; returns what its (last) socket saw.
    mode: connector.py's --mode (timeout, blocking, nonblocking)."""
    cmd = [*prefix, PYTHON, CONNECTOR, str(family), addr, str(port), "--count", str(count),
           *connector_options(name, mode)]
    out = subprocess.run(cmd, check=True, capture_output=True, timeout=30, **popen).stdout
    return json.loads(out.splitlines()[-1])


class WaitingConnector:
    """A child that exists before the tracer starts (for -p) and connects on go()."""

    def __init__(self, family, addr, port, name=None, prefix=(), mode=None, more=(), **popen):
        """more: further connector.py options (--count, --seconds...)."""
        cmd = [*prefix, PYTHON, CONNECTOR, str(family), addr, str(port), "--wait",
               *connector_options(name, mode), *more]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, **popen)
        self.pid = json.loads(self.proc.stdout.readline())["ready"]

    def go(self):
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()
        result = json.loads(self.proc.stdout.readline())
        self.proc.communicate(timeout=30)
        return result


SERVER = os.path.join(HERE, "server.py")


class Server:
    """A server process (tests/integration/server.py) that accepts on go()."""

    def __init__(self, family, *args, prefix=()):
        self.proc = subprocess.Popen([*prefix, PYTHON, SERVER, str(family), *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        ready = json.loads(self.proc.stdout.readline())
        self.pid, self.master, self.port = ready["ready"], ready["master"], ready["port"]
        self.addr = "::1" if family == 6 else "127.0.0.1"
        self.family = family

    def go(self):
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()

    def results(self):
        """Everything the server printed after go(), once it has exited."""
        out, _ = self.proc.communicate(timeout=30)
        return [json.loads(l) for l in out.splitlines()]

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate()


TRANSFER = os.path.join(HERE, "transfer.py")


class Transfer:
    """One connection between a server and a client process (transfer.py):
    the client sends `sent` bytes, the server answers `answer` bytes. Both
    run under prefix (a command), the client under client_prefix if given."""

    def __init__(self, family, sent, answer, reset=False, prefix=(), names=(None, None), client_prefix=None):
        srv = [*prefix, PYTHON, TRANSFER, "server", str(family), str(answer)]
        if reset:
            srv.append("--reset")
        if names[0]:
            srv += ["--name", names[0]]
        self.server = subprocess.Popen(srv, stdout=subprocess.PIPE)
        ready = json.loads(self.server.stdout.readline())
        self.server_pid, self.port = ready["ready"], ready["port"]
        cli = [*(prefix if client_prefix is None else client_prefix), PYTHON, TRANSFER, "client", str(family), str(self.port), str(sent)]
        if names[1]:
            cli += ["--name", names[1]]
        self.client = json.loads(subprocess.run(cli, check=True, capture_output=True,
                                                timeout=30).stdout)
        out, _ = self.server.communicate(timeout=30)
        self.served = json.loads(out)


# What a tool says once at start about what this kernel keeps from it (a
# probe it cannot attach, a form of accept or connect it cannot see).
COVERAGE_NOTES = ("unavailable", "are not seen", "cannot be attributed")


def is_coverage_note(line):
    return any(n in line for n in COVERAGE_NOTES)


def into_head(args, traffic, started_timeout=180, traffic_timeout=60, repeat=True):
    """Runs `TOOL ARGS | head -1` under bash and makes traffic, once the tool
    says it is tracing, until head has its line and the pipeline ends. The
    start-up bound is generous: under an emulated CPU the compile alone takes
    many seconds. With repeat=False the traffic is made once: the tool must
    then learn that head is gone with nothing more to write. Returns
    (stdout, stderr lines other than Tracing/notes)."""
    import shlex
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".err") as err:
        cmd = " ".join(shlex.quote(a) for a in args)
        # its own session: a tool still running at the end is killed with bash
        sh = subprocess.Popen(["bash", "-c", f"{cmd} | head -1; echo status=${{PIPESTATUS[0]}} >&2"],
                              stdout=subprocess.PIPE, stderr=err, start_new_session=True)
        try:
            if not wait_for_text(err.name, "Tracing", sh, started_timeout) and sh.poll() is None:
                raise AssertionError(f"{args[0]} did not start within {started_timeout} s")
            deadline = time.monotonic() + traffic_timeout
            traffic()
            while sh.poll() is None and time.monotonic() < deadline:
                traffic() if repeat else time.sleep(0.1)
            if sh.poll() is None:
                raise AssertionError(f"{args[0]} | head -1 still running {traffic_timeout} s after "
                                     "the traffic began")
            out, _ = sh.communicate(timeout=30)
        finally:
            if sh.poll() is None:
                os.killpg(sh.pid, 9)
                sh.wait()
        with open(err.name, errors="replace") as f:
            lines = [l for l in f.read().splitlines()
                     if not l.startswith("Tracing") and not is_coverage_note(l)]
    return out, lines


def our_programs():
    """Ids of loaded BPF programs that carry our probes' names."""
    out = subprocess.run(["bpftool", "-j", "prog", "list"], capture_output=True, check=True).stdout
    return {p["id"] for p in json.loads(out)
            if p.get("name", "").startswith(("tracepoint__", "raw_tracepoint", "kprobe__", "kretprobe__"))}


def assert_nothing_left(before, seconds=15):
    """Our programs are gone once every tool has exited (the kernel frees
    them shortly after the last fd closes, so allow it a moment)."""
    deadline = time.monotonic() + seconds
    while our_programs() - before:
        if time.monotonic() > deadline:
            raise AssertionError(f"BPF programs left loaded: {sorted(our_programs() - before)}")
        time.sleep(0.1)


BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_PROG_TYPE_TRACING = 17, 26


def attached_hooks(pid):
    """{tracepoint: BPF program type} of the raw tracepoint links a process
    holds (its fds' fdinfo: a link names its tracepoint and program, a
    program fd its type)."""
    links, types = {}, {}
    fdinfo = f"/proc/{pid}/fdinfo"
    for fd in os.listdir(fdinfo):
        try:
            with open(os.path.join(fdinfo, fd)) as f:
                info = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
        except FileNotFoundError:
            continue
        if "tp_name" in info:
            links[info["tp_name"]] = info["prog_id"]
        elif "prog_type" in info:
            types[info["prog_id"]] = int(info["prog_type"])
    return {name: types.get(prog) for name, prog in links.items()}


def state_hook_types(tool, modes):
    """{mode: {tracepoint: BPF program type}} of tool's raw tracepoint links,
    started with each mode (a list of arguments) and stopped at once."""
    types = {}
    for mode in modes:
        t = Tracer(tool, *mode)
        types[" ".join(mode)] = attached_hooks(t.proc.pid)
        t.stop()
    return types


def state_hook_types_wanted(modes):
    """What state_hook_types() should find for the TCP tools: their one raw
    tracepoint, inet_sock_set_state, BTF-typed where the kernel allows
    unless the mode says --no-tp-btf."""
    typed = BPF_PROG_TYPE_TRACING if typed_hooks_expected() else BPF_PROG_TYPE_RAW_TRACEPOINT
    return {" ".join(mode): {"inet_sock_set_state": BPF_PROG_TYPE_RAW_TRACEPOINT if "--no-tp-btf" in mode
                             else typed} for mode in modes}


def typed_hooks_expected():
    """Whether the tools load their typed raw tracepoints BTF-typed (tp_btf)
    here: the kernel's BTF is readable and the kernel is 5.9+ (the socket
    cast bpf_skc_to_tcp_sock the TCP tools' typed hook calls)."""
    release = tuple(int(x) for x in os.uname().release.split("-")[0].split(".")[:2])
    return os.path.exists("/sys/kernel/btf/vmlinux") and release >= (5, 9)


def netns_inode(path):
    return os.stat(path).st_ino


def cgroup2_root():
    """Where cgroup v2 is mounted (/sys/fs/cgroup, or .../unified on hybrid hosts)."""
    with open("/proc/mounts") as mounts:
        for line in mounts:
            dev, path, fstype = line.split()[:3]
            if fstype == "cgroup2":
                return path
    return None


class Cgroup:
    """A cgroup v2 directory of our own, removed on exit."""

    def __init__(self, name):
        root = cgroup2_root()
        if root is None:
            raise unittest.SkipTest("no cgroup v2 mount")
        self.path = os.path.join(root, name)
        os.mkdir(self.path)

    def add(self, pid):
        with open(os.path.join(self.path, "cgroup.procs"), "w") as f:
            f.write(str(pid))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        os.rmdir(self.path)


class Netns:
    """A network namespace with loopback up, removed on exit."""

    def __init__(self, name):
        self.name = name
        self.path = f"/run/netns/{name}"
        subprocess.run(["ip", "netns", "add", name], check=True)
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)

    def prefix(self):
        return ["ip", "netns", "exec", self.name]

    def close(self):
        subprocess.run(["ip", "netns", "del", self.name], check=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class ToolTest(unittest.TestCase):
    """Base of the integration tests: root only; no tool left running after
    a test (even a failed one), no program of ours left loaded after all."""

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("integration tests run as root")
        cls.programs_before = our_programs()

    @classmethod
    def tearDownClass(cls):
        assert_nothing_left(cls.programs_before)

    def setUp(self):
        self.servers = []

    def tearDown(self):
        stop_all()
        for s in self.servers:
            s.kill()

    def server(self, family, *args, **kw):
        """A Server (server.py) that is killed after the test."""
        s = Server(family, *args, **kw)
        self.servers.append(s)
        return s


def trace_each_installed_tool(test, paths):
    """One real trace per tool, run from paths {tool: executable} (an
    installed package's commands): each record names what the test did."""
    t = Tracer(paths["tcpconnect"], "-j")
    port = listener().getsockname()[1]
    seen = connect(4, "127.0.0.1", port)
    t.stop()
    test.assertIn((seen["pid"], port), [(e["pid"], e["rport"]) for e in t.events("connect")])

    t = Tracer(paths["tcpaccept"], "-j")
    srv = listener()
    with socket.create_connection(srv.getsockname()):
        srv.accept()[0].close()
    t.stop()
    test.assertIn((os.getpid(), srv.getsockname()[1]),
                  [(e["pid"], e["lport"]) for e in t.events("accept")])

    t = Tracer(paths["tcpclose"], "-j")
    x = Transfer(4, 1234, 567)
    t.stop()
    test.assertIn((x.client["pid"], 1234, 567),
                  [(e["pid"], e["tx_bytes"], e["rx_bytes"]) for e in t.events("close")])

    with Netns(f"slpkg{os.getpid() % 100000}") as ns:
        t = Tracer(paths["podnet"], "-j", "--netns", ns.path, "--drops")
        code = "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', 9))"
        subprocess.run([*ns.prefix(), PYTHON, "-c", code], check=True, timeout=30)
        t.stop()
        drops = [e for e in t.events(None) if e.get("event") == "drop"]
        test.assertTrue(any(e["netns"] == netns_inode(ns.path) and e["dport"] == 9 for e in drops),
                        t.out)
