"""Command-line behaviour that needs no kernel access: bad input, --help,
--version, --ebpf (also as an unprivileged user), missing privilege."""
import os
import re
import subprocess
import unittest

from lib import tool

NOBODY = 65534


TOOLS = ["tcpconnect", "tcpaccept", "tcpclose", "podnet"]


def run(*args, user=None, name="tcpconnect"):
    return subprocess.run([tool(name), *args], capture_output=True, timeout=30,
                          user=user, group=user)


def free_pid():
    pid = 4194000
    while os.path.exists(f"/proc/{pid}"):
        pid -= 1
    return pid


# (arguments, text the one-line error must contain), for every tool
BAD_INPUT = [
    (["-p", "abc"], "'abc' is not a valid PID"),
    (["-p", "-5"], "'-5'"),
    (["-p", "0"], "PID 0 out of range"),
    (["-p", "99999999999"], "PID 99999999999 out of range"),
    (["-p", "99999999999999999999999"], "out of range"),
    (["-p", "1,,2"], "empty item in list '1,,2'"),
    (["-p", "1,"], "empty item"),
    (["-p", ",1"], "empty item"),
    (["-p", "1 2"], "'1 2' is not a valid PID"),
    (["-p", "0x10"], "'0x10' is not a valid PID"),
    (["-p", ",".join(["1"] * 65)], "too many values"),
    (["--netns", "/missing"], "cannot open '/missing'"),
    (["--netns", "/etc/hostname"], "'/etc/hostname' is not a network namespace"),
    (["--netns", "/proc/self/ns/mnt"], "is not a network namespace"),
    (["--cgroup", "/missing"], "cannot open '/missing'"),
    (["--cgroup", "/tmp"], "'/tmp' is not a cgroup v2 directory"),
    (["--pid", str(free_pid())], f"no process {free_pid()}"),
    (["-o", "xml"], "unknown output format 'xml'"),
    (["-j", "-o", "csv"], "-o csv: the output is already json (-j); give one format"),
    (["-o", "raw", "-j"], "-j json: the output is already raw (-o); give one format"),
    (["-t", "-T"], "two time columns; give one"),
    (["-o"], "needs a value"),
    (["--bogus"], "unknown option '--bogus'"),
    (["-x"], "unknown option '-x'"),
    (["extra"], "unexpected argument 'extra'"),
    (["--duration", "0"], "'0' is not a valid duration"),
    (["--duration", "abc"], "'abc' is not a valid duration"),
    (["--duration", "-1"], "'-1' is not a valid duration"),
    (["--max-events", "0"], "count 0 out of range"),
    (["--buffer-pages", "3"], "3 is not a power of 2"),
    (["--buffer-pages", "0"], "out of range"),
    (["-4", "-6"], "-4 and -6 exclude each other"),
    (["--metrics-dir", "/nonexistent/socklens-metrics"], "--metrics-dir: metrics directory"),
    (["--metrics-dir", "/etc/hostname"], "--metrics-dir:"),
    (["--metrics-dir", ""], "--metrics-dir: give a directory"),
    (["--metrics-interval", "5"], "--metrics-interval needs --metrics-dir"),
    (["--metrics-only"], "--metrics-only needs --metrics-dir"),
    (["--metrics-dir", "/tmp", "--metrics-interval", "0.5"], "under 1 second"),
    (["--metrics-dir", "/tmp", "--metrics-max-series", "0"], "series count 0 out of range"),
    (["--metrics-dir", "/tmp", "--read", "/dev/null"], "--read: metrics are counted in the kernel"),
    (["--read", "/tmp"], "--read: /tmp: a directory"),
    (["--read", "/dev/null", "--duration", "5"], "apply to tracing only"),
    (["--read", "/dev/null", "--buffer-pages", "8"], "apply to tracing only"),
    (["--read", "/dev/null", "--no-kprobes"], "apply to tracing only"),
    (["--read", "/dev/null", "--no-tp-btf"], "apply to tracing only"),
    (["--read", "/dev/null", "--no-cache"], "apply to tracing only"),
    (["--rate-limit", "0"], "rate 0 out of range 1-10000000"),
    (["--rate-limit", "10000001"], "rate 10000001 out of range 1-10000000"),
    (["--rate-limit", "abc"], "'abc' is not a valid rate"),
    (["--rate-limit", "-5"], "'-5' is not a valid rate"),
    (["--rate-limit", "1.5"], "'1.5' is not a valid rate"),
    (["--rate-limit"], "needs a value"),
    (["--read", "/missing", "--rate-limit", "10"], "--read: a recorded stream is not rate limited"),
    # one value each: given twice is an error, not the last one winning
    (["--duration", "5", "--duration", "9"], "--duration: given twice; it takes one duration"),
    (["--max-events", "5", "--max-events", "9"], "--max-events: given twice; it takes one count"),
    (["--rate-limit", "5", "--rate-limit", "9"], "--rate-limit: given twice; it takes one rate"),
    (["--buffer-pages", "8", "--buffer-pages", "8"], "--buffer-pages: given twice; it takes one page count"),
    (["--metrics-dir", "/tmp", "--metrics-dir", "/var/tmp"], "--metrics-dir: given twice; it takes one directory"),
    (["--metrics-dir", "/tmp", "--metrics-interval", "5", "--metrics-interval", "9"],
     "--metrics-interval: given twice; it takes one interval"),
    (["--metrics-dir", "/tmp", "--metrics-max-series", "5", "--metrics-max-series", "9"],
     "--metrics-max-series: given twice; it takes one series count"),
    (["--read", "/dev/null", "--read", "/dev/null"], "--read: given twice; it takes one file"),
    # options with nothing to shape in a mode are refused, not ignored
    (["-c", "-t"], "-t: -c prints no event records for it to shape"),
    (["-c", "-T"], "-T: -c prints no event records for it to shape"),
    (["-i", "1", "--names"], "--names: -i prints no event records for it to shape"),
    (["--metrics-dir", "/tmp", "--metrics-only", "-T"], "-T: --metrics-only prints no event records"),
    (["--metrics-dir", "/tmp", "--metrics-only", "-j"], "-j: --metrics-only prints nothing for it to shape"),
    (["--metrics-dir", "/tmp", "--metrics-only", "-o", "csv"], "-o: --metrics-only prints nothing"),
    (["--metrics-dir", "/tmp", "--metrics-only", "-H"], "-H: --metrics-only prints nothing"),
]


