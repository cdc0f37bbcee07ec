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

/* Work done between polls every `every` seconds (the name filter's
 * refresh each second, a -i window). Due times follow a fixed schedule from
 * the run's start (every, 2 * every, ...), so a window does not drift by the
 * poll's latency; a tick that fell more than one period behind skips to
 * the next due time rather than running twice in a row. */
struct tick {
	void (*fn)(void *ctx);
	void *ctx;
	double every;        /* seconds, > 0 */
	double next;         /* due, in seconds since tb's start; set by run_until_done */
};

/* Polls until Ctrl-C, duration seconds since tb's start (0: none),
 * max_events (0: none), run_stop() or a reader that went away. Reports
 * losses and records held back by --rate-limit as they happen; flushes
 * output after every batch; runs each of the nticks ticks when due. */
void run_until_done(struct stream *s, struct output *o, double duration, uint64_t max_events,
		    const struct timebase *tb, struct tick *ticks, int nticks);

/* Ends the run as Ctrl-C does (a tick's way to say the run is complete,
 * e.g. the -i count of windows reached); safe from a signal handler. */
void run_stop(void);

/* The closing lines on stderr when anything was lost or held back by
 * --rate-limit (rate_limit: its value, records per second). */
void report_loss_summary(const struct stream *s, uint32_t rate_limit);

#endif
