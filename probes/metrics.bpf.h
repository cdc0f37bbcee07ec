/* --metrics-dir: the sums the kernel keeps for Prometheus, per label set
 * (a cgroup and a result, a listening port, a netns and a drop reason...).
 * Each tool's program declares its own hash of sums and adds to it where a
 * record is complete, before any rate limit or sampling: metrics see every
 * event the filters pass. User space reads the hashes each interval and
 * never deletes from them, so every sum is "since the tool started".
 *
 * A new entry is copied from a one-entry zeroed array of the value type (a
 * histogram's value is too large for the BPF stack). A full hash is
 * counted as lost (count_one/count_lost), never silent.
 *
 * User space defines METRICS, METRICS_MAX_ENTRIES, and for each histogram
 * <NAME>_BUCKET(v): the index of the first bucket whose bound holds v,
 * written from the same bounds the Prometheus family is registered with
 * (common/tool/toolmetrics.c), so the two never disagree. */
#ifndef METRICS_MAX_ENTRIES
#define METRICS_MAX_ENTRIES 16384
#endif

/* n more into a sum other CPUs may add to at the same time. */
#define METRIC_ADD(field, n) __sync_fetch_and_add(&(field), (n))
