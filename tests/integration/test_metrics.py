"""The tools' Prometheus metrics against the real engine: each tool runs
with --metrics-dir pointed at node_exporter's textfile directory, the test
makes known traffic inside a network namespace of its own (the tool filters
on it, so nothing else on the machine counts), Prometheus scrapes, and
PromQL through its HTTP API returns exactly what the test made. Root."""
import os
import shutil
import subprocess
import time
import unittest

import promrig
from lib import PYTHON, Netns, ToolTest, Tracer, tracepoint_has_field

# Inside the test's namespace: a listener, N connects that it accepts, and
# M connects to a port nobody listens on (refused).
CONNECTS = """
import socket, sys
n, m = int(sys.argv[1]), int(sys.argv[2])
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(64)
for _ in range(n):
    c = socket.create_connection(srv.getsockname()); srv.accept()[0].close(); c.close()
closed = socket.socket(); closed.bind(("127.0.0.1", 0)); port = closed.getsockname()[1]; closed.close()
for _ in range(m):
    c = socket.socket()
    assert c.connect_ex(("127.0.0.1", port)) != 0
    c.close()
"""

# N connections: the client sends SENT bytes, the server answers ANSWER
# bytes, the client closes first, then the server.
TRANSFERS = """
import socket, sys
n, sent, answer = map(int, sys.argv[1:4])
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(64)
for _ in range(n):
    c = socket.create_connection(srv.getsockname()); a = srv.accept()[0]
    c.sendall(b"x" * sent)
    got = 0
    while got < sent:
        got += len(a.recv(65536))
    a.sendall(b"y" * answer)
    got = 0
    while got < answer:
        got += len(c.recv(65536))
    c.close()
    assert a.recv(1) == b""   # the client's FIN
    a.close()
"""

# A listener with listen(fd, 1) that accepts only once two clients wait:
# the first accept finds the queue over its limit (2 waiting > 1).
QUEUE = """
import socket, time
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
clients = [socket.socket() for _ in range(2)]
for c in clients:
    c.setblocking(False); c.connect_ex(srv.getsockname())
time.sleep(0.5)
for _ in clients:
    srv.accept()[0].close()
print(srv.getsockname()[1])
"""

# A listener with listen(fd, 64) that accepts each connection as soon as it
# is made: every accept finds 1 waiting of 64.
QUEUE_SHORT = """
import socket
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(64)
for _ in range(4):
    c = socket.create_connection(srv.getsockname())
    srv.accept()[0].close(); c.close()
print(srv.getsockname()[1])
"""

# N UDP datagrams to a port nobody listens on.
DATAGRAMS = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
closed = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); closed.bind(("127.0.0.1", 0))
port = closed.getsockname()[1]; closed.close()
for _ in range(int(sys.argv[1])):
    s.sendto(b"x", ("127.0.0.1", port))
"""

# One refused connect to each address given (nothing listens on port 9).
REFUSED_TO = """
import socket, sys
for addr in sys.argv[1:]:
    c = socket.socket()
    assert c.connect_ex((addr, 9)) != 0
    c.close()
