#include "runloop.h"

#include "errors.h"
#include "clock.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

void run_stop(void)
{
	stop_requested = 1;
}

void signals_install(void)
{
	struct sigaction sa = {.sa_handler = on_stop};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

void announce_tracing(const char *what)
{
	fprintf(stderr, "Tracing %s... Ctrl-C to end.\n", what);
}

/* A counter grew: its record, where it happened in the stream. */
static void report_count(void *ctx, enum counter_kind kind, const char *reason, uint64_t n)
{
	if (kind == COUNTER_RATE_LIMITED)
		output_rate_limited(ctx, n);
	else
		output_lost(ctx, n, reason);
}

/* The poll's timeout in ms: at most 100, and no later than the next
 * deadline (due seconds since the start) */
static int until(int timeout, double due, double now)
{
	double left_ms = (due - now) * 1000;
	if (left_ms < timeout)
		timeout = left_ms > 0 ? (int)left_ms + 1 : 0;
	return timeout;
}

static void run_due_ticks(struct tick *ticks, int nticks, double now)
{
	for (int i = 0; i < nticks && !stop_requested; i++) {
		struct tick *t = &ticks[i];
		if (now < t->next)
			continue;
		t->fn(t->ctx);
		t->next += t->every;
		if (t->next <= now) /* fell behind (a stopped process, a slow tick) */
			t->next = now + t->every;
	}
}

void run_until_done(struct stream *s, struct output *o, double duration, uint64_t max_events,
		    const struct timebase *tb, struct tick *ticks, int nticks)
{
	double last_loss_check = 0, started = clock_elapsed(tb);
	for (int i = 0; i < nticks; i++)
		ticks[i].next = started + ticks[i].every;
	while (!stop_requested) {
		int timeout = 100;
		double now = clock_elapsed(tb);
		if (duration > 0) {
			if (duration - now <= 0)
				break;
			timeout = until(timeout, duration, now);
		}
		for (int i = 0; i < nticks; i++)
			timeout = until(timeout, ticks[i].next, now);
		int n = stream_poll(s, timeout);
		if (n < 0 && errno != EINTR && !(max_events && s->delivered >= max_events))
			runtime_error("reading events failed: %s", strerror(errno));
		/* the counters are read by BPF syscalls, during which the kernel
		 * skips tracepoint programs on this CPU: a few times a second */
		now = clock_elapsed(tb);
		if (now - last_loss_check >= 0.1 || n == 0) {
			stream_take_counts(s, report_count, o);
			last_loss_check = now;
			output_check_reader(o);
		}
		output_flush(o);
		if (max_events && s->delivered >= max_events)
			break;
		run_due_ticks(ticks, nticks, now);
	}
	while (stream_poll(s, 0) > 0 && !(max_events && s->delivered >= max_events))
		; /* what is still in the buffer is delivered, not dropped */
	stream_take_counts(s, report_count, o);
	output_flush(o);
}

void report_loss_summary(const struct stream *s, uint32_t rate_limit)
{
	for (int i = 0; i < s->ncounters; i++) {
		uint64_t n = s->counters[i].seen;
		if (n && s->counters[i].kind == COUNTER_LOST)
			note("%llu events lost in all (%s)%s", (unsigned long long)n, s->counters[i].reason,
			     i == 0 ? ": the reader fell behind; a larger --buffer-pages helps" : "");
	}
	uint64_t held = stream_total(s, COUNTER_RATE_LIMITED);
	if (held)
		note("%llu events suppressed in all by --rate-limit %u/s", (unsigned long long)held, rate_limit);
}
