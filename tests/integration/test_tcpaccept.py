"""tcpaccept against real loopback traffic, as root."""
import json
import os
import subprocess
import time
import unittest

from lib import HAS_KPROBES, PYTHON, Netns, ToolTest, Tracer, connect, netns_inode, user_space_only

SELF_NETNS = netns_inode("/proc/self/ns/net")
BUILD = os.environ.get("SOCKLENS_BUILD", os.path.join(os.path.dirname(__file__), "../../build"))
URING_SERVER = os.environ.get("SOCKLENS_URING_SERVER", os.path.join(BUILD, "tests/uring_server"))
# An accept record's keys, all facts of the accept() call itself.
ACCEPT_KEYS = {"type", "time", "ts_ns", "pid", "tid", "uid", "comm", "family", "raddr", "rport",
               "laddr", "lport", "netns", "cgroup_id", "backlog", "backlog_max"}
# (a host process: no container or pod to name, so no name keys)


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

    def test_accept_is_hooked_at_its_exit_only_where_the_kernel_gives_its_registers(self):
        """From 5.15 (bpf_task_pt_regs) the exit of accept() reads the
        listening fd from the caller's saved registers: no entry hook, so
        an accept() call (EAGAIN ones too) runs one program, not two; the
        backlog still shows (test_full_backlog_shows)."""
        t = Tracer("tcpaccept", "-j", "-v")
        t.stop()
        attached = [l.split("attached ", 1)[1].split()[0] for l in t.err if "attached " in l]
        self.assertIn("tracepoint:syscalls:sys_exit_accept4", attached, t.err)
        release = tuple(int(x) for x in os.uname().release.split("-")[0].split(".")[:2])
        enter = [a for a in attached if a.startswith("tracepoint:syscalls:sys_enter_accept")]
        if release >= (5, 15):
            self.assertEqual(enter, [], t.err)
        else:   # unless the distribution took the helper back to its kernel
            self.assertIn(len(enter), (0, 2), t.err)

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

    @user_space_only
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


