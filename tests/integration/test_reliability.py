"""What SREs rely on during incidents, for every tool: signals end it
cleanly and fast, a closed pipe ends it quietly, nohup's SIGHUP does not,
two instances work side by side, SIGKILL leaves nothing behind, and
hostile names keep the output parseable. As root."""
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest

from lib import (PYTHON, Netns, ToolTest, Tracer, Transfer, assert_nothing_left, closed_port,
                 connect, into_head, our_programs, tool, user_space_only, wait_for_text)

TOOLS = ["tcpconnect", "tcpaccept", "tcpclose", "podnet"]
HOSTILE = 'a"b\\c\n\x1b[2J\x01z'  # quotes, backslash, newline, escape, control byte (15 bytes)


def traffic():
    """A connection that every tool reports: connect, accept, transfer, close."""
    Transfer(4, 100, 100)


class ReliabilityTest(ToolTest):
    @user_space_only
    def test_sigint_and_sigterm_exit_0_within_a_second(self):
        for name in TOOLS:
            for sig in (signal.SIGINT, signal.SIGTERM):
                with self.subTest(tool=name, sig=sig.name):
                    t = Tracer(name, "-j")
                    start = time.monotonic()
                    t.proc.send_signal(sig)
                    self.assertEqual(t.proc.wait(max(5, 10 * t.startup_s)), 0)
                    # a second, or on a machine slower than that right now
                    # (the start-up it just took) as long as the start-up
                    self.assertLess(time.monotonic() - start, max(1.0, t.startup_s))
                    t.stop()

    @user_space_only
    def test_closed_pipe_ends_every_tool_quietly(self):
        for name in TOOLS:
            with self.subTest(tool=name):
                out, err = into_head([tool(name), "-j"], traffic)
                self.assertEqual(len(out.splitlines()), 1)
                json.loads(out)
                self.assertEqual(err, ["status=0"])

    @user_space_only
    def test_closed_pipe_ends_a_tool_with_nothing_more_to_write(self):
        """`TOOL | head -1` takes the header line, and no record follows
        (the filter is a port nothing uses) to fail with EPIPE: each tool must
        see by itself that its reader is gone, end with status 0 and leave
        nothing attached, not trace on until its next record."""
        before = our_programs()
        port = closed_port()
        for name, filter_opt in (("tcpconnect", "-P"), ("tcpaccept", "-P"), ("tcpclose", "-L"),
                                 ("podnet", "--port")):
            with self.subTest(tool=name):
                out, err = into_head([tool(name), filter_opt, str(port)], lambda: None,
                                     traffic_timeout=30, repeat=False)
                self.assertEqual(len(out.splitlines()), 1)
                self.assertTrue(out.split()[0].isupper(), out)  # the header (PID, TIME...), all head wanted
                self.assertEqual(err, ["status=0"])
        assert_nothing_left(before)

    @user_space_only
    def test_sighup_under_nohup_does_not_end_it(self):
        for name in TOOLS:
            with self.subTest(tool=name):
                with tempfile.NamedTemporaryFile("w", suffix=".err") as err:
                    p = subprocess.Popen(["nohup", tool(name), "-j"], stdout=subprocess.DEVNULL,
                                         stderr=err)
                    self.assertTrue(wait_for_text(err.name, "Tracing", p), name)
                p.send_signal(signal.SIGHUP)
                time.sleep(0.5)
                self.assertIsNone(p.poll(), "SIGHUP ended it")
                p.send_signal(signal.SIGINT)
                self.assertEqual(p.wait(5), 0)

    def test_two_instances_see_the_same_events(self):
        port = closed_port()
        a = Tracer("tcpconnect", "-j", "-P", str(port))
        b = Tracer("tcpconnect", "-j", "-P", str(port))
        seen = connect(4, "127.0.0.1", port)
        a.stop()
        b.stop()
        for t in (a, b):
            self.assertEqual([e["pid"] for e in t.events()], [seen["pid"]])

    def test_sigkill_leaves_nothing_and_a_restart_works(self):
        before = our_programs()
        for name in TOOLS:
            with self.subTest(tool=name):
                t = Tracer(name)
                t.proc.kill()
                t.proc.wait(5)
                t.stop()
                assert_nothing_left(before)
        port = closed_port()
        t = Tracer("tcpconnect", "-j", "-P", str(port))
        connect(4, "127.0.0.1", port)
        t.stop()
        self.assertEqual(len(t.events()), 1)

    @user_space_only
    def test_hostile_process_name_keeps_output_parseable(self):
        port = closed_port()
        js = Tracer("tcpconnect", "-j", "-P", str(port))
        text = Tracer("tcpconnect", "-P", str(port))
        code = ("import ctypes, socket\n"
                f"ctypes.CDLL(None).prctl(15, {HOSTILE.encode()!r}, 0, 0, 0)\n"
                f"socket.socket().connect_ex(('127.0.0.1', {port}))\n")
        subprocess.run([PYTHON, "-c", code], check=True)
        js.stop()
        text.stop()
        [ev] = js.events()              # one line, valid JSON
        self.assertEqual(ev["comm"], HOSTILE)
        self.assertEqual(len(text.out), 2)  # header and exactly one line for the event
        row = text.out[1].decode()
        self.assertIn('a"b\\c??[2J?z', row)  # control bytes shown as '?'

    def test_ipv4_mapped_ipv6_is_printed_as_such(self):
        port = closed_port()
        t = Tracer("tcpconnect", "-j", "-P", str(port))
        seen = connect(6, "::ffff:127.0.0.1", port)
        t.stop()
        [ev] = t.events()
        self.assertEqual((ev["family"], ev["raddr"]), (6, "::ffff:127.0.0.1"))
        self.assertEqual(ev["laddr"], seen["laddr"])

    def test_longest_interface_name(self):
        name = "veth-fifteen-ch"
        self.assertEqual(len(name), 15)
        with Netns(f"nt-long-{os.getpid()}") as ns:
            subprocess.run(["ip", "-n", ns.name, "link", "add", name, "type", "veth", "peer",
                            "name", "peer0"], check=True)
            for dev, addr in ((name, "10.233.0.1/24"), ("peer0", None)):
                if addr:
                    subprocess.run(["ip", "-n", ns.name, "addr", "add", addr, "dev", dev], check=True)
                subprocess.run(["ip", "-n", ns.name, "link", "set", dev, "up"], check=True)
            # a fixed neighbour: the packet leaves at once, no ARP to wait for
            subprocess.run(["ip", "-n", ns.name, "neigh", "add", "10.233.0.2", "lladdr",
                            "02:00:00:00:00:02", "dev", name], check=True)
            js = Tracer("podnet", "-j", "--netns", ns.path, "--ifname", name, "--proto", "udp")
            text = Tracer("podnet", "--netns", ns.path, "--ifname", name, "--proto", "udp")
            code = ("import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                    "s.sendto(b'x', ('10.233.0.2', 9))\n")
            subprocess.run([*ns.prefix(), PYTHON, "-c", code], check=True)
            time.sleep(0.5)
            js.stop()
            text.stop()
            evs = js.events("packet")
            self.assertTrue(evs)
            self.assertEqual({e["ifname"] for e in evs}, {name})
            rows = [l.decode() for l in text.out[1:]]
            self.assertTrue(rows)
            self.assertTrue(all(r.split()[2] == name for r in rows), rows)


if __name__ == "__main__":
    unittest.main()