"""


class MetricsTest(ToolTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rig = promrig.PromRig().start()
        cls.addClassCleanup(cls.rig.stop)

    def setUp(self):
        super().setUp()
        self.ns = Netns(f"slmet{os.getpid() % 100000}")
        self.addCleanup(self.ns.close)

    def run_in_ns(self, code, *args):
        return subprocess.run([*self.ns.prefix(), PYTHON, "-c", code, *map(str, args)], check=True,
                              timeout=60, capture_output=True, text=True).stdout

    def trace(self, tool, *args):
        return Tracer(tool, "--netns", self.ns.path, "--metrics-dir", self.rig.textfile_dir,
                      "--metrics-interval", "1", *args)

    def value(self, promql, want):
        """Waits until Prometheus answers exactly [want] (the file is
        rewritten each second, scraped each second)."""
        self.assertEqual(self.rig.wait_for(promql, lambda v: v == [float(want)]), [float(want)])

    def check_file(self, tool):
        """The tool's file passes Prometheus's own checker."""
        if not shutil.which("promtool"):
            return
        path = os.path.join(self.rig.textfile_dir, f"{tool}.prom")
        with open(path) as f:
            r = subprocess.run(["promtool", "check", "metrics"], stdin=f, capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""))

    def test_tcpconnect_counts_attempts_by_result(self):
        t = self.trace("tcpconnect", "-j")
        self.run_in_ns(CONNECTS, 5, 3)
        self.value('sum(socklens_tcp_connects_total{result="established"})', 5)
        self.value('sum(socklens_tcp_connects_total{result="refused"})', 3)
        self.value('sum(socklens_tcp_connect_latency_seconds_count)', 8)
        # every attempt seen from its start took less than Linux's 130 s bound
        self.value('sum(socklens_tcp_connect_latency_seconds_bucket{le="130"})', 8)
        self.value('sum(socklens_events_lost_total{tool="tcpconnect"})', 0)
        self.check_file("tcpconnect")
        self.assertEqual(t.stop(), 0)
        # the event stream goes on beside the metrics: one record each
        self.assertEqual(len(t.events("connect")), 8)

    def test_metrics_see_what_the_rate_limit_holds_back(self):
        t = self.trace("tcpconnect", "-j", "--rate-limit", "1")
        self.run_in_ns(CONNECTS, 6, 2)
        self.value("sum(socklens_tcp_connects_total)", 8)
        self.assertEqual(t.stop(), 0)
        events = len(t.events("connect"))
        suppressed = sum(r["suppressed"] for r in t.events("rate_limited"))
        self.assertEqual(events + suppressed, 8)
        self.assertLess(events, 8)
        # the file written at exit holds the tool's final count
        self.value('socklens_events_rate_limited_total{tool="tcpconnect"}', suppressed)

    def test_remote_address_label_is_capped_and_overflow_counted(self):
        # three destinations, a cap of two label sets per family: two series,
        # and the third address's updates counted as overflow
        t = self.trace("tcpconnect", "--metrics-only", "--metrics-raddr", "--metrics-max-series", "2")
        self.run_in_ns(REFUSED_TO, "127.0.0.2", "127.0.0.3", "127.0.0.4")
        overflow = 'socklens_series_overflow_total{family="socklens_tcp_connects_total"}'
        self.value(overflow, 1)   # the one address that did not fit
        # rewritten twice more with no new traffic: still 1, not one more a rewrite
        path = os.path.join(self.rig.textfile_dir, "tcpconnect.prom")
        for _ in range(2):
            before = os.stat(path).st_mtime_ns
            deadline = time.monotonic() + 30
            while os.stat(path).st_mtime_ns == before and time.monotonic() < deadline:
                time.sleep(0.1)
            self.assertNotEqual(os.stat(path).st_mtime_ns, before, "the file was not rewritten in 30 s")
        with open(path) as f:
            self.assertIn(overflow + " 1\n", f.read())
        series = self.rig.query("socklens_tcp_connects_total")
        self.assertEqual(len(series), 2)
        self.assertTrue({s["metric"]["raddr"] for s in series} < {"127.0.0.2", "127.0.0.3", "127.0.0.4"})
        self.assertTrue(all(s["value"] == 1.0 and s["metric"]["result"] == "refused" for s in series))
        self.check_file("tcpconnect")
        self.assertEqual(t.stop(), 0)

    def test_tcpclose_counts_closes_and_bytes_with_metrics_only(self):
        t = self.trace("tcpclose", "--metrics-only")
        self.run_in_ns(TRANSFERS, 3, 1000, 300)
        # both ends of each connection close inside the namespace
        self.value("sum(socklens_tcp_closes_total)", 6)
        self.value('sum(socklens_tcp_closes_total{closed_by="local"})', 3)
        self.value('sum(socklens_tcp_closes_total{closed_by="remote"})', 3)
        self.value("sum(socklens_tcp_sent_bytes_total)", 3 * (1000 + 300))
        self.value("sum(socklens_tcp_received_bytes_total)", 3 * (1000 + 300))
        self.value("sum(socklens_tcp_connection_duration_seconds_count)", 6)
        self.value("sum(socklens_tcp_rtt_seconds_count)", 6)
        self.check_file("tcpclose")
        self.assertEqual(t.stop(), 0)
        self.assertEqual(t.out, [])  # no records, not even a header

    def test_tcpaccept_counts_accepts_and_a_full_queue(self):
        t = self.trace("tcpaccept", "-j")
        port = int(self.run_in_ns(QUEUE))
        self.value(f'sum(socklens_tcp_accepts_total{{lport="{port}"}})', 2)
        self.value(f'sum(socklens_tcp_accept_queue_full_total{{lport="{port}"}})', 1)
        self.value(f'sum(socklens_tcp_accept_queue_fill_ratio_count{{lport="{port}"}})', 2)
        self.check_file("tcpaccept")
        self.assertEqual(t.stop(), 0)

    def test_tcpaccept_queue_fill_ratio_keeps_small_ratios(self):
        t = self.trace("tcpaccept", "--metrics-only")
        port = int(self.run_in_ns(QUEUE_SHORT))
        # 1/64 four times is 0.0625 (in thousandths, as until 2026-12-02, 0.060)
        self.value(f'sum(socklens_tcp_accept_queue_fill_ratio_sum{{lport="{port}"}})', 0.0625)
        self.value(f'sum(socklens_tcp_accept_queue_fill_ratio_bucket{{lport="{port}",le="0.1"}})', 4)
        self.check_file("tcpaccept")
        self.assertEqual(t.stop(), 0)

    def test_podnet_counts_drops_by_reason(self):
        t = self.trace("podnet", "--metrics-only")
        self.run_in_ns(DATAGRAMS, 7)
        # the kernel frees each datagram to a port nobody listens on as dropped
        self.value("sum(socklens_pod_packet_drops_total)", 7)
        if tracepoint_has_field("skb/kfree_skb", "reason"):  # Linux 5.17 and later
            self.value('sum(socklens_pod_packet_drops_total{reason="NO_SOCKET"})', 7)
        self.value('sum(socklens_pod_packets_total{event="drop"})', 7)
        self.check_file("podnet")
        self.assertEqual(t.stop(), 0)
        self.assertEqual(t.out, [])

    def test_podnet_metrics_count_what_sampling_leaves_out(self):
        """--sample 1000 prints about one packet event in 1000; the metrics
        count every one: each counted event was printed or sampled out."""
        t = self.trace("podnet", "-j", "--sample", "1000")
        self.run_in_ns(DATAGRAMS, 7)
        self.value("sum(socklens_pod_packet_drops_total)", 7)
        self.assertEqual(t.stop(), 0)
        printed = len(t.events("packet"))
        [skipped] = t.events("skipped")
        # the file written at exit holds the final sums
        self.value('socklens_events_sampled_out_total{tool="podnet"}', skipped["sampled_out"])
        self.value("sum(socklens_pod_packets_total)", printed + skipped["sampled_out"])
        self.assertGreater(skipped["sampled_out"], 7)


if __name__ == "__main__":
    unittest.main()