class UringServer:
    """tests/helpers/uring_server.c: accepts through io_uring only, in a mode
    (single, multishot, fixed, fixed-slot, multishot-fixed) with optional
    --sqpoll (the ring's kernel thread submits) or --async (an io-wq worker
    runs the accept)."""

    def __init__(self, mode, *flags, count=3):
        self.proc = subprocess.Popen([URING_SERVER, mode, "--count", str(count), *flags],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        line = self.proc.stdout.readline()
        if not line:
            raise unittest.SkipTest(f"uring_server {mode} {flags} cannot start here: "
                                    f"{self.proc.communicate(timeout=30)[1].decode().strip()}")
        ready = json.loads(line)
        self.pid, self.port = ready["ready"], ready["port"]

    def go(self):
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()

    def results(self):
        """What it accepted; a skip where this kernel's io_uring lacks the mode
        (fixed-file accepts came in 5.15, multishot in 5.19)."""
        out, err = self.proc.communicate(timeout=60)
        if self.proc.returncode and b"Invalid argument" in err:
            raise unittest.SkipTest(f"this kernel's io_uring rejects it: {err.decode().strip()}")
        return [json.loads(l) for l in out.splitlines()]

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate()


# Every io_uring form of accept, and every thread that may complete it.
URING_MODES = [("single",), ("single", "--async"), ("single", "--sqpoll"), ("multishot",),
               ("multishot", "--sqpoll"), ("fixed",), ("fixed", "--async"), ("fixed-slot",),
               ("fixed", "--sqpoll"), ("multishot-fixed",)]
# What tcpaccept says at start where a blocked io-wq accept cannot be seen
BLOCKED_WORKER_NOTE = "already blocked in an io-wq worker when tracing began cannot be attributed"


@unittest.skipUnless(os.path.exists(URING_SERVER),
                     f"no {URING_SERVER}: liburing-dev was not installed at build time "
                     "(scripts/install-deps --test installs it)")
class UringAcceptTest(ToolTest):
    """Accepts that never pass accept()/accept4(): io_uring's, on kernels with
    kprobes (kretprobe) and without (io_uring tracepoints)."""

    def uring_server(self, mode, *flags):
        s = UringServer(mode, *flags)
        self.servers.append(s)
        return s

    def accepts(self, srv, t, n=3):
        """n clients, each from its own child process; what tool and server saw."""
        try:
            clients = [connect(4, "127.0.0.1", srv.port) for _ in range(n)]
            seen = srv.results()
        finally:
            t.stop()
        self.assertEqual(len(seen), n, seen)
        return clients, seen, t.events("accept")

    def check_records(self, srv, clients, seen, evs):
        """One record per connection, the server's, with each client's port;
        named after the process that asked, not an io_uring thread (with
        kprobes an io-wq or SQPOLL thread's own name shows: see BUGS)."""
        self.assertEqual(len(evs), len(clients), evs)
        for ev in evs:
            self.assertEqual((ev["pid"], ev["lport"], ev["laddr"]), (srv.pid, srv.port, "127.0.0.1"))
            self.assertEqual((ev["family"], ev["raddr"], ev["netns"]), (4, "127.0.0.1", SELF_NETNS))
            self.assertEqual(ev["backlog_max"], 16)
            if not HAS_KPROBES:
                self.assertEqual((ev["comm"], ev["tid"]), ("uring_server", srv.pid))
        self.assertEqual(sorted(e["rport"] for e in evs), sorted(c["lport"] for c in clients))
        if all(s["rport"] is not None for s in seen):  # fixed files have no fd to ask
            self.assertEqual(sorted(s["rport"] for s in seen), sorted(e["rport"] for e in evs))

    def test_every_io_uring_accept_is_the_servers(self):
        for mode in URING_MODES:
            with self.subTest(mode=" ".join(mode)):
                srv = self.uring_server(*mode)
                t = Tracer("tcpaccept", "-j", "-P", str(srv.port))
                srv.go()
                clients, seen, evs = self.accepts(srv, t)
                self.check_records(srv, clients, seen, evs)
                self.assertNotIn("not seen", "".join(t.err))

    def test_accept_armed_before_tracing_began(self):
        """Found when its connection arrives (poll) or when it completes."""
        for mode in (("single",), ("multishot",), ("single", "--async")):
            with self.subTest(mode=" ".join(mode)):
                srv = self.uring_server(*mode)
                srv.go()        # the accept is in the ring before the tool starts
                time.sleep(0.3)
                t = Tracer("tcpaccept", "-j", "-p", str(srv.pid))
                clients, seen, evs = self.accepts(srv, t)
                if "--async" in mode and BLOCKED_WORKER_NOTE in "".join(t.err):
                    # said at start (kprobes, io_uring tracepoints that cannot
                    # attribute): an accept already blocked in the io-wq worker
                    # is not reported (one that io_uring retries after a poll is)
                    self.assertIn(len(evs), (len(clients) - 1, len(clients)), evs)
                    clients = [c for c in clients if c["lport"] in {e["rport"] for e in evs}]
                    seen = [s for s in seen if s["rport"] in {e["rport"] for e in evs}]
                self.check_records(srv, clients, seen, evs)

    def test_io_uring_and_syscall_accepts_together(self):
        """Each once: the paths never report one accept twice."""
        srv, plain = self.uring_server("single", "--async"), self.server(4, "--accept", "2")
        t = Tracer("tcpaccept", "-j", "-P", f"{srv.port},{plain.port}")
        srv.go()
        plain.go()
        for _ in range(2):
            connect(4, plain.addr, plain.port)
        plain_seen = plain.results()
        clients, seen, evs = self.accepts(srv, t)
        self.check_records(srv, clients, seen, [e for e in evs if e["lport"] == srv.port])
        self.assertEqual(sorted(e["rport"] for e in evs if e["lport"] == plain.port),
                         sorted(s["rport"] for s in plain_seen))


if __name__ == "__main__":
    unittest.main()
