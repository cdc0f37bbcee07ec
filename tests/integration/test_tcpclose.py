"""tcpclose against real loopback traffic, as root: exact byte counts,
the owner rather than a softirq bystander, who closed, filters."""
import csv
import json
import os
import re
import socket
import struct
import subprocess
import tempfile
import time
import unittest

from lib import (PYTHON, Cgroup, closed_port, connect, listener, Netns, netns_inode, prom_sum,
                 state_hook_types, state_hook_types_wanted, ToolTest, Tracer, Transfer,
                 user_space_only)

# A loopback connection made at once; on a line on stdin the accepted side
# closes abortively (SO_LINGER 0: RST), then the client side closes.
ABORT_LATER = """
import ctypes, json, os, socket, struct, sys, time
ctypes.CDLL(None).prctl(15, b"conn-abort", 0, 0, 0)
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
c = socket.create_connection(l.getsockname()); a, _ = l.accept()
print(json.dumps({"pid": os.getpid(), "ports": [a.getsockname()[1], c.getsockname()[1]]}), flush=True)
sys.stdin.readline()
a.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
a.close()
time.sleep(0.2)
c.close()
l.close()
"""

SELF_NETNS = netns_inode("/proc/self/ns/net")


def listen_on(port):
    """A loopback listener on a port chosen before the tracer started (so
    its filter can name it)."""
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", port))
    lsock.listen(1)
    return lsock


def by_ports(events):
    """Events by (lport, rport): other traffic on the machine may reuse one
    port number, not the pair."""
    return {(e["lport"], e["rport"]): e for e in events}


