/* metrics_sample DIR N: writes DIR/sample.prom through the metrics module
 * with values the tests know, for promtool (tests/unit/promtool_check.sh)
 * and for the real Prometheus (tests/integration/test_metrics_rig.py):
 *   socklens_test_total{result="ok"}                  N
 *   socklens_test_total{result=<hostile bytes>}       2   label value: a"b\c<newline>d é
 *   socklens_test_latency_seconds                     observations 0.0005 0.002 0.005 0.05 2
 *                                                     bounds 0.001 0.01 0.1 1
 *   socklens_test_queue_ratio                         0.25
 *   socklens_test_capped_total{raddr=...}             cap 2, three addresses: overflow 1
 *   socklens_test_empty_total                         no series: not in the file
 * Exit status 0, or 1 with the module's message on stderr. */
#include "metrics/textfile.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: metrics_sample DIR N\n");
		return 2;
	}
	struct metric_registry *r = metric_registry_new();
	const char *const result[] = {"result", NULL};
	struct metric_family *total = metric_counter(r, "socklens_test_total", "Test counter.", result, 10);
	metric_counter_set(metric_series(total, (const char *const[]){"ok"}), strtoull(argv[2], NULL, 10));
	metric_counter_add(metric_series(total, (const char *const[]){"a\"b\\c\nd \xc3\xa9"}), 2);

	const double bounds[] = {0.001, 0.01, 0.1, 1};
	struct metric_family *lat = metric_histogram(r, "socklens_test_latency_seconds", "Test latency.",
						      NULL, bounds, 4, 1);
	const double obs[] = {0.0005, 0.002, 0.005, 0.05, 2};
	for (int i = 0; i < 5; i++)
		metric_histogram_observe(metric_series(lat, NULL), obs[i]);

	metric_gauge_set(metric_series(metric_gauge(r, "socklens_test_queue_ratio", "Test gauge.", NULL, 1),
					NULL), 0.25);

	struct metric_family *capped = metric_counter(r, "socklens_test_capped_total", "Test cap.",
						       (const char *const[]){"raddr", NULL}, 2);
	const char *const addrs[] = {"127.0.0.1", "127.0.0.2", "127.0.0.3"};
	for (int i = 0; i < 3; i++)
		metric_counter_add(metric_series(capped, &addrs[i]), 1);
	metric_counter(r, "socklens_test_empty_total", "No series.", result, 10);

	char err[512];
	struct metric_textfile *t = metric_textfile_open(argv[1], "sample", err, sizeof err);
	if (!t || metric_textfile_write(t, r, err, sizeof err) != 0) {
		fprintf(stderr, "metrics_sample: %s\n", err);
		return 1;
	}
	metric_textfile_close(t);
	metric_registry_free(r);
	return 0;
}
