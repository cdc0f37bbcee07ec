/* The exposition text: escaping of label values and help, deterministic
 * order whatever the order of registration and updates, cumulative histogram
 * buckets ending in +Inf, numbers that read back exactly. */
#include "check.h"
#include "render.h"

#include "metrics/registry.h"

#include <math.h>
#include <string.h>

static void escaping(void)
{
	struct metric_registry *r = metric_registry_new();
	struct metric_family *f = metric_counter(r, "socklens_esc_total", "help with \\ and\nnewline \"kept\"",
						  (const char *const[]){"comm", NULL}, 10);
	metric_counter_add(metric_series(f, (const char *const[]){"a\"b\\c\nd"}), 1);
	metric_counter_add(metric_series(f, (const char *const[]){"caf\xc3\xa9 \xff\xfe"}), 2);
	metric_counter_add(metric_series(f, (const char *const[]){""}), 3);
	char *text = render(r);
	CHECK_STR(text,
		  "# HELP socklens_esc_total help with \\\\ and\\nnewline \"kept\"\n"
		  "# TYPE socklens_esc_total counter\n"
		  "socklens_esc_total{comm=\"\"} 3\n"
		  "socklens_esc_total{comm=\"a\\\"b\\\\c\\nd\"} 1\n"
		  /* valid UTF-8 kept, invalid bytes become U+FFFD */
		  "socklens_esc_total{comm=\"caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd\"} 2\n"
		  OVERFLOW_HEAD
		  "socklens_series_overflow_total{family=\"socklens_esc_total\"} 0\n");
	free(text);
	metric_registry_free(r);
}

/* The same content registered and updated in two different orders. */
static char *ordered(bool reverse)
{
	struct metric_registry *r = metric_registry_new();
	const char *const labels[] = {"pod", "result", NULL};
	struct metric_family *z = NULL, *a = NULL;
	if (reverse) {
		z = metric_gauge(r, "socklens_z_ratio", "z", (const char *const[]){NULL}, 10);
		a = metric_counter(r, "socklens_a_total", "a", labels, 10);
	} else {
		a = metric_counter(r, "socklens_a_total", "a", labels, 10);
		z = metric_gauge(r, "socklens_z_ratio", "z", (const char *const[]){NULL}, 10);
	}
	const char *const rows[][2] = {{"web", "ok"}, {"db", "refused"}, {"db", "ok"}, {"api", "timeout"}};
	for (int i = 0; i < 4; i++) {
		int k = reverse ? 3 - i : i;
		metric_counter_add(metric_series(a, rows[k]), (uint64_t)k + 1);
	}
	metric_gauge_set(metric_series(z, NULL), 0.25);
	/* a family without series is left out */
	metric_counter(r, "socklens_empty_total", "empty", labels, 10);
	char *text = render(r);
	metric_registry_free(r);
	return text;
}

static void order(void)
{
	char *one = ordered(false), *two = ordered(true);
	CHECK_STR(one, two);
	CHECK_STR(one,
		  "# HELP socklens_a_total a\n"
		  "# TYPE socklens_a_total counter\n"
		  "socklens_a_total{pod=\"api\",result=\"timeout\"} 4\n"
		  "socklens_a_total{pod=\"db\",result=\"ok\"} 3\n"
		  "socklens_a_total{pod=\"db\",result=\"refused\"} 2\n"
		  "socklens_a_total{pod=\"web\",result=\"ok\"} 1\n"
		  OVERFLOW_HEAD
		  "socklens_series_overflow_total{family=\"socklens_a_total\"} 0\n"
		  "socklens_series_overflow_total{family=\"socklens_empty_total\"} 0\n"
		  "socklens_series_overflow_total{family=\"socklens_z_ratio\"} 0\n"
		  "# HELP socklens_z_ratio z\n"
		  "# TYPE socklens_z_ratio gauge\n"
		  "socklens_z_ratio 0.25\n");
	free(one);
	free(two);
}