def port_list_errors(opt):
    return [([opt, "70000"], "port 70000 out of range 1-65535"),
            ([opt, "0"], "port 0 out of range 1-65535"),
            ([opt, "80,abc"], "'abc' is not a valid port"),
            ([opt, "80,,81"], "empty item in list '80,,81'"),
            ([opt, ""], "empty item")]


# and each tool's own
COUNT_RAW = (["-c", "-o", "raw"], "-c cannot be combined with -o raw")
COUNT_RATE = (["-c", "--rate-limit", "100"], "counts are never rate limited")
COUNT_MAX = (["-c", "--max-events", "5"], "-c cannot be combined with --max-events")
# -i: every tool counts
INTERVAL_ERRORS = [
    (["3"], "unexpected argument '3'"),
    (["-i", "1", "x"], "-i: 'x' is not a valid window count"),
    (["-i", "1", "0"], "window count 0 out of range"),
    (["-i", "1", "2", "3"], "unexpected argument '3'"),
    (["-i", "0"], "'0' is not a valid duration"), (["-i", "abc"], "'abc' is not a valid duration"),
    (["-i", "-1"], "'-1' is not a valid duration"), (["-i", "0.01"], "below the shortest, 0.1 seconds"),
    (["-i"], "needs a value"),
    (["-i", "1", "-o", "raw"], "-i cannot be combined with -o raw"),
    (["-i", "1", "--read", "/dev/null"], "a recorded stream holds events, not counts (-i)"),
    (["-i", "1", "--rate-limit", "100"], "-i cannot be combined with --rate-limit"),
    (["-i", "1", "-i", "2"], "-i: given twice; it takes one interval"),
    COUNT_MAX,
]
UID_ERRORS = [(["-u", "x"], "'x' is not a valid UID"), (["-u", "-1"], "'-1' is not a valid UID"),
              (["-u", "4294967295"], "UID 4294967295 out of range"),
              (["-u", "5", "-u", "7"], "-u: given twice; it takes one user id")]
