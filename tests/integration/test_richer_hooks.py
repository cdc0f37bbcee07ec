"""Where the kernel has kprobes (the VM matrix: 5.10, 6.1, 6.12), the tools
use them too, say so with -v, and report the same data as through
tracepoints alone (--no-kprobes). Skipped on kernels without kprobes."""
import unittest

from lib import HAS_KPROBES, ToolTest, Tracer, Transfer, closed_port, connect, listener


def without_time(events):
    return sorted((tuple(sorted((k, v) for k, v in e.items() if k not in ("time", "ts_ns"))))
                  for e in events)


@unittest.skipUnless(HAS_KPROBES, "this kernel has no kprobes")
class RicherHooksTest(ToolTest):
    def test_tcpaccept_uses_the_kretprobe_and_reports_the_same(self):
        rich = Tracer("tcpaccept", "-j", "-v")
        plain = Tracer("tcpaccept", "-j", "--no-kprobes")
        self.assertTrue(any("attached kretprobe:inet_csk_accept" in l for l in rich.err), rich.err)
        xs = [Transfer(family, 10, 10) for family in (4, 6)]
        rich.stop()
        plain.stop()
        ports = {x.port for x in xs}
        got = [e for e in rich.events("accept") if e["lport"] in ports]
        self.assertEqual(len(got), 2, rich.out)
        self.assertEqual(without_time(got),
                         without_time([e for e in plain.events("accept") if e["lport"] in ports]))
        for x in xs:
            [e] = [e for e in got if e["lport"] == x.port]
            self.assertEqual(e["pid"], x.server_pid)

    def test_tcpconnect_sees_connect_return_by_kretprobe_and_reports_the_same(self):
        l4, l6 = listener(4), listener(6)
        dead = closed_port(4)
        for mode in ("-r", "-L"):
            with self.subTest(mode=mode):
                rich = Tracer("tcpconnect", "-j", "-v", mode)
                plain = Tracer("tcpconnect", "-j", "--no-kprobes", mode)
                self.assertTrue(any("attached kretprobe:tcp_v4_connect" in l for l in rich.err),
                                rich.err)
                seen = [connect(4, "127.0.0.1", l4.getsockname()[1]),
                        connect(6, "::1", l6.getsockname()[1]),
                        connect(4, "127.0.0.1", dead)]
                rich.stop()
                plain.stop()
                pids = {s["pid"] for s in seen}
                mine = lambda t: [{k: v for k, v in e.items() if k != "latency_us"}
                                  for e in t.events() if e["pid"] in pids]
                got = mine(rich)
                self.assertEqual(len(got), 3, rich.out)
                self.assertEqual(without_time(got), without_time(mine(plain)))
                ok = {s["pid"]: s["lport"] for s in seen[:2]}   # the refused one has no port left
                self.assertEqual({e["pid"]: e["lport"] for e in got if e["pid"] in ok}, ok)

    def test_podnet_adds_the_ip_layer_path(self):
        rich = Tracer("podnet", "-j", "-v", "--proto", "tcp")
        plain = Tracer("podnet", "-j", "--no-kprobes", "--proto", "tcp")
        self.assertTrue(any("attached kprobe:ip_rcv" in l for l in rich.err), rich.err)
        x = Transfer(4, 10, 10)
        rich.stop()
        plain.stop()
        mine = lambda e: x.port in (e["sport"], e["dport"])
        rich_events = [e for e in rich.events("packet") if mine(e)]
        hooks = {e["hook"] for e in rich_events}
        self.assertTrue({"ip_rcv", "ip_output"} <= hooks, hooks)
        tracepoint_hooks = {e["hook"] for e in plain.events("packet") if mine(e)}
        self.assertEqual(without_time([e for e in rich_events if e["hook"] in tracepoint_hooks]),
                         without_time([e for e in plain.events("packet") if mine(e)]))


if __name__ == "__main__":
    unittest.main()
