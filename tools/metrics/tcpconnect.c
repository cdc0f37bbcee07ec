/* tcpconnect's metrics: every attempt by result, and how long the
 * handshake took, per container. The kernel sums them per (cgroup, result)
 * (probes/tcpconnect.bpf.c, METRICS). */
#include "metrics.h"

#include "errors.h"
#include "fmt.h"
#include "mapwalk.h"
#include "tcpconnect.h"
#include "tool.h"

#define LABELS "result", METRICS_NAME_LABELS
static bool raddr_label; /* --metrics-raddr */

/* seconds: loopback handshakes take tens of microseconds, a SYN lost
 * once waits 1 s, and Linux gives up after about 127 s */
static const double latency_bounds[TCPCONNECT_LATENCY_BUCKETS - 1] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
	0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 130,
};

static const struct metrics_histogram histograms[] = {
	{"CONNECT_LATENCY_BUCKET", latency_bounds, TCPCONNECT_LATENCY_BUCKETS - 1, 1e9},
	{0},
};

static struct metric_family *connects, *latency;

static void setup(struct metrics_run *m, struct metric_registry *r, const struct common_opts *o, void *priv)
{
	(void)priv;
	size_t cap = metrics_max_series(m);
	raddr_label = o->metrics_raddr;
	const char *const *labels = raddr_label ? (const char *const[]){LABELS, "raddr", NULL}
						: (const char *const[]){LABELS, NULL};
	connects = metric_counter(r, "socklens_tcp_connects_total",
				  "TCP connect attempts by how they resolved: established, refused, timeout, reset, "
				  "aborted, or the error connect() returned.",
				  labels, cap);
	latency = metric_histogram(r, "socklens_tcp_connect_latency_seconds",
				   "From connect() to the handshake's resolution, for attempts seen from their start.",
				   labels, latency_bounds,
				   TCPCONNECT_LATENCY_BUCKETS - 1, cap);
	if (!connects || !latency)
		runtime_error("internal error: tcpconnect's metric families cannot be registered");
}

static void add_entry(const void *key, const void *value, void *ctx)
{
	const struct tcpconnect_metric_key *k = key;
	const struct tcpconnect_metric *v = value;
	const char *const *names = metrics_cgroup_names(ctx, k->cgroup_id);
	char raddr[ADDR_TEXT_LEN];
	fmt_addr(raddr, sizeof raddr, k->family, k->raddr);
	const char *const labels[] = {tcpconnect_result_name(k->result, k->error), names[0], names[1], names[2],
				      raddr};
	metric_counter_add(metric_series(connects, labels), v->connects);
	metric_histogram_add(metric_series(latency, labels), (const uint64_t *)v->latency_buckets, v->latency_ns_sum / 1e9);
}

static void update(struct metrics_run *m, struct tool_run *run, void *priv)
{
	(void)priv;
	metric_family_zero(connects);
	metric_family_zero(latency);
	map_walk(tool_map_fd(run, "connect_metrics"), sizeof(struct tcpconnect_metric_key),
		 sizeof(struct tcpconnect_metric), add_entry, m);
}

const struct tool_metrics tcpconnect_metrics = {histograms, setup, update};