static void histograms(void)
{
	struct metric_registry *r = metric_registry_new();
	const double bounds[] = {0.001, 0.01, 0.1, 1};
	struct metric_family *h = metric_histogram(r, "socklens_lat_seconds", "latency",
						    (const char *const[]){"result", NULL}, bounds, 4, 10);
	struct metric_series *ok = metric_series(h, (const char *const[]){"ok"});
	/* 0.001 is in le="0.001" (upper bounds are inclusive); 2 only in +Inf */
	const double obs[] = {0.0005, 0.001, 0.005, 0.05, 2};
	for (int i = 0; i < 5; i++)
		metric_histogram_observe(ok, obs[i]);
	/* totals from elsewhere (a kernel map): per bucket, not cumulative */
	metric_histogram_set(metric_series(h, (const char *const[]){"refused"}), (uint64_t[]){0, 2, 0, 1, 4}, 12.5);
	struct metric_family *nolabel = metric_histogram(r, "socklens_size_bytes", "sizes", NULL,
							  (double[]){1024}, 1, 1);
	metric_histogram_observe(metric_series(nolabel, NULL), 100);
	char *text = render(r);
	CHECK_STR(text,
		  "# HELP socklens_lat_seconds latency\n"
		  "# TYPE socklens_lat_seconds histogram\n"
		  "socklens_lat_seconds_bucket{result=\"ok\",le=\"0.001\"} 2\n"
		  "socklens_lat_seconds_bucket{result=\"ok\",le=\"0.01\"} 3\n"
		  "socklens_lat_seconds_bucket{result=\"ok\",le=\"0.1\"} 4\n"
		  "socklens_lat_seconds_bucket{result=\"ok\",le=\"1\"} 4\n"
		  "socklens_lat_seconds_bucket{result=\"ok\",le=\"+Inf\"} 5\n"
		  "socklens_lat_seconds_sum{result=\"ok\"} 2.0565\n"
		  "socklens_lat_seconds_count{result=\"ok\"} 5\n"
		  "socklens_lat_seconds_bucket{result=\"refused\",le=\"0.001\"} 0\n"
		  "socklens_lat_seconds_bucket{result=\"refused\",le=\"0.01\"} 2\n"
		  "socklens_lat_seconds_bucket{result=\"refused\",le=\"0.1\"} 2\n"
		  "socklens_lat_seconds_bucket{result=\"refused\",le=\"1\"} 3\n"
		  "socklens_lat_seconds_bucket{result=\"refused\",le=\"+Inf\"} 7\n"
		  "socklens_lat_seconds_sum{result=\"refused\"} 12.5\n"
		  "socklens_lat_seconds_count{result=\"refused\"} 7\n"
		  OVERFLOW_HEAD
		  "socklens_series_overflow_total{family=\"socklens_lat_seconds\"} 0\n"
		  "socklens_series_overflow_total{family=\"socklens_size_bytes\"} 0\n"
		  "# HELP socklens_size_bytes sizes\n"
		  "# TYPE socklens_size_bytes histogram\n"
		  "socklens_size_bytes_bucket{le=\"1024\"} 1\n"
		  "socklens_size_bytes_bucket{le=\"+Inf\"} 1\n"
		  "socklens_size_bytes_sum 100\n"
		  "socklens_size_bytes_count 1\n");
	free(text);
	metric_registry_free(r);
}

static void numbers(void)
{
	struct metric_registry *r = metric_registry_new();
	struct metric_family *g = metric_gauge(r, "socklens_n_ratio", "n", (const char *const[]){"k", NULL}, 10);
	struct metric_family *c = metric_counter(r, "socklens_big_total", "big", NULL, 1);
	metric_gauge_set(metric_series(g, (const char *const[]){"a"}), 0.1);
	metric_gauge_set(metric_series(g, (const char *const[]){"b"}), 1e-9);
	metric_gauge_set(metric_series(g, (const char *const[]){"c"}), -INFINITY);
	metric_gauge_set(metric_series(g, (const char *const[]){"d"}), NAN);
	metric_gauge_set(metric_series(g, (const char *const[]){"e"}), 1.0 / 3);
	metric_counter_set(metric_series(c, NULL), UINT64_MAX); /* exact, not a rounded double */
	char *text = render(r);
	CHECK(strstr(text, "socklens_n_ratio{k=\"a\"} 0.1\n"));
	CHECK(strstr(text, "socklens_n_ratio{k=\"b\"} 1e-09\n"));
	CHECK(strstr(text, "socklens_n_ratio{k=\"c\"} -Inf\n"));
	CHECK(strstr(text, "socklens_n_ratio{k=\"d\"} NaN\n"));
	CHECK(strstr(text, "socklens_n_ratio{k=\"e\"} 0.3333333333333333\n"));
	CHECK(strstr(text, "socklens_big_total 18446744073709551615\n"));
	free(text);
	metric_registry_free(r);
}

int main(void)
{
	escaping();
	order();
	histograms();
	numbers();
	return CHECK_DONE();
}
