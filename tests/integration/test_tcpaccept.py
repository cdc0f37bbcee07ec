"""tcpaccept against real loopback traffic, as root."""
import os
import subprocess
import time
import unittest

from lib import PYTHON, Netns, ToolTest, Tracer, connect, netns_inode

SELF_NETNS = netns_inode("/proc/self/ns/net")
# An accept record's keys, all facts of the accept() call itself.
ACCEPT_KEYS = {"type", "time", "ts_ns", "pid", "tid", "uid", "comm", "family", "raddr", "rport",
               "laddr", "lport", "netns", "cgroup_id", "backlog", "backlog_max"}


def only(events, **match):
    return [e for e in events if all(e.get(k) == v for k, v in match.items())]


class TcpacceptTest(ToolTest):
    def check_event(self, ev, seen, family, client_pid, netns=SELF_NETNS):
        """The event is the accepting process's, with the sockets' own tuple."""
        self.assertEqual(ev["pid"], seen["pid"])
        self.assertNotEqual(ev["pid"], client_pid)
        self.assertEqual(ev["family"], family)
        self.assertEqual((ev["laddr"], ev["lport"]), (seen["laddr"], seen["lport"]))
        self.assertEqual((ev["raddr"], ev["rport"]), (seen["raddr"], seen["rport"]))
        self.assertEqual(ev["netns"], netns)
        self.assertEqual(ev["type"], "accept")
        self.assertEqual(ev["uid"], os.geteuid())

    def test_v4_and_v6_accepts_belong_to_the_server(self):
        for family in (4, 6):
            with self.subTest(family=family):
                srv = self.server(family, "--name", f"srv-v{family}")
                t = Tracer("tcpaccept", "-j", "-P", str(srv.port))
                srv.go()
                client = connect(family, srv.addr, srv.port)
                [seen] = srv.results()
                t.stop()
                [ev] = t.events("accept")
                self.check_event(ev, seen, family, client["pid"])
                self.assertEqual(ev["comm"], f"srv-v{family}")
                # the client saw the same connection from its side
                self.assertEqual((client["lport"], client["rport"]), (ev["rport"], ev["lport"]))

    def test_forked_worker_gets_the_workers_pid(self):
        srv = self.server(4, "--fork", "--accept", "2")
        self.assertNotEqual(srv.pid, srv.master)
        t = Tracer("tcpaccept", "-j", "-P", str(srv.port))
        srv.go()
        c1 = connect(4, srv.addr, srv.port)
        c2 = connect(4, srv.addr, srv.port)
        seen = srv.results()
        t.stop()
        evs = t.events("accept")
        self.assertEqual([e["pid"] for e in evs], [srv.pid, srv.pid])
        for ev, s, c in zip(evs, seen, (c1, c2)):
            self.check_event(ev, s, 4, c["pid"])

    def test_eagain_accept_emits_nothing(self):
        srv = self.server(4, "--eagain", "--accept", "1")
        t = Tracer("tcpaccept", "-j", "-p", str(srv.pid))
        srv.go()
        client = connect(4, srv.addr, srv.port)
        results = srv.results()
        t.stop()
        self.assertEqual(results[0], {"eagain": True})
        evs = t.events("accept")
        self.assertEqual(len(evs), 1, evs)  # only the accept that succeeded
        self.check_event(evs[0], results[1], 4, client["pid"])

    def test_pid_filter(self):
        keep, drop = self.server(4), self.server(4)
        t = Tracer("tcpaccept", "-j", "-p", str(keep.pid))
        for s in (keep, drop):
            s.go()
            connect(4, s.addr, s.port)
            s.results()
        t.stop()
        self.assertEqual([e["pid"] for e in t.events("accept")], [keep.pid])

    def test_port_filter_is_the_local_port(self):
        a, b, c = self.server(4), self.server(4), self.server(4)
        t = Tracer("tcpaccept", "-j", "-P", f"{a.port},{c.port}")
        for s in (a, b, c):
            s.go()
            connect(4, s.addr, s.port)
            s.results()
        t.stop()
        self.assertEqual(sorted(e["lport"] for e in t.events("accept")), sorted([a.port, c.port]))

    def test_family_filters(self):
        for flag, family in (("-4", 4), ("-6", 6)):
            s4, s6 = self.server(4), self.server(6)
            t = Tracer("tcpaccept", "-j", flag, "-P", f"{s4.port},{s6.port}")
            for s in (s4, s6):
                s.go()
                connect(s.family, s.addr, s.port)
                s.results()
            t.stop()
            self.assertEqual([e["family"] for e in t.events("accept")], [family], flag)

    def test_netns_filter(self):
        with Netns(f"nt-acc-{os.getpid()}") as ns:
            inside = self.server(4, prefix=ns.prefix())
            outside = self.server(4)
            t = Tracer("tcpaccept", "-j", "--netns", ns.path)
            inside.go()
            outside.go()
            connect(4, "127.0.0.1", inside.port, prefix=ns.prefix())
            connect(4, "127.0.0.1", outside.port)
            [seen] = inside.results()
            outside.results()
            t.stop()
            evs = t.events("accept")
            self.assertEqual(len(evs), 1, evs)
            self.assertEqual(evs[0]["pid"], inside.pid)
            self.assertEqual(evs[0]["netns"], netns_inode(ns.path))
            self.assertEqual(evs[0]["lport"], seen["lport"])

    def test_full_backlog_shows(self):
        # listen(2) queues up to 3 connections; accept one: 2 of 2 remain
        srv = self.server(4, "--backlog", "2", "--accept", "1")
        t = Tracer("tcpaccept", "-j", "-P", str(srv.port))
        connect(4, srv.addr, srv.port, count=3)
        srv.go()
        srv.results()
        t.stop()
        [ev] = t.events("accept")
        self.assertEqual((ev["backlog"], ev["backlog_max"]), (2, 2))

    def test_connection_reset_before_accept_keeps_its_port(self):
        """The kernel releases a reset socket's port; the event still names the
        listener's, so -P keeps it."""
        srv = self.server(4, "--accept", "1")
        t = Tracer("tcpaccept", "-j", "-P", str(srv.port))
        code = ("import socket, struct\n"
                f"c = socket.create_connection(('127.0.0.1', {srv.port}))\n"
                "c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))\n"
                "c.close()\n")
        subprocess.run([PYTHON, "-c", code], check=True)
        srv.go()
        srv.results()
        t.stop()
        [ev] = t.events("accept")
        self.assertEqual((ev["lport"], ev["pid"]), (srv.port, srv.pid))

    def test_accept_already_waiting_when_tracing_began(self):
        """The listener is found from accept()'s own argument."""
        srv = self.server(4, "--accept", "1", "--backlog", "7")
        srv.go()        # blocked in accept() before the tool starts
        time.sleep(0.3)
        t = Tracer("tcpaccept", "-j", "-P", str(srv.port))
        connect(4, srv.addr, srv.port)
        srv.results()
        t.stop()
        [ev] = t.events("accept")
        self.assertEqual((ev["backlog"], ev["backlog_max"]), (0, 7))

    def test_connections_queued_before_tracing_began(self):
        """Handshakes done before the tool starts, accepted after: each accept
        is the server's, with the queue as it really was, and nothing timed
        from a start the tool did not see (no latency or queue-time key)."""
        srv = self.server(4, "--accept", "3", "--backlog", "8", "--name", "srv-queued")
        clients = [connect(4, srv.addr, srv.port) for _ in range(3)]
        t = Tracer("tcpaccept", "-j", "-P", str(srv.port))
        srv.go()
        seen = srv.results()
        t.stop()
        evs = t.events("accept")
        self.assertEqual(len(evs), 3, t.out)
        for ev, s, c in zip(evs, seen, clients):
            self.check_event(ev, s, 4, c["pid"])
            self.assertEqual(ev["comm"], "srv-queued")
        self.assertEqual([(e["backlog"], e["backlog_max"]) for e in evs], [(2, 8), (1, 8), (0, 8)])
        self.assertEqual(set(evs[0]), ACCEPT_KEYS)

    def test_text_output_columns(self):
        srv = self.server(4, "--name", "srv-text")
        t = Tracer("tcpaccept", "-t")
        srv.go()
        connect(4, srv.addr, srv.port)
        [seen] = srv.results()
        t.stop()
        lines = [l.decode() for l in t.out]
        self.assertEqual(lines[0].split(), ["TIME(s)", "PID", "COMM", "IP", "RADDR", "RPORT",
                                            "LADDR", "LPORT", "BL"])
        [row] = [l.split() for l in lines[1:] if "srv-text" in l]
        self.assertEqual(row[1:], [str(srv.pid), "srv-text", "4", "127.0.0.1",
                                   str(seen["rport"]), "127.0.0.1", str(srv.port), "0/16"])

    def test_count_mode(self):
        a, b = self.server(4, "--accept", "3"), self.server(4, "--accept", "1")
        t = Tracer("tcpaccept", "-j", "-c", "-P", f"{a.port},{b.port}")
        for s, n in ((a, 3), (b, 1)):
            s.go()
            for _ in range(n):
                connect(4, s.addr, s.port)
            s.results()
        t.stop()
        rows = {(r["lport"], r["raddr"]): r["accepts"] for r in t.events("count")}
        self.assertEqual(rows, {(a.port, "127.0.0.1"): 3, (b.port, "127.0.0.1"): 1})


if __name__ == "__main__":
    unittest.main()
