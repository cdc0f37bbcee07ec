"""tcpconnect against real loopback traffic, as root."""
import json
import os
import subprocess
import time
import unittest

from lib import (PYTHON, RAW_DECODE, Cgroup, Netns, ToolTest, Tracer, WaitingConnector, closed_port,
                 connect, listener, netns_inode, tool)

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
        l4 = listener(4)
        dead = closed_port(4)
        t = Tracer("tcpconnect", "-j", "-r")
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

    def test_max_events_and_duration_end_the_tool(self):
        port = closed_port(4)
        t = Tracer("tcpconnect", "-j", "--max-events", "1", "-P", str(port))
        connect(4, "127.0.0.1", port)
        connect(4, "127.0.0.1", port)
        self.assertEqual(t.proc.wait(5), 0)
        t.stop()
        self.assertEqual(len(t.events()), 1)
        start = time.monotonic()
        t = Tracer("tcpconnect", "--duration", "1")
        self.assertEqual(t.proc.wait(10), 0)
        self.assertLess(time.monotonic() - start, 6)

    def test_closed_pipe_ends_quietly(self):
        port = closed_port(4)
        sh = subprocess.Popen(
            ["bash", "-c", f"{tool('tcpconnect')} -j -P {port} | head -1; echo status=${{PIPESTATUS[0]}} >&2"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.5)
        deadline = time.monotonic() + 10
        while sh.poll() is None and time.monotonic() < deadline:
            connect(4, "127.0.0.1", port)
            time.sleep(0.2)
        out, err = sh.communicate(timeout=10)
        self.assertEqual(len(out.splitlines()), 1)
        lines = [l for l in err.decode().splitlines() if not l.startswith("Tracing")]
        self.assertEqual(lines, ["status=0"])

    def test_sigterm_detaches_and_exits_zero(self):
        t = Tracer("tcpconnect")
        t.proc.terminate()
        self.assertEqual(t.proc.wait(2), 0)

    def test_perf_buffer_path_gives_the_same_events(self):
        port = closed_port(4)
        t = Tracer("tcpconnect", "-j", "--perf-buffer", "-P", str(port))
        seen = connect(4, "127.0.0.1", port, name="conn-perf")
        t.stop()
        [ev] = t.events()
        self.check_event(ev, seen, 4, "conn-perf")


if __name__ == "__main__":
    unittest.main()
