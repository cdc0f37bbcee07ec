/* A registry of metric families: counters, gauges and histograms, each with
 * a fixed list of label names, holding one series per distinct tuple of label
 * values. Nothing here reads the kernel or the clock: a value is exactly what
 * the caller added or set. The tools feed it counts read from their BPF maps,
 * which are cumulative since the tool started, so a counter's value is
 * "since tool start" and Prometheus sees a counter reset when a tool
 * restarts, as it should.
 *
 * Series cap. Labels such as a remote address or a pod name can take many
 * values; each family has a cap on its distinct series (max_series). A
 * lookup that would create a series past the cap creates nothing and adds 1
 * to socklens_series_overflow_total{family="<name>"}. The tools rebuild each
 * family from a snapshot of a kernel map every interval (metric_family_zero,
 * then one lookup per map entry), and zeroing a family zeroes its overflow
 * count too: the counter is then the number of map entries the latest
 * snapshot could not place. The maps never drop an entry, so it only grows,
 * and only when traffic makes new entries (not once per interval). Series
 * are kept from the interval that first made them: which label sets fit is
 * decided as they appear. The overflow family is part of every registry; its
 * series for a family exists, at 0, from the family's registration, so
 * "increase(...) > 0" alerts work from the first scrape.
 *
 * Errors: registration returns NULL with errno EINVAL (a name against
 * naming.h's rules, a bad label list or histogram bounds, max_series 0),
 * EEXIST (the name is taken) or ENOMEM. Those are programming errors caught
 * by the tests; a tool stops on them at start-up.
 *
 * Not thread-safe: one thread owns a registry (the tool's poll loop). */
#ifndef SOCKLENS_METRICS_REGISTRY_H
#define SOCKLENS_METRICS_REGISTRY_H

#include "naming.h"

#include <stddef.h>
#include <stdint.h>

/* Labels per family, and buckets per histogram (+Inf not counted). */
#define METRIC_MAX_LABELS 8
#define METRIC_MAX_BUCKETS 64

#define METRIC_OVERFLOW_FAMILY "socklens_series_overflow_total"

struct metric_registry;
struct metric_family;
struct metric_series;

struct metric_registry *metric_registry_new(void); /* NULL: out of memory */
void metric_registry_free(struct metric_registry *r);

/* Registers a family. labels: NULL-terminated list of label names (NULL or
 * {NULL} for none), copied; help: one line for "# HELP" (any bytes,
 * escaped on output), copied. The family lives as long as the registry. */
struct metric_family *metric_counter(struct metric_registry *r, const char *name, const char *help,
				     const char *const *labels, size_t max_series);
struct metric_family *metric_gauge(struct metric_registry *r, const char *name, const char *help,
				   const char *const *labels, size_t max_series);
/* bounds: the buckets' upper bounds ("le"), nbounds <= METRIC_MAX_BUCKETS of
 * them, finite and strictly increasing, in the family's unit (seconds,
 * bytes); copied. A +Inf bucket is always added. */
struct metric_family *metric_histogram(struct metric_registry *r, const char *name, const char *help,
				       const char *const *labels, const double *bounds, size_t nbounds,
				       size_t max_series);

/* The series of f whose label values are values[0..n-1], n being the number
 * of f's label names (in the same order; non-NULL strings of any bytes,
 * copied on creation).
 * Created at 0 on first use. NULL when f is at its cap (counted, see above)
 * or out of memory (errno ENOMEM, not counted). Every update below accepts
 * NULL and does nothing, so a caller writes
 *     metric_counter_add(metric_series(f, values), n);
 * A series stays until the registry is freed: Prometheus expects a series
 * to keep existing once exposed. */
struct metric_series *metric_series(struct metric_family *f, const char *const *values);

/* Updates to a series of another type than the function's are ignored. */

/* Counters. */
void metric_counter_add(struct metric_series *s, uint64_t n);
/* Sets the counter to a total kept elsewhere (a kernel map's count since
 * tool start). Counters only grow: a smaller total is what Prometheus takes
 * for a restart, so pass the kernel's total as it is. */
void metric_counter_set(struct metric_series *s, uint64_t total);

/* Gauges: a value that goes up and down (queue length, series in use). */
void metric_gauge_set(struct metric_series *s, double v);

/* Histograms. One observation of v (in the family's unit): it lands in the
 * first bucket with v <= bound, or +Inf. */
void metric_histogram_observe(struct metric_series *s, double v);
/* Sets the whole histogram from totals kept elsewhere (a kernel map):
 * per_bucket[i] is the number of observations in bucket i alone (not
 * cumulative; nbounds + 1 entries, the last one the +Inf bucket), sum their
 * total in the family's unit. The exposition makes the buckets cumulative. */
void metric_histogram_set(struct metric_series *s, const uint64_t *per_bucket, double sum);
/* The same, added to what the histogram holds: totals of several kernel
 * map entries that share one label set (two cgroups of one container). */
void metric_histogram_add(struct metric_series *s, const uint64_t *per_bucket, double sum);

/* Sets every series of f back to 0; the series stay (still exposed). A
 * tool that rebuilds a family from a kernel map each interval zeroes it,
 * then adds each entry's totals, so entries that share a label set sum up
 * and every value is again exactly the map's. */
void metric_family_zero(struct metric_family *f);

#endif
