/* podnet's metrics, per pod: packet events by kind and device, drops by
 * reason, resets and retransmits, and what --sample passed over. Read from
 * the same kernel counts as -c (probes/podnet.bpf.c, COUNT_PACKETS), made
 * after the filters and before the sampling: they see every packet event
 * the filters pass. */
#include "metrics.h"

#include "errors.h"
#include "mapwalk.h"
#include "podnet.h"
#include "tool.h"

#include <stdio.h>

#define POD "pod", "namespace"

static struct metric_family *packets, *drops, *resets, *retransmits, *sampled_out;

static void setup(struct metrics_run *m, struct metric_registry *r, const struct common_opts *o, void *priv)
{
	(void)o, (void)priv;
	size_t cap = metrics_max_series(m);
	packets = metric_counter(r, "socklens_pod_packets_total",
				 "Packet events by kind (rx, deliver, tx, xmit, forward, drop, reset, retransmit; "
				 "with -c or --metrics-only, rx and xmit only where --events names them) and device; a "
				 "packet passing several hooks counts at each.",
				 (const char *const[]){"event", "device", POD, NULL}, cap);
	drops = metric_counter(r, "socklens_pod_packet_drops_total",
			       "Packets the kernel freed as dropped, by drop reason (empty before Linux 5.17).",
			       (const char *const[]){"reason", POD, NULL}, cap);
	resets = metric_counter(r, "socklens_pod_tcp_resets_total", "TCP RSTs sent or received.",
				(const char *const[]){POD, NULL}, cap);
	retransmits = metric_counter(r, "socklens_pod_tcp_retransmits_total", "TCP segments sent again.",
				     (const char *const[]){POD, NULL}, cap);
	sampled_out = metric_counter(r, "socklens_events_sampled_out_total",
				     "Events --sample kept from the output (the metrics count them all).",
				     (const char *const[]){"tool", NULL}, 1);
	if (!packets || !drops || !resets || !retransmits || !sampled_out)
		runtime_error("internal error: podnet's metric families cannot be registered");
}

struct walk {
	struct metrics_run *m;
	const struct tool_env *env;
};

static void add_entry(const void *key, const void *value, void *ctx)
{
	const struct walk *w = ctx;
	const struct podnet_count_key *k = key;
	const struct podnet_count_value *v = value;
	const char *const *n = metrics_netns_names(w->m, k->netns);
	char device[IFNAMSIZ + 1], rbuf[24];
	snprintf(device, sizeof device, "%.*s", IFNAMSIZ, k->ifname);
	metric_counter_add(metric_series(packets, (const char *const[]){podnet_event_name(k->event), device, n[0], n[1]}),
			   v->packets);
	const char *const pod[] = {n[0], n[1]};
	if (k->event == EVENT_DROP) {
		const char *reason = podnet_reason_name(w->env, k->reason, rbuf, sizeof rbuf);
		metric_counter_add(metric_series(drops, (const char *const[]){reason, n[0], n[1]}), v->packets);
	} else if (k->event == EVENT_RESET) {
		metric_counter_add(metric_series(resets, pod), v->packets);
	} else if (k->event == EVENT_RETRANSMIT) {
		metric_counter_add(metric_series(retransmits, pod), v->packets);
	}
}

static void update(struct metrics_run *m, struct tool_run *run, void *priv)
{
	(void)priv;
	struct metric_family *all[] = {packets, drops, resets, retransmits};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		metric_family_zero(all[i]);
	struct walk w = {m, tool_env(run)};
	map_walk(tool_map_fd(run, "packet_counts"), sizeof(struct podnet_count_key),
		 sizeof(struct podnet_count_value), add_entry, &w);
	uint64_t skipped[2];
	if (podnet_skipped(run, skipped))
		metric_counter_set(metric_series(sampled_out, (const char *const[]){"podnet"}), skipped[1]);
}

const struct tool_metrics podnet_metrics = {NULL, setup, update};