TOOL_BAD_INPUT = {
    "tcpconnect": port_list_errors("-P") + UID_ERRORS + [
        COUNT_RAW, COUNT_RATE, (["-c", "-r"], "-c and -r exclude each other"),
        (["-L", "--metrics-dir", "/tmp"], "-L and --metrics-dir exclude each other"),
        (["-c", "-U"], "-U: -c prints no event records"), (["-c", "-L"], "-L: -c prints no event records"),
        (["--metrics-raddr"], "--metrics-raddr needs --metrics-dir"),
        (["-i", "1", "-r"], "-c and -r exclude each other")] + INTERVAL_ERRORS,
    "tcpaccept": port_list_errors("-P") + UID_ERRORS + [
        COUNT_RAW, COUNT_RATE, (["-r"], "unknown option '-r'"), (["-L"], "unknown option '-L'"),
        (["--metrics-raddr"], "unknown option '--metrics-raddr'")]
    + INTERVAL_ERRORS,
    "podnet": port_list_errors("--port") + [
        (["-u", "0"], "unknown option '-u'"),
        (["--ip", "300.1.1.1"], "'300.1.1.1' is not an IPv4 or IPv6 address"),
        (["--ip", "fd00::1::2"], "is not an IPv4 or IPv6 address"),
        (["--proto", "sctp"], "unknown protocol 'sctp'"),
        (["--ip", "127.0.0.1", "--ip", "::1"], "--ip: given twice; it takes one address"),
        (["--proto", "tcp", "--proto", "udp"], "--proto: given twice; it takes one protocol"),
        (["--ifname", "lo", "--ifname", "eth0"], "--ifname: given twice; it takes one interface"),
        (["--sample", "1", "--sample", "3"], "--sample: given twice; it takes one sampling rate"),
        (["--ifname", "a/b"], "'a/b' is not an interface name"),
        (["--ifname", "x" * 16], "is not an interface name"),
        (["--ifname", ""], "is not an interface name"),
        (["--container", "a/b"], "'a/b' is not a container name or id prefix"),
        (["--pod", "a/b/c"], "'a/b/c' is not a pod"),
        (["--sample", "0"], "sampling rate 0 out of range"),
        (["--pid", "abc"], "'abc' is not a valid PID"), COUNT_RAW, COUNT_RATE,
        (["-c", "--sample", "10"], "-c counts every packet"),
        (["-c", "--sample", "1"], "-c counts every packet"),   # any rate: -c prints nothing to sample
        (["--metrics-dir", "/tmp", "--metrics-only", "--sample", "10"], "--metrics-only counts every packet"),
        (["--events", "rx,dropped"], "--events: unknown event 'dropped'"),
        (["--events", ""], "--events: unknown event ''"),
        (["--drops", "--events", "drop"], "--drops is --events drop: give one of them"),
        (["--events", "reset", "--proto", "udp"], "resets and retransmits are TCP's"),
        (["-i", "1", "--sample", "10"], "-i counts every packet"),
        (["-c", "-i", "1", "--sample", "10"], "-c counts every packet")] + INTERVAL_ERRORS,   # as tool.c names it
    "tcpclose": port_list_errors("-L") + port_list_errors("-D") + UID_ERRORS + [
        (["-P", "80"], "unknown option '-P'"), COUNT_RAW, COUNT_RATE,
        (["--max-sockets", "0"], "socket count 0 out of range"),
        (["-s", "-j"], "-j json: the output is already csv (-s); give one format"),
        (["-o", "json", "-s"], "-s csv: the output is already json (-o); give one format"),
        (["--max-sockets", "x"], "'x' is not a valid socket count"),
        (["-c", "-w"], "-w: -c prints no event records"),
        (["--metrics-dir", "/tmp", "--metrics-only", "-s"], "-s: --metrics-only prints nothing")] + INTERVAL_ERRORS,
}


