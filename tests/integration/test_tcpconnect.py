"""tcpconnect against real loopback traffic, as root."""
import collections
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from lib import (DETACH_S, HAS_KPROBES, PYTHON, RAW_DECODE, Cgroup, assert_nothing_left, closed_port, connect,
                 into_head, listener, Netns, netns_inode, our_programs, prom_sum, state_hook_types,
                 state_hook_types_wanted, tool, ToolTest, Tracer, user_space_only, WaitingConnector)

RFC3339 = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"

SELF_NETNS = netns_inode("/proc/self/ns/net")

# Two non-blocking connects left in SYN_SENT; "abort" on stdin closes the one
# to port 81, then it waits (bounded) for the one to port 80 to resolve.
HELD_CONNECTS = """
import json, select, socket, sys
held = {}
for port in (80, 81):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("10.234.1.9", port))
    held[port] = s
print(json.dumps({p: s.getsockname()[1] for p, s in held.items()}), flush=True)
sys.stdin.readline()
held[81].close()
print(json.dumps({"aborted": True}), flush=True)
select.select([], [held[80]], [], 200)
print(json.dumps({"error": held[80].getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)}), flush=True)
"""


def reap(proc):
    proc.kill()
    proc.communicate()


LISTEN_80 = """
import socket, sys
s = socket.socket()
s.bind(("10.234.1.9", 80))
s.listen(4)
print("listening", flush=True)
sys.stdin.readline()
"""


def only(events, **match):
    return [e for e in events if all(e.get(k) == v for k, v in match.items())]


# Destinations that exist nowhere: used only from inside a namespace the
# test made, whose routes keep every packet in (no route, or a refusing one).
NOWHERE = {4: ("10.99.0.1", "10.99.0.0/24"), 6: ("fd00:99::1", "fd00:99::/64")}


class RefusingNetns(Netns):
    """A namespace with only loopback, where a route of one type (None: no
    route at all) covers the NOWHERE destinations."""

    def route(self, kind):
        for family, (_, net) in NOWHERE.items():
            subprocess.run(["ip", f"-{family}", "-n", self.name, "route", "del", net],
                           capture_output=True, check=False)
            if kind:
                subprocess.run(["ip", f"-{family}", "-n", self.name, "route", "add", kind, net],
                               check=True)

    def connect(self, family, port=81, **kw):
        return connect(family, NOWHERE[family][0], port, prefix=self.prefix(), **kw)


def bpf_refusing_connects(tmp):
    """A cgroup connect4/connect6 program that refuses every connect, pinned
    under bpffs; None where it cannot be built or loaded here."""
    src = os.path.join(tmp, "refuse.c")
    with open(src, "w") as f:
        f.write('__attribute__((section("cgroup/connect4"), used))\n'
                'int refuse4(void *ctx) { return 0; }\n'
                '__attribute__((section("cgroup/connect6"), used))\n'
                'int refuse6(void *ctx) { return 0; }\n'
                'char _license[] __attribute__((section("license"), used)) = "GPL";\n')
    obj = os.path.join(tmp, "refuse.o")
    pin = f"/sys/fs/bpf/socklens_test_refuse_{os.getpid()}"
    if not shutil.which("clang") or not shutil.which("bpftool") or not os.path.isdir("/sys/fs/bpf"):
        return None
    ok = subprocess.run(["clang", "-O2", "-target", "bpf", "-c", src, "-o", obj],
                        capture_output=True).returncode == 0 and \
        subprocess.run(["bpftool", "prog", "loadall", obj, pin], capture_output=True).returncode == 0
    if not ok:
        shutil.rmtree(pin, ignore_errors=True)
        return None
    return pin


