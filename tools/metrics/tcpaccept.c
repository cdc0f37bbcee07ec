/* tcpaccept's metrics: accepts per listening port and container, and how
 * full the accept queue was when each accept took a connection from it.
 * The kernel sums them per (cgroup, listening port) (probes/tcpaccept.bpf.c,
 * METRICS). */
#include "metrics.h"

#include "errors.h"
#include "mapwalk.h"
#include "tcpaccept.h"
#include "tool.h"

#include <stdio.h>

/* the queue's length over its limit (the listen() backlog); over 1: full */
static const double fill_bounds[TCPACCEPT_FILL_BUCKETS - 1] = {0.1, 0.25, 0.5, 0.75, 0.9, 1};

static const struct metrics_histogram histograms[] = {
	{"ACCEPT_FILL_BUCKET", fill_bounds, TCPACCEPT_FILL_BUCKETS - 1, 1000000}, /* ppm */
	{0},
};

static struct metric_family *accepts, *full, *fill;

static void setup(struct metrics_run *m, struct metric_registry *r, const struct common_opts *o, void *priv)
{
	(void)o, (void)priv;
	size_t cap = metrics_max_series(m);
	const char *const labels[] = {"lport", METRICS_NAME_LABELS, NULL};
	accepts = metric_counter(r, "socklens_tcp_accepts_total",
				 "TCP connections accepted, by listening port.", labels, cap);
	full = metric_counter(r, "socklens_tcp_accept_queue_full_total",
			      "Accepts that found the listener's accept queue over its limit (listen()'s backlog): "
			      "the kernel was refusing new connections.", labels, cap);
	fill = metric_histogram(r, "socklens_tcp_accept_queue_fill_ratio",
				"Connections waiting in the accept queue divided by its limit (listen()'s backlog) when an "
				"accept took one; over 1 while the kernel refused new connections.",
				labels, fill_bounds, TCPACCEPT_FILL_BUCKETS - 1, cap);
	if (!accepts || !full || !fill)
		runtime_error("internal error: tcpaccept's metric families cannot be registered");
}

static void add_entry(const void *key, const void *value, void *ctx)
{
	const struct tcpaccept_metric_key *k = key;
	const struct tcpaccept_metric *v = value;
	const char *const *n = metrics_cgroup_names(ctx, k->cgroup_id);
	char port[8];
	snprintf(port, sizeof port, "%u", k->lport);
	const char *const labels[] = {port, n[0], n[1], n[2]};
	metric_counter_add(metric_series(accepts, labels), v->accepts);
	metric_counter_add(metric_series(full, labels), v->queue_full);
	metric_histogram_add(metric_series(fill, labels), (const uint64_t *)v->fill_buckets,
			     v->fill_ppm_sum / 1e6);
}

static void update(struct metrics_run *m, struct tool_run *run, void *priv)
{
	(void)priv;
	metric_family_zero(accepts);
	metric_family_zero(full);
	metric_family_zero(fill);
	map_walk(tool_map_fd(run, "accept_metrics"), sizeof(struct tcpaccept_metric_key),
		 sizeof(struct tcpaccept_metric), add_entry, m);
}

const struct tool_metrics tcpaccept_metrics = {histograms, setup, update};
