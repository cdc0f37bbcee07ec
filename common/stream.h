/* The kernel-to-user event stream: a BPF ring buffer, or per-CPU perf
 * buffers on kernels without one, plus exact loss accounting for both. */
#ifndef NETTRACE_STREAM_H
#define NETTRACE_STREAM_H

#include "loader.h"

#include <stddef.h>
#include <stdint.h>

/* Called for each record; returns nonzero to stop reading. */
typedef int (*record_fn)(void *ctx, const void *data, size_t size);

struct stream {
	void *ring;                 /* struct ring_buffer * */
	void **readers;             /* struct perf_reader *[nreaders] */
	int nreaders;
	int lost_fd;                /* per-CPU counter of failed ring buffer reservations */
	int ncpus;
	uint64_t lost_kernel_seen;  /* kernel counter total already reported */
	uint64_t lost_perf;         /* perf buffer losses from the lost callback */
	uint64_t lost_perf_seen;
	uint64_t delivered;
	uint64_t max_records;       /* 0: unlimited */
	record_fn fn;
	void *ctx;
};

/* Uses the program's "events" map (ring buffer or perf array) and its
 * "lost" per-CPU counter. */
void stream_open(struct stream *s, struct loader *l, bool ring, unsigned pages,
		 uint64_t max_records, record_fn fn, void *ctx);
/* Waits up to timeout_ms and delivers what arrived; -1 on error (errno). */
int stream_poll(struct stream *s, int timeout_ms);
/* Records lost since the last call (kernel counter and perf callback). */
uint64_t stream_take_losses(struct stream *s);
uint64_t stream_total_losses(const struct stream *s);
void stream_close(struct stream *s);

#endif
