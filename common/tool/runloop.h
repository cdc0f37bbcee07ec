/* Signals and the poll loop every tool ends in. */
#ifndef SOCKLENS_RUNLOOP_H
#define SOCKLENS_RUNLOOP_H

#include "fmt.h"
#include "output.h"
#include "stream.h"

/* SIGINT/SIGTERM end the loop; SIGPIPE is turned into a quiet exit when a
 * write fails. SIGHUP keeps whatever disposition we were started with. */
void signals_install(void);

/* "Tracing ... Ctrl-C to end." on stderr, once everything is attached. */
void announce_tracing(const char *what);

/* Work done about once a second between polls (the name filter's refresh). */
struct tick {
	void (*fn)(void *ctx);
	void *ctx;
};

/* Polls until Ctrl-C, duration seconds since tb's start (0: none),
 * max_events (0: none) or a reader that went away. Reports losses and
 * records held back by --rate-limit as they happen; flushes output after
 * every batch; runs tick (if fn) every second. */
void run_until_done(struct stream *s, struct output *o, double duration, uint64_t max_events,
		    const struct timebase *tb, const struct tick *tick);

/* The closing lines on stderr when anything was lost or held back by
 * --rate-limit (rate_limit: its value, records per second). */
void report_loss_summary(const struct stream *s, uint32_t rate_limit);

#endif
