/* --metrics-dir DIR: a tool's Prometheus metrics, written as exposition
 * text to DIR/<tool>.prom for node_exporter's textfile collector (the tool
 * opens no port), every --metrics-interval seconds and when it ends.
 *
 * Where the numbers come from: the tool's program sums every event the
 * filters pass into BPF hashes keyed by label set (probes/metrics.bpf.h),
 * before any rate limit or sampling; each interval the tool's update hook
 * reads those hashes whole and rebuilds its families from them (zero, then
 * add), so a value is exactly the kernel's sum since the tool started.
 * Lost and rate-limited events come from the stream's own counters.
 *
 * Labels: "pod", "namespace" and "container" name the container of the
 * cgroup (TCP tools) or the pod of the network namespace (podnet), as the
 * records' names do (docs/json.md); empty (absent, for Prometheus) for a
 * host process or what cannot be named. A cgroup's names, once found, are
 * kept for it (up to METRICS_NAMES_KEPT cgroups), so that a container that
 * exited does not move its counts to the host's series. */
#ifndef SOCKLENS_TOOLMETRICS_H
#define SOCKLENS_TOOLMETRICS_H

#include "opts.h"
#include "registry.h"
#include "resolver.h"
#include "stream.h"

#include <stddef.h>
#include <stdint.h>

#define METRICS_NAMES_KEPT 1024
#define METRICS_DEFAULT_INTERVAL 15.0 /* seconds: a common scrape interval */
#define METRICS_DEFAULT_MAX_SERIES 2000

/* The name labels every tool's families end with. */
#define METRICS_NAME_LABELS "pod", "namespace", "container"
enum { METRICS_NNAME_LABELS = 3 };

/* A histogram the program sums in the kernel: its bucket macro
 * (<macro>(v) is v's bucket index), its bounds in the family's unit, and
 * how many kernel units make one (1e9: ns for seconds). */
struct metrics_histogram {
	const char *macro;
	const double *bounds;
	size_t nbounds;
	double kernel_units;
};

struct metrics_run;
struct tool_run;

/* What a tool adds: its histograms' macros, its families (registered once
 * at start), and the update that reads its sums each interval. */
struct tool_metrics {
	const struct metrics_histogram *histograms; /* zeroed entry ends; NULL: none */
	void (*setup)(struct metrics_run *m, struct metric_registry *r, const struct common_opts *o, void *priv);
	void (*update)(struct metrics_run *m, struct tool_run *run, void *priv);
};

/* The #defines the program needs with --metrics-dir (malloc'd). */
char *metrics_defines(const struct tool_metrics *tm);

/* Opens DIR/<tool>.prom's directory and registers the families: a bad
 * directory is a usage error (exit 2), said before anything is compiled.
 * names: NULL with --no-names (every name label empty). */
struct metrics_run *metrics_open(const struct tool_metrics *tm, const char *tool, const struct common_opts *o,
				 void *priv);
void metrics_set_resolver(struct metrics_run *m, struct identity_resolver *names);
/* The names that label a cgroup's series (pod, namespace, container; ""
 * when none): valid until the next call. */
const char *const *metrics_cgroup_names(struct metrics_run *m, uint64_t cgroup_id);
/* The same for a network namespace (podnet): its pod; container only when
 * the namespace holds one container. */
const char *const *metrics_netns_names(struct metrics_run *m, uint64_t netns);
/* Seconds between writes (--metrics-interval or the default). */
double metrics_interval(const struct metrics_run *m);
/* The configured cap on series per family (--metrics-max-series). */
size_t metrics_max_series(const struct metrics_run *m);

/* Writes the file if an interval has passed since the last write (or
 * always, with force; the run loop's tick every metrics_interval() forces):
 * reads the tool's sums and the stream's counters. A
 * failed write is said on stderr once per kind of failure, and retried at
 * the next interval: the tool goes on tracing. */
void metrics_tick(struct metrics_run *m, struct tool_run *run, const struct stream *s, double now_s, bool force);
void metrics_close(struct metrics_run *m);

#endif
