/* tcpclose's metrics: connections closed by who closed them, the bytes
 * each way, retransmits, RTT and lifetime, per container. The kernel sums
 * them per (cgroup, closed_by) (probes/tcpclose.bpf.c, METRICS). */
#include "metrics.h"

#include "errors.h"
#include "fmt.h"
#include "mapwalk.h"
#include "tcpclose.h"
#include "tool.h"

#define NAMES METRICS_NAME_LABELS
static bool raddr_label; /* --metrics-raddr */

/* seconds: the smoothed RTT at close (loopback ~10 us, a region ~1 ms,
 * across the world ~300 ms) */
static const double rtt_bounds[TCPCLOSE_RTT_BUCKETS - 1] = {
	0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
};
/* seconds: a request's connection to a day-long stream */
static const double duration_bounds[TCPCLOSE_DURATION_BUCKETS - 1] = {
	0.001, 0.01, 0.1, 1, 10, 60, 300, 1800, 3600, 21600, 86400,
};

static const struct metrics_histogram histograms[] = {
	{"CLOSE_RTT_BUCKET", rtt_bounds, TCPCLOSE_RTT_BUCKETS - 1, 1e6},
	{"CLOSE_DURATION_BUCKET", duration_bounds, TCPCLOSE_DURATION_BUCKETS - 1, 1e9},
	{0},
};

static struct metric_family *closes, *sent, *received, *retransmits, *rtt, *duration;

static void setup(struct metrics_run *m, struct metric_registry *r, const struct common_opts *o, void *priv)
{
	(void)priv;
	size_t cap = metrics_max_series(m);
	raddr_label = o->metrics_raddr;
	/* the raddr label, when asked for, comes last (NULL ends the list otherwise) */
	const char *const by[] = {"closed_by", NAMES, raddr_label ? "raddr" : NULL, NULL};
	const char *const names[] = {NAMES, raddr_label ? "raddr" : NULL, NULL};
	closes = metric_counter(r, "socklens_tcp_closes_total",
				"TCP connections closed, by who closed them: local, remote, reset (either side) "
				"or unknown.", by, cap);
	sent = metric_counter(r, "socklens_tcp_sent_bytes_total",
			      "Payload bytes of closed connections the peer acknowledged.", names, cap);
	received = metric_counter(r, "socklens_tcp_received_bytes_total",
				  "Payload bytes closed connections received.", names, cap);
	retransmits = metric_counter(r, "socklens_tcp_retransmits_total",
				     "Segments closed connections sent again (tcp_sock.total_retrans).", names, cap);
	rtt = metric_histogram(r, "socklens_tcp_rtt_seconds",
			       "Smoothed round-trip time of each connection when it closed.", names, rtt_bounds,
			       TCPCLOSE_RTT_BUCKETS - 1, cap);
	duration = metric_histogram(r, "socklens_tcp_connection_duration_seconds",
				    "Lifetime of each closed connection whose opening was seen.", names,
				    duration_bounds, TCPCLOSE_DURATION_BUCKETS - 1, cap);
	if (!closes || !sent || !received || !retransmits || !rtt || !duration)
		runtime_error("internal error: tcpclose's metric families cannot be registered");
}

static void add_entry(const void *key, const void *value, void *ctx)
{
	const struct tcpclose_metric_key *k = key;
	const struct tcpclose_metric *v = value;
	const char *const *n = metrics_cgroup_names(ctx, k->cgroup_id);
	char raddr[ADDR_TEXT_LEN];
	fmt_addr(raddr, sizeof raddr, k->family, k->raddr);
	const char *const names[] = {n[0], n[1], n[2], raddr};
	const char *const by[] = {tcpclose_closed_by_name(k->closed_by), n[0], n[1], n[2], raddr};
	metric_counter_add(metric_series(closes, by), v->closes);
	metric_counter_add(metric_series(sent, names), v->tx_bytes);
	metric_counter_add(metric_series(received, names), v->rx_bytes);
	metric_counter_add(metric_series(retransmits, names), v->retransmits);
	metric_histogram_add(metric_series(rtt, names), (const uint64_t *)v->rtt_buckets, v->srtt_us_sum / 1e6);
	metric_histogram_add(metric_series(duration, names), (const uint64_t *)v->duration_buckets,
			     v->duration_ns_sum / 1e9);
}

static void update(struct metrics_run *m, struct tool_run *run, void *priv)
{
	(void)priv;
	struct metric_family *all[] = {closes, sent, received, retransmits, rtt, duration};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		metric_family_zero(all[i]);
	map_walk(tool_map_fd(run, "close_metrics"), sizeof(struct tcpclose_metric_key),
		 sizeof(struct tcpclose_metric), add_entry, m);
}

const struct tool_metrics tcpclose_metrics = {histograms, setup, update};
