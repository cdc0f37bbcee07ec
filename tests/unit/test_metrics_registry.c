/* The metric registry: Prometheus naming rules enforced at registration,
 * one series per label-value tuple, and the series cap with its counted
 * overflow. */
#include "check.h"
#include "render.h"

#include "metrics/registry.h"

#include <errno.h>
#include <string.h>

static const char *const no_labels[] = {NULL};

static void names(void)
{
	CHECK(metric_name_valid("socklens_tcp_connects_total", METRIC_COUNTER));
	CHECK(metric_name_valid("socklens_tcp_rtt_seconds", METRIC_HISTOGRAM));
	CHECK(metric_name_valid("socklens_accept_queue_length", METRIC_GAUGE));
	CHECK(!metric_name_valid("socklens_tcp_connects", METRIC_COUNTER));        /* no _total */
	CHECK(!metric_name_valid("socklens_tcp_rtt_seconds_total", METRIC_GAUGE)); /* _total on a gauge */
	CHECK(!metric_name_valid("tcp_connects_total", METRIC_COUNTER));           /* no prefix */
	CHECK(!metric_name_valid("socklens_", METRIC_GAUGE));
	CHECK(!metric_name_valid("socklens_TcpConnects_total", METRIC_COUNTER));   /* not snake_case */
	CHECK(!metric_name_valid("socklens_tcp__connects_total", METRIC_COUNTER));
	CHECK(!metric_name_valid("socklens_tcp-connects_total", METRIC_COUNTER));
	CHECK(!metric_name_valid("socklens_rtt_us", METRIC_HISTOGRAM));            /* scaled units */
	CHECK(!metric_name_valid("socklens_duration_milliseconds", METRIC_HISTOGRAM));
	CHECK(!metric_name_valid("socklens_sent_kb_total", METRIC_COUNTER));
	CHECK(!metric_name_valid("socklens_rtt_count", METRIC_HISTOGRAM));         /* clashes with _count */
	CHECK(metric_label_name_valid("result", METRIC_COUNTER));
	CHECK(metric_label_name_valid("le", METRIC_COUNTER));
	CHECK(!metric_label_name_valid("le", METRIC_HISTOGRAM));
	CHECK(!metric_label_name_valid("__name__", METRIC_COUNTER));
	CHECK(!metric_label_name_valid("Pod", METRIC_COUNTER));
	CHECK(!metric_label_name_valid("", METRIC_COUNTER));
}