class CliTest(unittest.TestCase):
    def test_bad_input_is_one_line_exit_2_nothing_on_stdout(self):
        for name in TOOLS:
            for args, message in BAD_INPUT + TOOL_BAD_INPUT[name]:
                with self.subTest(tool=name, args=args):
                    r = run(*args, name=name)
                    err = r.stderr.decode()
                    self.assertEqual(r.returncode, 2, err)
                    self.assertEqual(r.stdout, b"")
                    self.assertEqual(len(err.splitlines()), 1, err)
                    self.assertTrue(err.startswith(f"{name}: "), err)
                    self.assertIn(message, err)

    def test_help_lists_every_option_and_examples(self):
        common = ("--pid", "--ipv4", "--ipv6", "--timestamp", "--time",
                  "--json", "--output", "--no-header", "--netns", "--cgroup", "--duration",
                  "--max-events", "--rate-limit", "--buffer-pages", "--perf-buffer", "--verbose", "--ebpf",
                  "--help", "--version")
        own = {"tcpconnect": ("--port", "--count", "--result", "--lport", "--print-uid", "-U", "-L",
                              "-r", "-P", "-c"),
               "tcpaccept": ("--port", "--count", "-P", "-c"),
               "tcpclose": ("--lport", "--dport", "--wide", "--csv", "--count", "--max-sockets", "-L",
                            "-D", "-w", "-s", "-c"),
               "podnet": ("--container", "--ifname", "--ip", "--proto", "--port", "--drops",
                          "--events", "--sample")}
        for name in TOOLS:
            r = run("--help", name=name)
            self.assertEqual(r.returncode, 0)
            text = r.stdout.decode()
            self.assertIn("EXAMPLES", text)
            for opt in common + own[name]:
                self.assertIn(opt, text, name)

    def test_version(self):
        for name in TOOLS:
            r = run("--version", name=name)
            self.assertEqual(r.returncode, 0)
            self.assertRegex(r.stdout.decode(), rf"^{name} \(socklens\) \d+\.\d+\.\d+\n$")

    def test_ebpf_prints_the_program_with_the_filter_and_needs_no_privilege(self):
        pid = os.getpid()
        r = run("--ebpf", "-p", str(pid), "-P", "80,443", "-4", "-u", "1000",
                user=NOBODY if os.geteuid() == 0 else None)
        self.assertEqual(r.returncode, 0, r.stderr)
        text = r.stdout.decode()
        self.assertNotIn("/*FILTER*/", text)
        self.assertIn(f"if (!(pid == {pid}U))", text)
        self.assertIn("if (!(rport == 80U || rport == 443U))", text)
        self.assertIn("if (!(family == 2U))", text)
        self.assertIn("if (!(uid == 1000U))", text)
        # kernel offsets come from BTF as plain numbers
        self.assertRegex(text, r"#define OFF_SOCK_NET \d+\n")
        self.assertRegex(text, r"#define OFF_SOCK_ERR \d+\n")
        self.assertIn("RAW_TRACEPOINT_PROBE(inet_sock_set_state)", text)

    @unittest.skipUnless(os.geteuid() == 0, "compares root's program with a user's")
    def test_ebpf_prints_for_a_user_the_program_root_loads(self):
        """A user may not probe the kernel with maps nor read tracefs: the
        kernel's BTF answers instead, so the text is the one root loads
        (ring buffer, io_uring fields and all)."""
        for name in TOOLS:
            root, user = run("--ebpf", name=name), run("--ebpf", name=name, user=NOBODY)
            self.assertEqual((root.returncode, user.returncode), (0, 0), user.stderr)
            self.assertEqual(root.stdout.decode(), user.stdout.decode(), name)

    def test_ebpf_without_filters_has_an_empty_stub(self):
        text = run("--ebpf").stdout.decode()
        stub = re.search(r"bool filtered\([^)]*\)\s*\{(.*?)\n\}", text, re.S).group(1)
        self.assertEqual(stub.split(), ["return", "false;"])

    def test_tcpaccept_port_filter_is_on_the_local_port(self):
        text = run("--ebpf", "-P", "22,8080", name="tcpaccept").stdout.decode()
        self.assertIn("if (!(lport == 22U || lport == 8080U))", text)
        self.assertNotIn("rport ==", text)
        self.assertRegex(text, r"#define OFF_FDT_FD \d+\n")

    def test_tcpclose_port_lists_are_separate(self):
        text = run("--ebpf", "-L", "80", "-D", "5432,6432", name="tcpclose").stdout.decode()
        self.assertIn("if (!(lport == 80U))", text)
        self.assertIn("if (!(rport == 5432U || rport == 6432U))", text)
        self.assertIn("#define CONN_TABLE_SIZE 65536", text)
        self.assertRegex(text, r"#define OFF_TCP_BYTES_ACKED \d+\n")

    def test_modes_select_their_code(self):
        self.assertIn("#define MODE_RESULT 1", run("--ebpf", "-r").stdout.decode())
        self.assertIn("#define MODE_COUNT 1", run("--ebpf", "-c").stdout.decode())
        self.assertIn("#define MODE_COUNT 1", run("--ebpf", "-i", "5").stdout.decode())
        podnet = run("--ebpf", "-i", "0.5", "7", name="podnet").stdout.decode()
        self.assertIn("#define COUNT_PACKETS 1\n#define MODE_COUNT 1", podnet)
        self.assertNotIn("COUNT_PACKETS 1", run("--ebpf", name="podnet").stdout.decode())
        self.assertIn("#define MODE_LPORT 1", run("--ebpf", "-L").stdout.decode())
        self.assertIn("#define BUFFER_PAGES 64", run("--ebpf", "--buffer-pages", "64").stdout.decode())

    def test_rate_limit_is_in_the_program_only_when_asked(self):
        for name in TOOLS:
            with self.subTest(tool=name):
                text = run("--ebpf", "--rate-limit", "1000", name=name).stdout.decode()
                self.assertIn("#define RATE_LIMIT 1000U\n", text)
                self.assertRegex(text, r"#define NCPUS \d+\n")
                self.assertIn("if (over_rate_limit(record))", text)
                self.assertNotIn("#define RATE_LIMIT", run("--ebpf", name=name).stdout.decode())

    @unittest.skipUnless(os.geteuid() == 0, "needs root to become another user")
    def test_unprivileged_user_gets_exit_1_naming_the_privilege(self):
        for name in TOOLS:
            r = run(user=NOBODY, name=name)
            err = r.stderr.decode()
            self.assertEqual(r.returncode, 1, err)
            self.assertEqual(r.stdout, b"")
            self.assertIn("needs root (CAP_BPF and CAP_PERFMON", err)
            self.assertEqual(len(err.splitlines()), 1, err)


if __name__ == "__main__":
    unittest.main()
