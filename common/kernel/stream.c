#include "stream.h"

#include "errors.h"
#include "kfeatures.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int deliver(struct stream *s, const void *data, size_t size)
{
	if (s->max_records && s->delivered >= s->max_records)
		return 1;
	s->delivered++;
	return s->fn(s->ctx, data, size);
}

static int on_ring_record(void *ctx, void *data, size_t size)
{
	return deliver(ctx, data, size);
}

static void on_perf_record(void *ctx, int cpu, void *data, __u32 size)
{
	(void)cpu;
	deliver(ctx, data, size);
}

/* A record perf_submit could not place is already counted by the probe
 * (its "lost" map): counting it here too would report it twice. Without a
 * callback libbpf would count nothing either, but say nothing. */
static void on_perf_lost(void *ctx, int cpu, __u64 lost)
{
	(void)ctx, (void)cpu, (void)lost;
}

/* One perf buffer per online CPU, installed in the map by libbpf (an
 * offline CPU has no buffer and emits nothing). */
static void open_perf(struct stream *s, int map_fd, unsigned pages)
{
	s->perf = perf_buffer__new(map_fd, pages, on_perf_record, on_perf_lost, s, NULL);
	if (!s->perf)
		runtime_error("cannot open the perf buffers: %s", strerror(errno));
}

/* Runs of our programs that the kernel skipped (6.7+ counts them): a
 * tracepoint program does not run while another BPF program, or any
 * process's BPF map syscall, holds the same CPU. Each skipped run may be
 * an event lost. */
static void add_counter(struct stream *s, struct stream_counter c)
{
	if (s->ncounters == MAX_STREAM_COUNTERS)
		runtime_error("internal error: more than %d counters (MAX_STREAM_COUNTERS): "
			      "'%s' would go unreported", MAX_STREAM_COUNTERS, c.reason);
	s->counters[s->ncounters++] = c;
}

static void watch_skipped_runs(struct stream *s, const int *prog_fds, const int *nprogs)
{
	add_counter(s, (struct stream_counter){
		.kind = COUNTER_LOST, .fd = -1, .reason = "probe skipped by the kernel", .prog_fds = prog_fds, .nprogs = nprogs});
}

static void watch_counter(struct stream *s, enum counter_kind kind, int fd, const char *reason)
{
	if (fd >= 0)
		add_counter(s, (struct stream_counter){.kind = kind, .fd = fd, .reason = reason});
}

void stream_open(struct stream *s, struct loader *l, bool ring, unsigned pages,
		 uint64_t max_records, const struct loss_map *extra, record_fn fn, void *ctx)
{
	memset(s, 0, sizeof *s);
	s->fn = fn;
	s->ctx = ctx;
	s->max_records = max_records;
	s->ncpus = possible_cpus();
	watch_counter(s, COUNTER_LOST, loader_map_fd(l, "lost"), "buffer full");
	watch_skipped_runs(s, l->prog_fds, &l->nprobes);
	for (const struct loss_map *m = extra; m && m->map; m++)
		watch_counter(s, COUNTER_LOST, loader_map_fd(l, m->map), m->reason);
	/* compiled in only with --rate-limit (probes/ratelimit.bpf.h) */
	watch_counter(s, COUNTER_RATE_LIMITED, loader_map_fd(l, "rate_limited"), "over --rate-limit");
	int fd = loader_map_fd(l, "events");
	if (fd < 0)
		runtime_error("internal error: the program has no events map");
	if (ring) {
		s->ring = ring_buffer__new(fd, on_ring_record, s, NULL);
		if (!s->ring)
			runtime_error("cannot open the ring buffer: %s", strerror(errno));
	} else {
		open_perf(s, fd, pages);
	}
}

int stream_poll(struct stream *s, int timeout_ms)
{
	if (s->ring) {
		int n = ring_buffer__poll(s->ring, timeout_ms);
		return n == 0 ? ring_buffer__consume(s->ring) : n; /* records written without a wake-up */
	}
	return perf_buffer__poll(s->perf, timeout_ms);
}

static uint64_t skipped_runs(const struct stream_counter *c)
{
	uint64_t sum = 0;
	for (int i = 0; i < *c->nprogs; i++) {
		struct bpf_prog_info info = {0};
		uint32_t len = sizeof info;
		if (c->prog_fds[i] >= 0 && bpf_obj_get_info_by_fd(c->prog_fds[i], &info, &len) == 0)
			sum += info.recursion_misses;
	}
	return sum;
}

static uint64_t counter_total(const struct stream *s, const struct stream_counter *c)
{
	if (c->prog_fds)
		return skipped_runs(c);
	int fd = c->fd;
	uint64_t *vals = calloc((size_t)s->ncpus, sizeof *vals), sum = 0;
	int key = 0;
	if (vals && bpf_map_lookup_elem(fd, &key, vals) == 0)
		for (int i = 0; i < s->ncpus; i++)
			sum += vals[i];
	free(vals);
	return sum;
}

void stream_take_counts(struct stream *s, counter_report_fn report, void *ctx)
{
	for (int i = 0; i < s->ncounters; i++) {
		struct stream_counter *c = &s->counters[i];
		uint64_t total = counter_total(s, c);
		uint64_t n = total - c->seen;
		c->seen = total;
		if (n)
			report(ctx, c->kind, c->reason, n);
	}
}

uint64_t stream_total(const struct stream *s, enum counter_kind kind)
{
	uint64_t sum = 0;
	for (int i = 0; i < s->ncounters; i++)
		if (s->counters[i].kind == kind)
			sum += s->counters[i].seen;
	return sum;
}

void stream_close(struct stream *s)
{
	ring_buffer__free(s->ring);
	perf_buffer__free(s->perf);
	memset(s, 0, sizeof *s);
}