static void registration_errors(void)
{
	struct metric_registry *r = metric_registry_new();
	CHECK(metric_counter(r, "socklens_a_total", "a", no_labels, 10) != NULL);
	errno = 0;
	CHECK(metric_counter(r, "socklens_a_total", "again", no_labels, 10) == NULL);
	CHECK_EQ(errno, EEXIST);
	errno = 0;
	CHECK(metric_counter(r, METRIC_OVERFLOW_FAMILY, "taken by the registry", no_labels, 10) == NULL);
	CHECK_EQ(errno, EEXIST);
	errno = 0;
	CHECK(metric_counter(r, "socklens_b", "no _total", no_labels, 10) == NULL);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK(metric_counter(r, "socklens_c_total", "cap 0", no_labels, 0) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK(metric_counter(r, "socklens_d_total", "twice the same label",
			     (const char *const[]){"pod", "pod", NULL}, 10) == NULL);
	const char *const nine[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", NULL};
	CHECK(metric_counter(r, "socklens_e_total", "too many labels", nine, 10) == NULL);
	CHECK(metric_histogram(r, "socklens_f_seconds", "le is reserved",
			       (const char *const[]){"le", NULL}, (double[]){1}, 1, 10) == NULL);
	CHECK(metric_histogram(r, "socklens_g_seconds", "bounds not increasing", no_labels,
			       (double[]){1, 1}, 2, 10) == NULL);
	CHECK(metric_histogram(r, "socklens_h_seconds", "infinite bound", no_labels,
			       (double[]){1, 1.0 / 0.0}, 2, 10) == NULL);
	CHECK(metric_histogram(r, "socklens_i_seconds", "fine", no_labels, (double[]){0.5, 1}, 2, 10) != NULL);
	metric_registry_free(r);
}

static void series_identity(void)
{
	struct metric_registry *r = metric_registry_new();
	struct metric_family *f = metric_counter(r, "socklens_x_total", "x",
						  (const char *const[]){"a", "b", NULL}, 1000);
	struct metric_series *s1 = metric_series(f, (const char *const[]){"ab", "c"});
	struct metric_series *s2 = metric_series(f, (const char *const[]){"a", "bc"});
	CHECK(s1 && s2 && s1 != s2);
	CHECK(metric_series(f, (const char *const[]){"ab", "c"}) == s1);
	/* many series: lookups stay right across the table's growth */
	char buf[16];
	struct metric_series *first = NULL;
	for (int i = 0; i < 500; i++) {
		snprintf(buf, sizeof buf, "%d", i);
		struct metric_series *s = metric_series(f, (const char *const[]){buf, "y"});
		metric_counter_add(s, (uint64_t)i);
		if (i == 0)
			first = s;
	}
	CHECK(metric_series(f, (const char *const[]){"0", "y"}) == first);
	metric_counter_add(metric_series(f, (const char *const[]){"499", "y"}), 1);
	char *text = render(r);
	CHECK(strstr(text, "socklens_x_total{a=\"499\",b=\"y\"} 500\n") != NULL);
	CHECK(strstr(text, "socklens_x_total{a=\"ab\",b=\"c\"} 0\n") != NULL);
	free(text);
	/* a series of another type ignores updates of this one */
	metric_gauge_set(first, 7);
	metric_histogram_observe(first, 7);
	metric_counter_set(first, 3);
	text = render(r);
	CHECK(strstr(text, "socklens_x_total{a=\"0\",b=\"y\"} 3\n") != NULL);
	free(text);
	metric_registry_free(r);
}

static void cap_and_overflow(void)
{
	struct metric_registry *r = metric_registry_new();
	struct metric_family *capped = metric_counter(r, "socklens_capped_total", "capped at 2",
						      (const char *const[]){"raddr", NULL}, 2);
	struct metric_family *other = metric_counter(r, "socklens_other_total", "never full", no_labels, 5);
	CHECK(metric_series(capped, (const char *const[]){"10.0.0.1"}) != NULL);
	CHECK(metric_series(capped, (const char *const[]){"10.0.0.2"}) != NULL);
	errno = 0;
	CHECK(metric_series(capped, (const char *const[]){"10.0.0.3"}) == NULL);
	CHECK_EQ(errno, 0); /* not an error: counted */
	metric_counter_add(metric_series(capped, (const char *const[]){"10.0.0.4"}), 5); /* NULL: no-op */
	/* existing series are still found and updated at the cap */
	metric_counter_add(metric_series(capped, (const char *const[]){"10.0.0.1"}), 9);
	metric_counter_add(metric_series(other, NULL), 1);
	char *text = render(r);
	CHECK_STR(text,
		  "# HELP socklens_capped_total capped at 2\n"
		  "# TYPE socklens_capped_total counter\n"
		  "socklens_capped_total{raddr=\"10.0.0.1\"} 9\n"
		  "socklens_capped_total{raddr=\"10.0.0.2\"} 0\n"
		  "# HELP socklens_other_total never full\n"
		  "# TYPE socklens_other_total counter\n"
		  "socklens_other_total 1\n"
		  OVERFLOW_HEAD
		  "socklens_series_overflow_total{family=\"socklens_capped_total\"} 2\n"
		  "socklens_series_overflow_total{family=\"socklens_other_total\"} 0\n");
	free(text);
	/* the next snapshot of the same entries: the same count, not one more
	 * per interval */
	metric_family_zero(capped);
	for (int i = 1; i <= 4; i++) {
		char addr[16];
		snprintf(addr, sizeof addr, "10.0.0.%d", i);
		metric_counter_add(metric_series(capped, (const char *const[]){addr}), 1);
	}
	text = render(r);
	CHECK(strstr(text, "socklens_series_overflow_total{family=\"socklens_capped_total\"} 2\n") != NULL);
	CHECK(strstr(text, "socklens_capped_total{raddr=\"10.0.0.1\"} 1\n") != NULL);
	free(text);
	metric_registry_free(r);
}

int main(void)
{
	names();
	registration_errors();
	series_identity();
	cap_and_overflow();
	return CHECK_DONE();
}
