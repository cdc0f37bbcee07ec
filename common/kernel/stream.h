/* The kernel-to-user event stream: a BPF ring buffer, or per-CPU perf
 * buffers on kernels without one, plus exact accounting for both of the
 * records that did not arrive: lost, or held back by --rate-limit. */
#ifndef SOCKLENS_STREAM_H
#define SOCKLENS_STREAM_H

#include "loader.h"

#include <bpf/libbpf.h>
#include <stddef.h>
#include <stdint.h>

/* Called for each record; returns nonzero to stop reading. */
typedef int (*record_fn)(void *ctx, const void *data, size_t size);

/* What a counter counts. Both are records the probes made that did not
 * reach user space: events + lost + rate limited = what the probes made. */
enum counter_kind {
	COUNTER_LOST,            /* could not be delivered or kept (a full buffer or table, a skipped run) */
	COUNTER_RATE_LIMITED,    /* held back in the kernel by --rate-limit */
};

/* A per-CPU counter the kernel side bumps for each record it could not
 * deliver or keep, or held back, reported with its reason. */
struct stream_counter {
	enum counter_kind kind;
	int fd;                     /* per-CPU counter map; -1 for skipped_runs */
	const char *reason;
	uint64_t seen;              /* total already reported */
	const int *prog_fds;        /* skipped_runs: the programs whose runs are summed */
	const int *nprogs;
};

#define MAX_STREAM_COUNTERS 6

struct stream {
	struct ring_buffer *ring;   /* libbpf's; NULL on the perf buffer */
	struct perf_buffer *perf;
	struct stream_counter counters[MAX_STREAM_COUNTERS];
	int ncounters;
	int ncpus;
	uint64_t delivered;
	uint64_t max_records;       /* 0: unlimited */
	record_fn fn;
	void *ctx;
};

/* Another per-CPU counter map of the program to report, e.g. a full
 * per-socket table; lists end with a zeroed entry. */
struct loss_map {
	const char *map;
	const char *reason;
};

/* Uses the program's "events" map (ring buffer or perf array), its "lost"
 * per-CPU counter ("buffer full"), the runs the kernel skipped, its
 * "rate_limited" counter if it has one (--rate-limit), and the extra loss
 * counters (NULL: none). */
void stream_open(struct stream *s, struct loader *l, bool ring, unsigned pages,
		 uint64_t max_records, const struct loss_map *extra, record_fn fn, void *ctx);
/* Waits up to timeout_ms and delivers what arrived; -1 on error (errno). */
int stream_poll(struct stream *s, int timeout_ms);
/* Reads every counter (BPF syscalls: call it a few times a second, not per
 * record) and calls report(ctx, kind, reason, n) for each that grew since
 * the last call, n being the growth in records. */
typedef void (*counter_report_fn)(void *ctx, enum counter_kind kind, const char *reason, uint64_t n);
void stream_take_counts(struct stream *s, counter_report_fn report, void *ctx);
/* Records of one kind counted since the stream opened, as of the last
 * stream_take_counts() (what has been reported): all counters of that kind
 * summed. For the exit summary and the metrics (socklens_events_lost_total,
 * socklens_events_rate_limited_total). */
uint64_t stream_total(const struct stream *s, enum counter_kind kind);
void stream_close(struct stream *s);

#endif
