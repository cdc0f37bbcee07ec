"""The metrics module against the real engine: a .prom file written by the
C module (tests/helpers/metrics_sample.c) is read by node_exporter's textfile
collector, scraped by Prometheus, and PromQL returns exactly the values
written. No root needed; loopback only."""
import os
import subprocess
import unittest

import promrig

BUILD = os.environ.get("SOCKLENS_BUILD", os.path.join(os.path.dirname(__file__), "../../build"))
SAMPLE = os.path.join(BUILD, "tests", "metrics_sample")


def labels(metric):
    """A series' own labels: without the name and what the scrape adds."""
    return {k: v for k, v in metric.items() if k not in ("__name__", "job", "instance")}


class MetricsRigTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(SAMPLE, os.X_OK):
            raise unittest.SkipTest(f"{SAMPLE} not built (cmake --build; set SOCKLENS_BUILD)")
        cls.rig = promrig.PromRig().start()
        cls.addClassCleanup(cls.rig.stop)

    def write(self, n):
        subprocess.run([SAMPLE, self.rig.textfile_dir, str(n)], check=True)
        # the counter that changes with each write: once Prometheus has it,
        # the rest of the same file came with the same scrape
        self.rig.wait_for('socklens_test_total{result="ok"}', lambda v: v == [float(n)])

    def test_values_are_exactly_those_written(self):
        self.write(12345)
        q = self.rig.values
        self.assertEqual(q("node_textfile_scrape_error"), [0.0])
        # counter; a label value with a quote, backslash, newline and UTF-8 comes back unchanged
        other = self.rig.query('socklens_test_total{result!="ok"}')
        self.assertEqual([(labels(r["metric"]), r["value"]) for r in other],
                         [({"result": 'a"b\\c\nd é'}, 2.0)])
        # histogram: cumulative buckets, +Inf, sum and count of 0.0005 0.002 0.005 0.05 2
        buckets = {labels(r["metric"])["le"]: r["value"]
                   for r in self.rig.query("socklens_test_latency_seconds_bucket")}
        self.assertEqual(buckets, {"0.001": 1.0, "0.01": 3.0, "0.1": 4.0, "1": 4.0, "+Inf": 5.0})
        self.assertEqual(q('socklens_test_latency_seconds_bucket{le="0.01"}'), [3.0])
        self.assertEqual(q("socklens_test_latency_seconds_count"), [5.0])
        self.assertEqual(q("socklens_test_latency_seconds_sum"), [2.0575])
        self.assertEqual(q("socklens_test_queue_ratio"), [0.25])
        # the cap: two series made, the third address counted as overflow
        self.assertEqual(q("socklens_test_capped_total"), [1.0, 1.0])
        self.assertEqual(q('socklens_series_overflow_total{family="socklens_test_capped_total"}'), [1.0])
        self.assertEqual(q('socklens_series_overflow_total{family="socklens_test_total"}'), [0.0])
        # a family without series is not exposed
        self.assertEqual(q('{__name__="socklens_test_empty_total"}'), [])

    def test_replaced_file_is_seen(self):
        # each write replaces the file; Prometheus follows the new values
        for n in (100, 250):
            self.write(n)
        self.assertEqual(self.rig.values("node_textfile_scrape_error"), [0.0])
        # the rig's directory holds the file and nothing half-written
        self.assertEqual(os.listdir(self.rig.textfile_dir), ["sample.prom"])


class RigCleanupTest(unittest.TestCase):
    def test_stop_removes_everything(self):
        promrig.skip_unless_available()
        with promrig.PromRig() as rig:
            tmp = rig.tmp
            procs = list(rig.procs.values())
            self.assertTrue(os.path.isdir(tmp))
        self.assertFalse(os.path.exists(tmp))
        self.assertTrue(all(p.poll() is not None for p in procs))


if __name__ == "__main__":
    unittest.main()