class TcpconnectTest(ToolTest):
    def check_event(self, ev, seen, family, comm):
        self.assertEqual(ev["pid"], seen["pid"])
        self.assertEqual(ev["tid"], seen["tid"])
        self.assertEqual(ev["comm"], comm)
        self.assertEqual(ev["uid"], os.geteuid())
        self.assertEqual(ev["family"], family)
        self.assertEqual(ev["laddr"], seen["laddr"])
        self.assertEqual(ev["raddr"], seen["raddr"])
        self.assertEqual(ev["rport"], seen["rport"])
        self.assertEqual(ev["netns"], SELF_NETNS)
        self.assertRegex(ev["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
        self.assertGreater(ev["ts_ns"], 0)

    def test_state_hook_is_btf_typed_where_the_kernel_has_btf(self):
        """The state hook reads each connecting socket's addresses,
        ports and namespace in plain loads where the kernel types raw
        tracepoints by BTF (a tp_btf tracing program), else with helper calls
        (a raw tracepoint). What it reads is checked by the other tests, which
        run on the same hook."""
        modes = (["-j"], ["-c"], ["-r"], ["-r", "--no-tp-btf"])
        self.assertEqual(state_hook_types("tcpconnect", modes), state_hook_types_wanted(modes))

    def test_v4_and_v6_connects_have_the_callers_identity(self):
        l4, l6 = listener(4), listener(6)
        t = Tracer("tcpconnect", "-j")
        s4 = connect(4, "127.0.0.1", l4.getsockname()[1], name="conn-v4")
        s6 = connect(6, "::1", l6.getsockname()[1], name="conn-v6")
        self.assertEqual(t.stop(), 0)
        e4 = only(t.events(), comm="conn-v4")
        e6 = only(t.events(), comm="conn-v6")
        self.assertEqual(len(e4), 1, t.out)
        self.assertEqual(len(e6), 1, t.out)
        self.check_event(e4[0], s4, 4, "conn-v4")
        self.check_event(e6[0], s6, 6, "conn-v6")
        self.assertNotIn("result", e4[0])  # no outcome awaited without -r

    def test_lport_is_the_callers_source_port(self):
        l4 = listener(4)
        t = Tracer("tcpconnect", "-j", "-L")
        seen = connect(4, "127.0.0.1", l4.getsockname()[1], name="conn-lport")
        t.stop()
        [ev] = only(t.events(), comm="conn-lport")
        self.check_event(ev, seen, 4, "conn-lport")
        self.assertEqual(ev["lport"], seen["lport"])

    def test_result_refused_and_established(self):
        """The same with the state hook loaded BTF-typed (where the kernel
        allows) and as a plain raw tracepoint (--no-tp-btf), the way of
        kernels before 5.9."""
        for extra in ([], ["--no-tp-btf"]):
            with self.subTest(extra=extra):
                l4 = listener(4)
                dead = closed_port(4)
                t = Tracer("tcpconnect", "-j", "-r", *extra)
                ok = connect(4, "127.0.0.1", l4.getsockname()[1], name="conn-ok")
                bad = connect(4, "127.0.0.1", dead, name="conn-refused")
                t.stop()
                self.assertEqual(bad["errno"], "ECONNREFUSED")
                [e_ok] = only(t.events(), comm="conn-ok")
                [e_bad] = only(t.events(), comm="conn-refused")
                self.check_event(e_ok, ok, 4, "conn-ok")
                self.assertEqual(e_ok["result"], "established")
                self.assertEqual(e_ok["lport"], ok["lport"])
                self.check_event(e_bad, bad, 4, "conn-refused")
                self.assertEqual(e_bad["result"], "refused")
                self.assertEqual(e_bad["rport"], dead)
                for e in (e_ok, e_bad):
                    self.assertIs(e["start_seen"], True)
                    self.assertGreaterEqual(e["latency_us"], 0)
                    self.assertLess(e["latency_us"], 5_000_000)

    def test_result_timeout_when_nobody_answers(self):
        """A SYN into a link where nobody answers: with one SYN retry (a
        per-namespace sysctl) the connect times out in about 3 s."""
        with Netns(f"nt-to-{os.getpid()}") as ns, Netns(f"nt-to2-{os.getpid()}") as peer:
            subprocess.run(["ip", "link", "add", "to0", "netns", ns.name, "type", "veth", "peer",
                            "name", "to1", "netns", peer.name], check=True)
            for n, dev in ((ns, "to0"), (peer, "to1")):
                subprocess.run(["ip", "-n", n.name, "link", "set", dev, "up"], check=True)
            subprocess.run(["ip", "-n", ns.name, "addr", "add", "10.234.0.1/24", "dev", "to0"], check=True)
            subprocess.run(["ip", "-n", ns.name, "neigh", "add", "10.234.0.9", "lladdr",
                            "02:00:00:00:00:09", "dev", "to0"], check=True)
            subprocess.run([*ns.prefix(), "sysctl", "-qw", "net.ipv4.tcp_syn_retries=1"], check=True)
            t = Tracer("tcpconnect", "-j", "-r", "--netns", ns.path)
            seen = connect(4, "10.234.0.9", 80, name="conn-timeout", prefix=ns.prefix())
            t.stop()
        self.assertEqual(seen["errno"], "ETIMEDOUT")
        [ev] = t.events()
        self.assertEqual((ev["result"], ev["pid"], ev["raddr"]), ("timeout", seen["pid"], "10.234.0.9"))
        self.assertGreater(ev["latency_us"], 2_000_000)

    def test_result_of_a_handshake_already_on_when_tracing_began(self):
        """Two connects wait in SYN_SENT before the tool starts (their SYNs
        go to a MAC address nobody has, behind a veth between two namespaces
        the test made). Then one is aborted by close() and the other is let
        through to a listener. Both are reported with their result, the
        marker that the start was not seen, no latency, no caller (pid 0,
        comm "-"), never dropped and never timed from the tool's start."""
        with Netns(f"nt-sent-{os.getpid()}") as ns, Netns(f"nt-sent2-{os.getpid()}") as peer:
            ip = lambda n, *a: subprocess.run(["ip", "-n", n.name, *a], check=True)
            subprocess.run(["ip", "link", "add", "ss0", "netns", ns.name, "type", "veth", "peer",
                            "name", "ss1", "netns", peer.name], check=True)
            ip(ns, "link", "set", "ss0", "up")
            ip(peer, "link", "set", "ss1", "up")
            ip(ns, "addr", "add", "10.234.1.1/24", "dev", "ss0")
            ip(ns, "neigh", "add", "10.234.1.9", "lladdr", "02:00:00:00:00:09", "dev", "ss0")
            client = subprocess.Popen([*ns.prefix(), PYTHON, "-c", HELD_CONNECTS],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            self.addCleanup(reap, client)
            held = json.loads(client.stdout.readline())
            t = Tracer("tcpconnect", "-j", "-r", "--netns", ns.path)
            text = Tracer("tcpconnect", "-r", "--netns", ns.path)
            client.stdin.write(b"abort\n")
            client.stdin.flush()
            self.assertEqual(json.loads(client.stdout.readline()), {"aborted": True})
            # let the next SYN retransmission through, to a listener
            ip(peer, "addr", "add", "10.234.1.9/24", "dev", "ss1")
            server = subprocess.Popen([*peer.prefix(), PYTHON, "-c", LISTEN_80],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            self.addCleanup(reap, server)
            self.assertEqual(server.stdout.readline(), b"listening\n")
            mac = json.loads(subprocess.run(["ip", "-n", peer.name, "-j", "link", "show", "ss1"],
                                            check=True, capture_output=True).stdout)[0]["address"]
            ip(ns, "neigh", "replace", "10.234.1.9", "lladdr", mac, "dev", "ss0")
            done = json.loads(client.stdout.readline())   # SYNs retry at 1, 3, 7, 15... s
            t.stop()
            text.stop()
            self.assertEqual(done, {"error": 0}, "the held connect did not complete")
            evs = {e["rport"]: e for e in t.events()}
            self.assertEqual(sorted(e["rport"] for e in t.events()), [80, 81], t.out)
            for rport, result in ((80, "established"), (81, "aborted")):
                e = evs[rport]
                self.assertEqual((e["result"], e["start_seen"], e["latency_us"]), (result, False, None), e)
                self.assertEqual((e["pid"], e["tid"], e["comm"]), (0, 0, "-"), e)
                self.assertEqual((e["laddr"], e["lport"], e["raddr"]),
                                 ("10.234.1.1", held[str(rport)], "10.234.1.9"), e)
                self.assertEqual((e["uid"], e["netns"]), (os.geteuid(), netns_inode(ns.path)), e)
            rows = {r[6]: r for r in (l.decode().split() for l in text.out[1:])}
            self.assertEqual(rows["81"], ["0", "-", "4", "10.234.1.1", str(held["81"]), "10.234.1.9",
                                          "81", "aborted", "-"], text.out)
            self.assertEqual(rows["80"][7:], ["established", "-"], text.out)

    def test_result_names_the_error_of_a_connect_that_sent_no_syn(self):
        """With one local port and that port taken to the same peer, connect()
        fails inside the kernel with EADDRNOTAVAIL: -r names that error."""
        script = ("import errno, json, os, socket\n"
                  "l = socket.socket(); l.bind(('127.0.0.1', 5001)); l.listen(8)\n"
                  "a = socket.socket(); a.connect(l.getsockname())\n"
                  "b = socket.socket(); err = b.connect_ex(l.getsockname())\n"
                  "print(json.dumps({'pid': os.getpid(), 'port': l.getsockname()[1],"
                  " 'errno': errno.errorcode.get(err, '0')}))\n")
        with Netns(f"nt-port-{os.getpid()}") as ns:
            subprocess.run([*ns.prefix(), "sysctl", "-qw", "net.ipv4.ip_local_port_range=40000 40000"],
                           check=True)
            t = Tracer("tcpconnect", "-j", "-r", "--netns", ns.path)
            seen = json.loads(subprocess.run([*ns.prefix(), PYTHON, "-c", script], check=True,
                                             capture_output=True, timeout=30).stdout)
            t.stop()
        self.assertEqual(seen["errno"], "EADDRNOTAVAIL")
        evs = t.events()
        self.assertEqual([(e["pid"], e["rport"], e["result"]) for e in evs],
                         [(seen["pid"], seen["port"], "established"),
                          (seen["pid"], seen["port"], "EADDRNOTAVAIL")], evs)

    @user_space_only
    def test_text_output_shows_result_columns(self):
        dead = closed_port(4)
        t = Tracer("tcpconnect", "-r", "-t")
        connect(4, "127.0.0.1", dead, name="conn-text")
        t.stop()
        lines = [l.decode() for l in t.out]
        self.assertTrue(lines[0].split() == ["TIME(s)", "PID", "COMM", "IP", "SADDR", "LPORT",
                                             "DADDR", "DPORT", "RESULT", "LAT(us)"], lines[0])
        row = [l.split() for l in lines[1:] if "conn-text" in l]
        self.assertEqual(len(row), 1, lines)
        self.assertEqual(row[0][6:9], ["127.0.0.1", str(dead), "refused"])

    def test_pid_filter_keeps_only_that_process(self):
        port = closed_port(4)
        keep = WaitingConnector(4, "127.0.0.1", port, name="conn-keep")
        drop = WaitingConnector(4, "127.0.0.1", port, name="conn-drop")
        t = Tracer("tcpconnect", "-j", "-p", str(keep.pid))
        keep.go()
        drop.go()
        t.stop()
        evs = t.events()
        self.assertEqual([e["pid"] for e in evs], [keep.pid])

    def test_port_filter_keeps_only_those_ports(self):
        a, b, c = listener(4), listener(4), listener(4)
        pa, pb, pc = (s.getsockname()[1] for s in (a, b, c))
        t = Tracer("tcpconnect", "-j", "-P", f"{pa},{pc}")
        for p in (pa, pb, pc):
            connect(4, "127.0.0.1", p, name="conn-port")
        t.stop()
        self.assertEqual(sorted(e["rport"] for e in only(t.events(), comm="conn-port")),
                         sorted([pa, pc]))

    def test_uid_filter_keeps_only_that_user(self):
        port = closed_port(4)
        t = Tracer("tcpconnect", "-j", "-u", "65534")
        connect(4, "127.0.0.1", port, name="conn-root")
        nobody = connect(4, "127.0.0.1", port, name="conn-nobody",
                         user=65534, group=65534)
        t.stop()
        evs = only(t.events(), rport=port)
        self.assertEqual([(e["pid"], e["uid"]) for e in evs], [(nobody["pid"], 65534)])

    def test_family_filters(self):
        p4, p6 = closed_port(4), closed_port(6)
        for flag, family in (("-4", 4), ("-6", 6)):
            t = Tracer("tcpconnect", "-j", flag)
            connect(4, "127.0.0.1", p4, name="conn-fam")
            connect(6, "::1", p6, name="conn-fam")
            t.stop()
            evs = only(t.events(), comm="conn-fam")
            self.assertEqual([e["family"] for e in evs], [family], flag)

    def test_netns_filter_keeps_only_that_namespace(self):
        port = closed_port(4)
        with Netns(f"nt-conn-{os.getpid()}") as ns:
            t = Tracer("tcpconnect", "-j", "--netns", ns.path)
            inside = connect(4, "127.0.0.1", port, name="conn-inside", prefix=ns.prefix())
            connect(4, "127.0.0.1", port, name="conn-outside")
            t.stop()
            evs = t.events()
            self.assertEqual([e["comm"] for e in evs], ["conn-inside"])
            self.assertEqual(evs[0]["pid"], inside["pid"])
            self.assertEqual(evs[0]["netns"], netns_inode(ns.path))

    def test_cgroup_filter_keeps_only_that_cgroup(self):
        port = closed_port(4)
        with Cgroup(f"socklens-test-{os.getpid()}") as cg:
            inside = WaitingConnector(4, "127.0.0.1", port, name="conn-cg-in")
            outside = WaitingConnector(4, "127.0.0.1", port, name="conn-cg-out")
            cg.add(inside.pid)
            t = Tracer("tcpconnect", "-j", "--cgroup", cg.path)
            inside.go()
            outside.go()
            t.stop()
            evs = t.events()
            self.assertEqual([e["pid"] for e in evs], [inside.pid])
            self.assertEqual(evs[0]["cgroup_id"], os.stat(cg.path).st_ino)

    def test_count_mode_with_a_cgroup_filter_counts_only_that_cgroup(self):
        """-c reads the task's cgroup only when a filter asks for it: with
        --cgroup it must, or nothing (or everything) would be counted."""
        port = closed_port(4)
        with Cgroup(f"socklens-test-{os.getpid()}") as cg:
            inside = WaitingConnector(4, "127.0.0.1", port, name="conn-cg-in", more=("--count", "3"))
            outside = WaitingConnector(4, "127.0.0.1", port, name="conn-cg-out", more=("--count", "2"))
            cg.add(inside.pid)
            t = Tracer("tcpconnect", "-j", "-c", "--cgroup", cg.path, "-P", str(port))
            inside.go()
            outside.go()
            t.stop()
            self.assertEqual([(r["rport"], r["connects"]) for r in t.events("count")], [(port, 3)])

    def test_full_buffer_losses_are_counted_exactly(self):
        """A reader that stops reading fills the one-page buffer: every connect
        is either an event or counted in a lost record, none vanish."""
        port, n = closed_port(4), 3000
        t = Tracer("tcpconnect", "-j", "--buffer-pages", "1", "-P", str(port), read=False)
        connect(4, "127.0.0.1", port, name="conn-storm", count=n)
        t.start_reading()
        t.stop()
        events = len(only(t.events(), comm="conn-storm"))
        lost = sum(r["lost"] for r in t.events("lost"))
        self.assertGreater(lost, 0, "the buffer never filled: the test proves nothing")
        self.assertEqual(events + lost, n)
        self.assertTrue(any("events lost in all" in l for l in t.err), t.err)

    def test_rate_limit_keeps_each_second_to_n_and_counts_the_rest(self):
        """A steady storm over a few seconds from one process against
        --rate-limit R: no whole second of ts_ns holds more than R events, and
        every connect is an event, a suppressed one or a lost one."""
        rate, seconds, port = 100, 3, closed_port(4)
        storm = WaitingConnector(4, "127.0.0.1", port, name="conn-rate", mode="blocking",
                                 more=("--seconds", str(seconds), "--interval", "0.0005"))
        t = Tracer("tcpconnect", "-j", "--rate-limit", str(rate), "-p", str(storm.pid), "-P", str(port))
        made = storm.go()["connects"]
        t.stop()
        if made < 2 * rate * seconds:
            self.skipTest(f"{made} connects in {seconds} s: too slow a machine to pass the limit")
        events = t.events()
        per_second = collections.Counter(e["ts_ns"] // 10**9 for e in events)
        suppressed = sum(r["suppressed"] for r in t.events("rate_limited"))
        lost = {}
        for r in t.events("lost"):
            lost[r["reason"]] = lost.get(r["reason"], 0) + r["lost"]
        self.assertGreater(suppressed, 0, t.err)
        self.assertLessEqual(max(per_second.values()), rate, per_second)
        # exact, but for runs the kernel skipped (each may or may not have been a connect)
        exact = len(events) + suppressed + lost.get("buffer full", 0)
        self.assertLessEqual(exact, made, lost)
        self.assertGreaterEqual(exact + lost.get("probe skipped by the kernel", 0), made, lost)
        self.assertIn(f"tcpconnect: {suppressed} events suppressed in all by --rate-limit {rate}/s\n",
                      t.err)

    def test_count_mode_counts_in_the_kernel(self):
        a, b = listener(4), listener(4)
        pa, pb = a.getsockname()[1], b.getsockname()[1]
        t = Tracer("tcpconnect", "-j", "-c", "-P", f"{pa},{pb}")
        for _ in range(3):
            connect(4, "127.0.0.1", pa)
        connect(4, "127.0.0.1", pb)
        t.stop()
        rows = {r["rport"]: r["connects"] for r in t.events("count")}
        self.assertEqual(rows, {pa: 3, pb: 1})
        # one window, the whole run: the same keys as -i's windows
        for r in t.events("count"):
            self.assertRegex(r["window_start"], RFC3339)
            self.assertLess(r["window_start"], r["window_end"])

    def test_metrics_only_times_each_connect_from_its_call(self):
        """--metrics-only prints no record: an attempt's latency runs from
        its connect() call, and each one is within the time the calls took."""
        port = listener(4).getsockname()[1]
        with tempfile.TemporaryDirectory() as mdir:
            t = Tracer("tcpconnect", "--metrics-only", "--metrics-dir", mdir, "-P", str(port))
            begun = time.monotonic()
            for _ in range(3):
                connect(4, "127.0.0.1", port)
            took = time.monotonic() - begun
            self.assertEqual(t.stop(), 0)
            prom = os.path.join(mdir, "tcpconnect.prom")
            self.assertEqual(prom_sum(prom, "socklens_tcp_connects_total", result="established"), 3)
            self.assertEqual(prom_sum(prom, "socklens_tcp_connect_latency_seconds_count"), 3)
            latency = prom_sum(prom, "socklens_tcp_connect_latency_seconds_sum")
            self.assertGreater(latency, 0)
            self.assertLessEqual(latency, took)

    def wait_for_counted(self, t, n, timeout=60):
        """Waits until the count rows printed so far add up to n connects."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sum(r["connects"] for r in t.events("count")) >= n:
                return
            time.sleep(0.1)
        self.fail(f"the windows never counted {n} connects: {t.events('count')}")

    def test_interval_windows_count_the_connects_made_in_each(self):
        port = listener(4).getsockname()[1]
        t = Tracer("tcpconnect", "-c", "-i", "1", "-j", "-P", str(port))
        first, second = 3, 2
        for _ in range(first):
            connect(4, "127.0.0.1", port)
        self.wait_for_counted(t, first)
        rows_of_first = len(t.events("count"))
        for _ in range(second):
            connect(4, "127.0.0.1", port)
        self.wait_for_counted(t, first + second)
        t.stop()
        rows = t.events("count")
        # the kernel's map is never cleared: each window holds only its growth
        self.assertEqual(sum(r["connects"] for r in rows), first + second, rows)
        self.assertEqual(sum(r["connects"] for r in rows[:rows_of_first]), first, rows)
        self.assertEqual({(r["raddr"], r["rport"]) for r in rows}, {("127.0.0.1", port)})
        windows = sorted({(r["window_start"], r["window_end"]) for r in rows})
        self.assertGreaterEqual(len(windows), 2, rows)
        for (start, end), (later_start, _) in zip(windows, windows[1:]):
            self.assertLess(start, end)
            self.assertLessEqual(end, later_start)  # windows never overlap
        last_of_first = max(r["window_end"] for r in rows[:rows_of_first])
        self.assertTrue(all(r["window_start"] >= last_of_first for r in rows[rows_of_first:]), rows)

    @user_space_only
    def test_interval_count_ends_the_run_after_that_many_windows(self):
        port = listener(4).getsockname()[1]
        waiting = WaitingConnector(4, "127.0.0.1", port)  # started before: connects at once
        t = Tracer("tcpconnect", "-i", "1", "2", "-P", str(port))
        waiting.go()
        self.assertEqual(t.proc.wait(60), 0)
        t.stop()
        text = b"".join(t.out).decode()
        headings = re.findall(r"^\d\d:\d\d:\d\d to \d\d:\d\d:\d\d$", text, re.M)
        self.assertEqual(len(headings), 2, text)
        self.assertEqual(len(re.findall(r"^LADDR +RADDR +RPORT +CONNECTS$", text, re.M)), 2, text)
        # in one of them, unless this machine took two seconds to connect
        self.assertLessEqual(len(re.findall(rf"127\.0\.0\.1 +{port} +1$", text, re.M)), 1, text)
        self.assertTrue(any(l.startswith("Tracing TCP connects (counting)") for l in t.err), t.err)

    @user_space_only
    def test_raw_output_decodes_to_the_json(self):
        if not RAW_DECODE:
            self.skipTest("raw_decode not built")
        port = closed_port(4)
        raw = Tracer("tcpconnect", "-o", "raw", "-P", str(port))
        js = Tracer("tcpconnect", "-j", "-P", str(port))
        connect(4, "127.0.0.1", port, name="conn-raw1")
        connect(6, "::1", port, name="conn-raw2")
        raw.stop()
        js.stop()
        decoded = subprocess.run([RAW_DECODE], input=raw.raw(), capture_output=True, check=True)
        from json import loads
        got = [loads(l) for l in decoded.stdout.splitlines()]
        keys = [k for k in got[0] if k != "ts_ns"]  # two programs read the clock apart
        self.assertEqual([{k: e[k] for k in keys} for e in got],
                         [{k: e[k] for k in keys} for e in js.events()])
        self.assertEqual(len(got), 2)

    @user_space_only
    def test_max_events_and_duration_end_the_tool(self):
        port = closed_port(4)
        t = Tracer("tcpconnect", "-j", "--max-events", "1", "-P", str(port))
        connect(4, "127.0.0.1", port)
        connect(4, "127.0.0.1", port)
        self.assertEqual(t.proc.wait(5), 0)
        t.stop()
        self.assertEqual(len(t.events()), 1)
        # --duration counts from the start of tracing: bound from "Tracing", not from launch
        t = Tracer("tcpconnect", "--duration", "1")
        start = time.monotonic()
        self.assertEqual(t.proc.wait(30), 0)
        self.assertLess(time.monotonic() - start, 6)

    def test_connects_refused_before_any_syn_have_one_record_each(self):
        """No route, and unreachable, prohibit and blackhole routes, IPv4 and
        IPv6, blocking and non-blocking: connect() fails at once and no state
        changes. Each attempt is one record with the caller's pid and the
        destination it asked for; -r names the errno the application got."""
        with RefusingNetns(f"nt-nosyn-{os.getpid()}") as ns:
            plain = Tracer("tcpconnect", "-j")
            result = Tracer("tcpconnect", "-j", "-r")
            seen = []
            for kind in (None, "unreachable", "prohibit", "blackhole"):
                ns.route(kind)
                for family in (4, 6):
                    for mode in ("blocking", "nonblocking"):
                        got = ns.connect(family, mode=mode, name="conn-nosyn")
                        seen.append((kind, family, mode, got))
            plain.stop()
            result.stop()
            inode = netns_inode(ns.path)
        for kind, family, mode, got in seen:
            with self.subTest(route=kind, family=family, mode=mode):
                self.assertNotIn(got["errno"], ("0", "EINPROGRESS"))
                if kind is None:
                    self.assertEqual(got["errno"], "ENETUNREACH")
                for t in (plain, result):
                    [ev] = only(t.events(), pid=got["pid"])
                    self.assertEqual((ev["tid"], ev["comm"], ev["family"], ev["raddr"], ev["rport"],
                                      ev["lport"], ev["netns"]),
                                     (got["tid"], "conn-nosyn", family, NOWHERE[family][0], 81, 0,
                                      inode))
                self.assertNotIn("result", only(plain.events(), pid=got["pid"])[0])
                [ev] = only(result.events(), pid=got["pid"])
                self.assertEqual(ev["result"], got["errno"])
                self.assertGreaterEqual(ev["latency_us"], 0)

    def test_a_socket_connected_again_after_a_failure_is_told_apart(self):
        """connect() again on one socket: after a blocking attempt refused by
        an RST, after a non-blocking one whose RST came while it waited (the
        second call only returns that failure: no record), and then refused
        before any SYN (no route), IPv4 and IPv6. One record per attempt, in
        every mode: the RSTs' and the no-route ones, none for the call that
        returned an earlier failure."""
        script = ("import errno, json, os, select, socket, sys\n"
                  "fam = socket.AF_INET6 if sys.argv[1] == '6' else socket.AF_INET\n"
                  "lo = '::1' if fam == socket.AF_INET6 else '127.0.0.1'\n"
                  "d = socket.socket(fam); d.bind((lo, 0)); dead = d.getsockname()[:2]; d.close()\n"
                  "nowhere = (sys.argv[2], 81)\n"
                  "e = []\n"
                  "a = socket.socket(fam)\n"
                  "e.append(a.connect_ex(dead)); e.append(a.connect_ex(nowhere))\n"
                  "b = socket.socket(fam); b.setblocking(False)\n"
                  "e.append(b.connect_ex(dead))\n"
                  "select.select([], [b], [], 10)\n"
                  "e.append(b.connect_ex(dead)); e.append(b.connect_ex(nowhere))\n"
                  "print(json.dumps({'pid': os.getpid(), 'dead': dead[1],"
                  " 'errnos': [errno.errorcode.get(x, '0') for x in e]}))\n")
        with RefusingNetns(f"nt-again-{os.getpid()}") as ns:
            ns.route(None)
            tracers = {"plain": Tracer("tcpconnect", "-j"), "result": Tracer("tcpconnect", "-j", "-r"),
                       "count": Tracer("tcpconnect", "-j", "-c", "--netns", ns.path)}
            if HAS_KPROBES:   # they report refusals there; without them, connect()'s return does
                tracers["result, no kprobes"] = Tracer("tcpconnect", "-j", "-r", "--no-kprobes")
            seen = {family: json.loads(subprocess.run(
                [*ns.prefix(), PYTHON, "-c", script, str(family), NOWHERE[family][0]], check=True,
                capture_output=True, timeout=60).stdout) for family in (4, 6)}
            for t in tracers.values():
                t.stop()
        for family, got in seen.items():
            with self.subTest(family=family):
                dead = got["dead"]
                self.assertEqual(got["errnos"], ["ECONNREFUSED", "ENETUNREACH", "EINPROGRESS",
                                                 "ECONNREFUSED", "ENETUNREACH"])
                for name in ("result", "result, no kprobes"):
                    if name in tracers:
                        results = sorted((e["rport"], e["result"])
                                         for e in only(tracers[name].events(), pid=got["pid"]))
                        self.assertEqual(results, sorted([(dead, "refused"), (81, "ENETUNREACH")] * 2), name)
                self.assertEqual(len(only(tracers["plain"].events(), pid=got["pid"])), 4)
        counts = collections.Counter()
        for r in tracers["count"].events("count"):   # a row per source, destination and port
            counts[r["family"], r["rport"]] += r["connects"]
        self.assertEqual(counts, {(f, p): 2 for f in (4, 6) for p in (seen[f]["dead"], 81)})

    def test_fast_open_connects_refused_before_any_syn_have_one_record_each(self):
        """TCP Fast Open: sendto() or sendmsg() with MSG_FASTOPEN connects
        without the connect() syscall. With no route it fails at once
        (ENETUNREACH), IPv4 and IPv6: one record with the caller's pid and
        the destination it asked for; -r names the errno. A Fast Open send
        that does connect is one record too, not two."""
        port = listener(4).getsockname()[1]
        with RefusingNetns(f"nt-tfo-{os.getpid()}") as ns:
            plain = Tracer("tcpconnect", "-j")
            result = Tracer("tcpconnect", "-j", "-r")
            seen = [(family, mode, ns.connect(family, port=104, mode=mode, name="conn-tfo"))
                    for family in (4, 6) for mode in ("sendto", "sendmsg")]
            ok = connect(4, "127.0.0.1", port, mode="sendto", name="conn-tfo-ok")
            plain.stop()
            result.stop()
            inode = netns_inode(ns.path)
        for family, mode, got in seen:
            with self.subTest(family=family, mode=mode):
                self.assertEqual(got["errno"], "ENETUNREACH")
                for t in (plain, result):
                    [ev] = only(t.events(), pid=got["pid"])
                    self.assertEqual((ev["tid"], ev["comm"], ev["family"], ev["raddr"], ev["rport"],
                                      ev["netns"]),
                                     (got["tid"], "conn-tfo", family, NOWHERE[family][0], 104, inode))
                [ev] = only(result.events(), pid=got["pid"])
                self.assertEqual(ev["result"], "ENETUNREACH")
        self.assertEqual(ok["errno"], "0")
        self.assertEqual([(e["rport"], e["comm"]) for e in only(plain.events(), pid=ok["pid"])],
                         [(port, "conn-tfo-ok")])
        self.assertEqual([(e["rport"], e["lport"], e["result"])
                          for e in only(result.events(), pid=ok["pid"])],
                         [(port, ok["lport"], "established")])

    def test_filters_and_counts_apply_to_connects_refused_before_any_syn(self):
        with RefusingNetns(f"nt-nosynf-{os.getpid()}") as ns:
            keep = WaitingConnector(4, NOWHERE[4][0], 81, prefix=ns.prefix(), mode="blocking")
            drop = WaitingConnector(4, NOWHERE[4][0], 81, prefix=ns.prefix(), mode="blocking")
            tracers = {
                "port": Tracer("tcpconnect", "-j", "-P", "81"),
                "v6": Tracer("tcpconnect", "-j", "-6"),
                "pid": Tracer("tcpconnect", "-j", "-p", str(keep.pid)),
                "uid": Tracer("tcpconnect", "-j", "-u", "65534"),
                "netns": Tracer("tcpconnect", "-j", "--netns", ns.path),
                "other-netns": Tracer("tcpconnect", "-j", "--netns", "/proc/self/ns/net"),
                "count": Tracer("tcpconnect", "-j", "-c", "--netns", ns.path),
                "lport": Tracer("tcpconnect", "-j", "-L", "-P", "82"),
            }
            keep.go()
            drop.go()
            v4_82 = ns.connect(4, port=82, mode="blocking")
            v6_81 = ns.connect(6, mode="nonblocking")
            nobody = connect(4, NOWHERE[4][0], 81, mode="blocking",
                             prefix=[*ns.prefix(), "setpriv", "--reuid=65534", "--regid=65534",
                                     "--clear-groups"])
            for t in tracers.values():
                t.stop()
        ours = {keep.pid: "keep", drop.pid: "drop", v4_82["pid"]: "v4_82", v6_81["pid"]: "v6_81",
                nobody["pid"]: "nobody"}
        got = {name: sorted(ours[e["pid"]] for e in t.events() if e["pid"] in ours)
               for name, t in tracers.items() if name != "count"}
        self.assertEqual(got, {
            "port": ["drop", "keep", "nobody", "v6_81"],
            "v6": ["v6_81"],
            "pid": ["keep"],
            "uid": ["nobody"],
            "netns": sorted(ours.values()),
            "other-netns": [],
            "lport": ["v4_82"],
        })
        counts = {(r["family"], r["raddr"], r["rport"]): r["connects"]
                  for r in tracers["count"].events("count")}
        self.assertEqual(counts, {(4, NOWHERE[4][0], 81): 3, (4, NOWHERE[4][0], 82): 1,
                                  (6, NOWHERE[6][0], 81): 1})

    def test_connect_refused_by_a_cgroup_bpf_program(self):
        """A cgroup connect4/connect6 program that returns 0: connect() gets
        EPERM from the protocol's pre_connect, before tcp_v4_connect."""
        with tempfile.TemporaryDirectory() as tmp:
            pin = bpf_refusing_connects(tmp)
            if pin is None:
                self.skipTest("cannot build or load a cgroup connect program here")
            try:
                with Cgroup(f"socklens-refuse-{os.getpid()}") as cg, \
                        RefusingNetns(f"nt-cgref-{os.getpid()}") as ns:
                    self.refused_in_cgroup(cg, ns, pin)
            finally:
                shutil.rmtree(pin, ignore_errors=True)

    def refused_in_cgroup(self, cg, ns, pin):
        attached = []
        try:
            for hook, prog in (("connect4", "refuse4"), ("connect6", "refuse6")):
                subprocess.run(["bpftool", "cgroup", "attach", cg.path, hook, "pinned",
                                os.path.join(pin, prog)], check=True, capture_output=True)
                attached.append((hook, prog))
            plain = Tracer("tcpconnect", "-j", "--cgroup", cg.path)
            result = Tracer("tcpconnect", "-j", "-r")
            seen = []
            for family, mode in ((4, "blocking"), (6, "nonblocking")):
                c = WaitingConnector(family, NOWHERE[family][0], 81, prefix=ns.prefix(), mode=mode)
                cg.add(c.pid)
                seen.append((family, c.go()))
            plain.stop()
            result.stop()
        finally:
            for hook, prog in attached:
                subprocess.run(["bpftool", "cgroup", "detach", cg.path, hook, "pinned",
                                os.path.join(pin, prog)], check=False, capture_output=True)
        for family, got in seen:
            self.assertEqual(got["errno"], "EPERM")
            [ev] = only(plain.events(), pid=got["pid"])
            self.assertEqual((ev["family"], ev["raddr"], ev["rport"], ev["cgroup_id"]),
                             (family, NOWHERE[family][0], 81, os.stat(cg.path).st_ino))
            [ev] = only(result.events(), pid=got["pid"])
            self.assertEqual(ev["result"], "EPERM")

    def test_calls_that_start_no_new_attempt_add_no_record(self):
        """connect() again on a connected socket (EISCONN), on one still
        connecting (EALREADY), or on one whose attempt failed (that error,
        from the socket): one record per attempt, not per call."""
        script = ("import errno, json, os, socket, select\n"
                  "l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(8)\n"
                  "a = socket.socket(); a.connect(l.getsockname())\n"
                  "e = [a.connect_ex(l.getsockname())]\n"
                  "d = socket.socket(); d.bind(('127.0.0.1', 0)); dead = d.getsockname(); d.close()\n"
                  "b = socket.socket(); b.setblocking(False)\n"
                  "e.append(b.connect_ex(dead))\n"
                  "select.poll().poll(200)\n"
                  "e.append(b.connect_ex(dead))\n"
                  "print(json.dumps({'pid': os.getpid(), 'ports': [l.getsockname()[1], dead[1]],"
                  " 'errnos': [errno.errorcode.get(x, '0') for x in e]}))\n")
        t = Tracer("tcpconnect", "-j", "-r")
        seen = json.loads(subprocess.run([PYTHON, "-c", script], check=True, capture_output=True,
                                         timeout=30).stdout)
        t.stop()
        self.assertEqual(seen["errnos"][:2], ["EISCONN", "EINPROGRESS"])
        self.assertIn(seen["errnos"][2], ("ECONNREFUSED", "EALREADY"))
        self.assertEqual(sorted((e["rport"], e["result"]) for e in only(t.events(), pid=seen["pid"])),
                         sorted([(seen["ports"][0], "established"), (seen["ports"][1], "refused")]))

    def test_says_which_refused_connects_it_cannot_see(self):
        """Without kprobes only the connect() syscall (and a Fast Open send's)
        shows a connect refused before its SYN: the tool says so once, and
        follows sendto() and sendmsg(). With them it attaches the kprobes,
        which follow Fast Open sends too, and no hook on every send."""
        for args in (("--no-kprobes", "-v"), ("-v",)):
            t = Tracer("tcpconnect", "-j", *args)
            t.stop()
            notes = [l for l in t.err if "without the connect() syscall" in l]
            send_hooks = [l for l in t.err if re.search(r"attached tracepoint:syscalls:sys_e\w+_send", l)]
            if args == ("-v",) and HAS_KPROBES:
                self.assertEqual(notes, [], t.err)
                self.assertTrue(any("attached kretprobe:__inet_stream_connect" in l for l in t.err),
                                t.err)
                self.assertEqual(send_hooks, [], t.err)
            else:
                self.assertEqual(len(notes), 1, t.err)
                self.assertIn("are not seen", notes[0])
                self.assertEqual(len(send_hooks), 4, t.err)

    @user_space_only
    def test_closed_pipe_ends_quietly(self):
        port = closed_port(4)
        out, err = into_head([tool("tcpconnect"), "-j", "-P", str(port)],
                             lambda: (connect(4, "127.0.0.1", port), time.sleep(0.2)))
        self.assertEqual(len(out.splitlines()), 1)
        self.assertEqual(err, ["status=0"])

    def test_sigterm_detaches_and_exits_zero(self):
        """SIGTERM (a service manager's stop) ends tracing as Ctrl-C does: exit
        status 0 within Tracer.stop()'s bound, and no program left loaded."""
        before = our_programs()
        t = Tracer("tcpconnect")
        t.proc.terminate()
        self.assertEqual(t.proc.wait(DETACH_S), 0)
        assert_nothing_left(before)

    def test_perf_buffer_path_gives_the_same_events(self):
        port = closed_port(4)
        t = Tracer("tcpconnect", "-j", "--perf-buffer", "-P", str(port))
        seen = connect(4, "127.0.0.1", port, name="conn-perf")
        t.stop()
        [ev] = t.events()
        self.check_event(ev, seen, 4, "conn-perf")


if __name__ == "__main__":
    unittest.main()