class TcpcloseTest(ToolTest):
    def both_ends(self, t, x):
        """The client-side and the server-side event of transfer x."""
        evs = by_ports(t.events("close"))
        return (evs.get((x.client["lport"], x.served["lport"])),
                evs.get((x.served["lport"], x.client["lport"])))

    def test_state_hook_is_btf_typed_where_the_kernel_has_btf(self):
        """The state hook reads each closing socket's ports, addresses,
        namespace, cgroup and byte counters in plain loads where the kernel types raw
        tracepoints by BTF (a tp_btf tracing program), else with helper calls
        (a raw tracepoint). What it reads is checked by the other tests, which
        run on the same hook."""
        modes = (["-j"], ["-c"], ["-j", "--no-tp-btf"])
        self.assertEqual(state_hook_types("tcpclose", modes), state_hook_types_wanted(modes))

    def test_bytes_each_way_and_owners_v4_and_v6(self):
        """IPv4 with the state hook loaded BTF-typed where the kernel allows,
        IPv6 also as a plain raw tracepoint (--no-tp-btf, as before 5.9)."""
        for family, extra in ((4, []), (6, []), (6, ["--no-tp-btf"])):
            with self.subTest(family=family, extra=extra):
                n, m = 123457 + family, 98765 + family
                t = Tracer("tcpclose", "-j", *extra)
                x = Transfer(family, n, m, names=("close-srv", "close-cli"))
                t.stop()
                self.assertEqual((x.served["received"], x.client["received"]), (n, m))
                cli, srv = self.both_ends(t, x)
                self.assertIsNotNone(cli, t.out)
                self.assertIsNotNone(srv, t.out)
                self.assertEqual((cli["tx_bytes"], cli["rx_bytes"]), (n, m))
                self.assertEqual((srv["tx_bytes"], srv["rx_bytes"]), (m, n))
                self.assertEqual((cli["pid"], cli["comm"]), (x.client["pid"], "close-cli"))
                self.assertEqual((srv["pid"], srv["comm"]), (x.server_pid, "close-srv"))
                self.assertEqual(cli["closed_by"], "local")   # the client's FIN came first
                self.assertEqual(srv["closed_by"], "remote")
                for e, seen in ((cli, x.client), (srv, x.served)):
                    self.assertEqual(e["family"], family)
                    self.assertEqual(e["netns"], SELF_NETNS)
                    # the socket's own count before close(); its FIN may be resent after
                    self.assertIn(e["retrans"], (seen["retrans"], seen["retrans"] + 1))
                    self.assertGreater(e["segs_out"], 0)
                    self.assertGreater(e["segs_in"], 0)
                    self.assertGreater(e["srtt_us"], 0)
                    self.assertEqual(e["type"], "close")
                self.assertEqual(cli["rport"], x.served["lport"])
                # the client's whole life is inside what the client measured
                life = x.client["end_ns"] - x.client["start_ns"]
                self.assertIs(cli["start_seen"], True)
                self.assertGreater(cli["duration_ns"], 0)
                self.assertLessEqual(cli["duration_ns"], life)
                self.assertGreaterEqual(cli["ts_ns"], x.client["start_ns"])

    def test_reset_by_the_peer(self):
        t = Tracer("tcpclose", "-j")
        x = Transfer(4, 5000, 0, reset=True)
        t.stop()
        self.assertEqual(x.client["error"], "ECONNRESET")
        cli, srv = self.both_ends(t, x)
        self.assertEqual(cli["closed_by"], "reset")
        self.assertEqual(srv["closed_by"], "reset")
        self.assertEqual(cli["tx_bytes"], 5000)
        self.assertEqual(srv["rx_bytes"], 5000)
        self.assertEqual(srv["pid"], x.server_pid)
        self.assertEqual(cli["pid"], x.client["pid"])

    def test_reset_after_the_first_fin(self):
        """Our FIN sent and acknowledged (FIN_WAIT2), then the peer aborts:
        the RST ends the connection, so both ends count as reset, in events
        and in the sums alike."""
        port = closed_port()
        for mode in (("-j",), ("-c", "-j", "-D", str(port)), ("-c", "-j", "-L", str(port))):
            with self.subTest(mode=mode):
                t = Tracer("tcpclose", *mode)
                lsock = listen_on(port)
                c = socket.create_connection(("127.0.0.1", port))
                cport = c.getsockname()[1]
                s, _ = lsock.accept()
                c.shutdown(socket.SHUT_WR)
                self.assertEqual(s.recv(10), b"")  # our FIN arrived
                time.sleep(0.2)  # and its ACK: the client waits in FIN_WAIT2
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
                with self.assertRaises(ConnectionResetError):
                    c.recv(10)
                c.close()
                lsock.close()
                self.assertEqual(t.stop(), 0)
                if mode[0] == "-j":
                    evs = by_ports(t.events("close"))
                    cli, srv = evs[(cport, port)], evs[(port, cport)]
                    self.assertEqual((cli["state"], cli["closed_by"]), ("FIN_WAIT2", "reset"))
                    self.assertEqual((srv["state"], srv["closed_by"]), ("CLOSE_WAIT", "reset"))
                else:
                    rows = t.events("count")
                    self.assertEqual([(r["closed_by"], r["closes"]) for r in rows], [("reset", 1)], rows)

    def test_bytes_exact_when_the_peer_closes_later(self):
        """We close first and the peer closes 0.3 s later: our socket, then
        an orphan in FIN_WAIT2, is handed to a timewait socket and closed
        before the peer's FIN arrives, so no FIN is taken off what it
        received."""
        port = closed_port()
        t = Tracer("tcpclose", "-j", "-D", str(port))
        lsock = listen_on(port)
        c = socket.create_connection(("127.0.0.1", port))
        s, _ = lsock.accept()
        c.sendall(b"x" * 1000)
        got = b""
        while len(got) < 1000:
            got += s.recv(1000)
        s.sendall(b"y" * 2000)
        got = b""
        while len(got) < 2000:
            got += c.recv(2000)
        c.close()
        self.assertEqual(s.recv(10), b"")  # our FIN
        time.sleep(0.3)
        s.close()
        lsock.close()
        self.assertEqual(t.stop(), 0)
        [ev] = t.events("close")
        self.assertEqual((ev["state"], ev["closed_by"], ev["tx_bytes"], ev["rx_bytes"]),
                         ("FIN_WAIT2", "local", 1000, 2000))

    def test_sums_by_port_time_each_side_from_its_own_opening(self):
        """--metrics-only with -D sums the connecting side, with -L the
        accepted side (the port filters leave the other side out before it
        is timed); each lifetime runs from that side's own opening."""
        port = closed_port()
        for flag in ("-D", "-L"):
            with self.subTest(flag=flag), tempfile.TemporaryDirectory() as mdir:
                t = Tracer("tcpclose", "--metrics-only", "--metrics-dir", mdir, flag, str(port))
                lsock = listen_on(port)
                begun = time.monotonic()
                c = socket.create_connection(("127.0.0.1", port))
                s, _ = lsock.accept()
                time.sleep(0.3)
                c.close()
                s.close()
                ended = time.monotonic()
                lsock.close()
                Transfer(4, 10, 10)  # not on that port: left out
                self.assertEqual(t.stop(), 0)
                prom = os.path.join(mdir, "tcpclose.prom")
                self.assertEqual(prom_sum(prom, "socklens_tcp_closes_total"), 1)
                self.assertEqual(prom_sum(prom, "socklens_tcp_connection_duration_seconds_count"), 1)
                lifetime = prom_sum(prom, "socklens_tcp_connection_duration_seconds_sum")
                self.assertGreaterEqual(lifetime, 0.3)
                self.assertLessEqual(lifetime, ended - begun)

    def test_close_while_another_fd_holds_the_socket(self):
        """close() of one descriptor ends nothing while another still holds
        the socket: the close comes when the last holder lets go."""
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen()
        port = lsock.getsockname()[1]
        t = Tracer("tcpclose", "-j", "-D", str(port))
        c = socket.socket()
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.connect(("127.0.0.1", port))
        a, _ = lsock.accept()
        key = (c.getsockname()[1], port)
        held = os.dup(c.fileno())
        c.close()
        time.sleep(0.5)   # several of the tool's polls
        early = by_ports(t.events("close")).get(key)
        os.close(held)    # the last holder: now the RST goes out
        t.stop()
        a.close()
        lsock.close()
        self.assertIsNone(early, "a close reported while the socket was still held")
        late = by_ports(t.events("close")).get(key)
        self.assertIsNotNone(late, t.out)
        self.assertEqual((late["state"], late["closed_by"]), ("ESTABLISHED", "reset"))
        self.assertEqual(late["pid"], os.getpid())
        self.assertEqual(len(t.events("close")), 1, t.out)

    def test_connection_opened_before_the_tool_started(self):
        """Owner from the close() call, bytes exact without having seen the SYN."""
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        c = socket.create_connection(lsock.getsockname())
        s, _ = lsock.accept()
        c.sendall(b"a" * 3000)
        got = 0
        while got < 3000:  # all read: closing s later must not reset the connection
            got += len(s.recv(4096))
        t = Tracer("tcpclose", "-j", "-p", str(os.getpid()))
        s.sendall(b"b" * 700)
        got = 0
        while got < 700:
            got += len(c.recv(4096))
        ports = (c.getsockname()[1], c.getpeername()[1])
        c.close()
        s.close()
        lsock.close()
        t.stop()
        cli = by_ports(t.events("close"))[ports]
        self.assertEqual(cli["pid"], os.getpid())
        self.assertEqual((cli["tx_bytes"], cli["rx_bytes"]), (3000, 700))
        self.assertEqual(cli["closed_by"], "local")
        self.assertEqual((cli["start_seen"], cli["duration_ns"]), (False, None))

    def test_abortive_close_of_a_connection_opened_before_the_tool_started(self):
        """SO_LINGER 0 and close(): the kernel goes straight to CLOSE and sends
        an RST, no FIN. The close() call names the owner, as an ordinary
        close() of a connection opened before the tool started does."""
        child = subprocess.Popen([PYTHON, "-c", ABORT_LATER], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        try:
            seen = json.loads(child.stdout.readline())
            t = Tracer("tcpclose", "-j")
            child.stdin.write("go\n")
            child.stdin.flush()
            self.assertEqual(child.wait(30), 0)
        finally:
            if child.poll() is None:
                child.kill()
            child.communicate()
        t.stop()
        served = by_ports(t.events("close"))[tuple(seen["ports"])]
        self.assertEqual((served["pid"], served["comm"], served["start_seen"], served["duration_ns"],
                          served["closed_by"]),
                         (seen["pid"], "conn-abort", False, None, "reset"))

    def test_lifetime_begun_before_the_tool_started_is_not_made_up(self):
        """A connection open for 3 s when the tool starts, then closed
        normally, and one whose handshake ended before the start but was
        accepted after it: their records are there, say the start was not
        seen and carry no duration (null, "-" in text). A connection opened
        while tracing keeps its exact lifetime."""
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(4)
        old_c = socket.create_connection(lsock.getsockname())
        old_s, _ = lsock.accept()
        time.sleep(3)
        queued_c = socket.create_connection(lsock.getsockname())
        me = str(os.getpid())
        t = Tracer("tcpclose", "-j", "-p", me)
        text = Tracer("tcpclose", "-p", me)
        queued_s, _ = lsock.accept()
        start = time.monotonic_ns()
        new_c = socket.create_connection(lsock.getsockname())
        new_s, _ = lsock.accept()
        time.sleep(0.2)
        pairs = [(old_c, old_s), (queued_c, queued_s), (new_c, new_s)]
        ports = [(c.getsockname()[1], c.getpeername()[1]) for c, _ in pairs]
        for c, s in pairs:   # a normal close: the client's FIN first, then the server's
            c.close()
            time.sleep(0.05)
            s.close()
        end = time.monotonic_ns()
        lsock.close()
        t.stop()
        text.stop()
        evs = by_ports(t.events("close"))
        rows = {(int(r[4]), int(r[6])): r for r in (b.decode().split() for b in text.out[1:])}
        for lport, rport in ports[:2]:
            for key in ((lport, rport), (rport, lport)):   # client side, server side
                with self.subTest(ports=key):
                    self.assertIn(key, evs, (t.out, t.err, text.out))
                    e = evs[key]
                    self.assertEqual((e["start_seen"], e["duration_ns"]), (False, None), e)
                    self.assertEqual(e["pid"], os.getpid())
                    self.assertEqual(rows[key][-1], "-", text.out)   # MS
        self.assertEqual(evs[ports[0]]["closed_by"], "local")
        self.assertEqual(evs[ports[0][::-1]]["closed_by"], "remote")
        for key in (ports[2], ports[2][::-1]):
            e = evs[key]
            self.assertIs(e["start_seen"], True, e)
            self.assertGreater(e["duration_ns"], 0)
            self.assertLessEqual(e["duration_ns"], end - start)
            self.assertGreater(float(rows[key][-1]), 0)   # another tracer: its own clock reads

    @user_space_only
    def test_text_and_wide_columns(self):
        t = Tracer("tcpclose")
        x = Transfer(4, 4096, 2048, names=("txt-srv", "txt-cli"))
        t.stop()
        lines = [l.decode().split() for l in t.out]
        self.assertEqual(lines[0], ["PID", "COMM", "IP", "LADDR", "LPORT", "RADDR", "RPORT",
                                    "TX_KB", "RX_KB", "MS"])
        [row] = [l for l in lines[1:] if l[1] == "txt-cli"]
        self.assertEqual(row[:9], [str(x.client["pid"]), "txt-cli", "4", "127.0.0.1",
                                   str(x.client["lport"]), "127.0.0.1", str(x.port), "4", "2"])
        t = Tracer("tcpclose", "-w")
        x = Transfer(4, 4096, 2048, names=("txt-srv", "txt-cli"))
        t.stop()
        lines = [l.decode().split() for l in t.out]
        self.assertEqual(lines[0][7:], ["TX_B", "RX_B", "RETR", "RTT(us)", "MS", "CLOSED"])
        [row] = [l for l in lines[1:] if l[1] == "txt-srv"]
        self.assertEqual(row[7:9], ["2048", "4096"])
        self.assertEqual(row[-1], "remote")

    @user_space_only
    def test_csv_output(self):
        t = Tracer("tcpclose", "-s")
        x = Transfer(4, 1500, 600)
        t.stop()
        rows = list(csv.DictReader(l.decode() for l in t.out))
        [cli] = [r for r in rows if (r["lport"], r["rport"]) == (str(x.client["lport"]), str(x.port))]
        self.assertEqual((cli["tx_bytes"], cli["rx_bytes"], cli["closed_by"]), ("1500", "600", "local"))
        self.assertEqual(cli["pid"], str(x.client["pid"]))

    def test_rate_limit_says_on_stderr_what_it_held_back(self):
        """CSV, as text: stdout keeps only rows; what --rate-limit held back is
        a line on stderr where it happened, and the exit summary adds it up."""
        port = listener().getsockname()[1]
        n = 20
        t = Tracer("tcpclose", "-s", "--rate-limit", "1", "-D", str(port))
        connect(4, "127.0.0.1", port, count=n)   # the client side closes each

        def held_back():
            return sum(int(m) for m in re.findall(r"^tcpclose: suppressed (\d+) events \(over --rate-limit\)$",
                                                   "".join(t.err), re.M))

        # A close can end in softirq after the connector has exited (on a
        # slow guest, well after): wait until every one is accounted for,
        # in rows or in the stderr lines, before stopping.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and max(len(t.out) - 1, 0) + held_back() < n:
            time.sleep(0.1)
        t.stop()
        rows = list(csv.DictReader(l.decode() for l in t.out))
        err = "".join(t.err)
        held = held_back()
        lost = sum(int(m) for m in re.findall(r"^tcpclose: lost (\d+) events", err, re.M))
        self.assertGreater(held, 0, err)
        self.assertLessEqual(len(rows) + held, n, err)
        self.assertGreaterEqual(len(rows) + held + lost, n, err)
        self.assertIn(f"tcpclose: {held} events suppressed in all by --rate-limit 1/s\n", t.err)

    def test_pid_filter_keeps_the_owner(self):
        t = Tracer("tcpclose", "-j", "-p", str(os.getpid()))
        Transfer(4, 100, 100)   # other processes
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        c = socket.create_connection(lsock.getsockname())
        s, _ = lsock.accept()
        lport = c.getsockname()[1]
        c.close()
        s.close()
        lsock.close()
        t.stop()
        evs = t.events("close")
        self.assertTrue(evs)
        self.assertTrue(all(e["pid"] == os.getpid() for e in evs), evs)
        self.assertIn(lport, [e["lport"] for e in evs])

    def test_local_and_remote_port_filters(self):
        # a fixed listening port lets the filter be set before the traffic
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        for flag in ("-L", "-D"):
            with self.subTest(flag=flag):
                t = Tracer("tcpclose", "-j", flag, str(port))
                lsock = listen_on(port)
                c = socket.create_connection(("127.0.0.1", port))
                s, _ = lsock.accept()
                c.close()
                s.close()
                lsock.close()
                Transfer(4, 10, 10)  # not on that port: dropped
                t.stop()
                evs = t.events("close")
                key = "lport" if flag == "-L" else "rport"
                self.assertEqual([e[key] for e in evs], [port], evs)

    def test_family_filter(self):
        t = Tracer("tcpclose", "-j", "-6")
        x4 = Transfer(4, 10, 10)
        x6 = Transfer(6, 10, 10)
        t.stop()
        ports = {e["lport"] for e in t.events("close")}
        self.assertIn(x6.client["lport"], ports)
        self.assertNotIn(x4.client["lport"], ports)
        self.assertEqual({e["family"] for e in t.events("close")}, {6})

    def test_netns_filter(self):
        with Netns(f"nt-close-{os.getpid()}") as ns:
            t = Tracer("tcpclose", "-j", "--netns", ns.path)
            inside = Transfer(4, 300, 200, prefix=ns.prefix())
            Transfer(4, 10, 10)
            t.stop()
            evs = t.events("close")
            self.assertEqual(sorted(e["lport"] for e in evs),
                             sorted([inside.client["lport"], inside.served["lport"]]))
            self.assertTrue(all(e["netns"] == netns_inode(ns.path) for e in evs))
            cli = by_ports(evs)[(inside.client["lport"], inside.served["lport"])]
            self.assertEqual((cli["tx_bytes"], cli["rx_bytes"]), (300, 200))

    def test_counts_per_container_and_closer_in_windows(self):
        # -c -i: the kernel's sums per cgroup and who closed; each transfer
        # closes twice (client and server) inside the namespace
        with Netns(f"nt-cnt-{os.getpid()}") as ns:
            t = Tracer("tcpclose", "-c", "-i", "1", "-j", "--netns", ns.path)
            for _ in range(3):
                Transfer(4, 300, 200, prefix=ns.prefix())
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # until a window has shown all six
                if sum(r["closes"] for r in t.events("count")) >= 6:
                    break
                time.sleep(0.2)
            self.assertEqual(t.stop(), 0)
            rows = t.events("count")
            self.assertEqual(sum(r["closes"] for r in rows), 6)
            self.assertEqual(sum(r["tx_bytes"] for r in rows), 3 * (300 + 200))
            self.assertEqual(sum(r["rx_bytes"] for r in rows), 3 * (300 + 200))
            by = {}
            for r in rows:
                by[r["closed_by"]] = by.get(r["closed_by"], 0) + r["closes"]
            self.assertEqual(sum(by.values()), 6)
            self.assertTrue(set(by) <= {"local", "remote", "reset"}, by)
            self.assertTrue(all(r["window_start"] < r["window_end"] for r in rows))
            self.assertEqual(t.events("close"), [])  # counting prints no events

    def test_counts_with_metrics_raddr_have_a_row_per_remote_address(self):
        # --metrics-raddr puts the remote address in the sums' key, which -c
        # prints: a row per address, each with its own closes, not two rows
        # that look alike
        with Netns(f"nt-raddr-{os.getpid()}") as ns, tempfile.TemporaryDirectory() as d:
            t = Tracer("tcpclose", "-c", "-j", "--netns", ns.path, "--metrics-dir", d, "--metrics-raddr")
            plain = Tracer("tcpclose", "-c", "-j", "--netns", ns.path)
            Transfer(4, 300, 200, prefix=ns.prefix())
            Transfer(6, 300, 200, prefix=ns.prefix())
            self.assertEqual(t.stop(), 0)
            self.assertEqual(plain.stop(), 0)
        closes = {}
        for r in t.events("count"):
            closes[r["raddr"]] = closes.get(r["raddr"], 0) + r["closes"]
        self.assertEqual(closes, {"127.0.0.1": 2, "::1": 2})   # both ends of each connection
        keys = [(r["cgroup_id"], r["closed_by"], r["raddr"]) for r in t.events("count")]
        self.assertEqual(len(keys), len(set(keys)), t.events("count"))
        rows = plain.events("count")
        self.assertEqual(sum(r["closes"] for r in rows), 4)
        self.assertTrue(all("raddr" not in r for r in rows), rows)

    def test_counts_name_the_cgroup_of_each_end(self):
        # -c prints sums per cgroup, no process: each end of a connection is
        # counted under the cgroup of its process, the accepted end (made in
        # softirq) under its listener's, each with its own bytes
        with Cgroup(f"socklens-srv-{os.getpid()}") as srv, Cgroup(f"socklens-cli-{os.getpid()}") as cli:
            ids = {os.stat(srv.path).st_ino: "server", os.stat(cli.path).st_ino: "client"}
            into = lambda cg: ("sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', cg.path)
            t = Tracer("tcpclose", "-c", "-i", "1", "-j")
            Transfer(4, 700, 90, prefix=into(srv), client_prefix=into(cli))
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if sum(r["closes"] for r in t.events("count") if r["cgroup_id"] in ids) >= 2:
                    break
                time.sleep(0.2)
            self.assertEqual(t.stop(), 0)
            sums = {}
            for r in t.events("count"):
                if r["cgroup_id"] in ids:
                    s = sums.setdefault(ids[r["cgroup_id"]], [0, 0, 0])
                    s[0] += r["closes"]
                    s[1] += r["tx_bytes"]
                    s[2] += r["rx_bytes"]
            # [closes, tx_bytes, rx_bytes]: the client sent 700, the server answered 90
            self.assertEqual(sums, {"server": [1, 90, 700], "client": [1, 700, 90]})

    def test_full_socket_table_is_reported(self):
        """With room for one socket, the other five of three connections
        are not followed: each is reported once, never silently dropped."""
        t = Tracer("tcpclose", "-j", "--max-sockets", "1", "-p", str(os.getpid()))
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(4)
        conns = []
        for _ in range(3):
            c = socket.create_connection(lsock.getsockname())
            s, _ = lsock.accept()
            conns += [c, s]
        for sock in conns:
            sock.close()
        lsock.close()
        t.stop()
        lost = [r for r in t.events("lost")]
        self.assertTrue(lost, t.out)
        self.assertTrue(all("socket table full" in r["reason"] for r in lost), lost)
        self.assertEqual(sum(r["lost"] for r in lost), 5)
        self.assertTrue(any("events lost in all" in l for l in t.err), t.err)


if __name__ == "__main__":
    unittest.main()
