/* The kernel-to-user event stream: a BPF ring buffer, or per-CPU perf
 * buffers on kernels without one, plus exact loss accounting for both. */
#ifndef SOCKLENS_STREAM_H
#define SOCKLENS_STREAM_H

#include "loader.h"

#include <stddef.h>
#include <stdint.h>

/* Called for each record; returns nonzero to stop reading. */
typedef int (*record_fn)(void *ctx, const void *data, size_t size);

/* A per-CPU counter the kernel side bumps for each record it could not
 * deliver or keep, reported with its reason. */
struct loss_counter {
	int fd;                     /* per-CPU counter map; -1 for skipped_runs */
	const char *reason;
	uint64_t seen;              /* total already reported */
	const int *prog_fds;        /* skipped_runs: the programs whose runs are summed */
	const int *nprogs;
};

#define MAX_LOSS_COUNTERS 4

struct stream {
	void *ring;                 /* struct ring_buffer * */
	void **readers;             /* struct perf_reader *[nreaders] */
	int nreaders;
	struct loss_counter counters[MAX_LOSS_COUNTERS];
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
 * per-CPU counter ("buffer full"), the runs the kernel skipped, and the
 * extra counters (NULL: none). */
void stream_open(struct stream *s, struct loader *l, bool ring, unsigned pages,
		 uint64_t max_records, const struct loss_map *extra, record_fn fn, void *ctx);
/* Waits up to timeout_ms and delivers what arrived; -1 on error (errno). */
int stream_poll(struct stream *s, int timeout_ms);
/* Calls report(reason, n) for every counter that grew since the last call. */
void stream_take_losses(struct stream *s, void (*report)(void *ctx, const char *reason, uint64_t n),
			void *ctx);
void stream_close(struct stream *s);

#endif
