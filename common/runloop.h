/* Signals and the poll loop every tool ends in. */
#ifndef SOCKLENS_RUNLOOP_H
#define SOCKLENS_RUNLOOP_H

#include "opts.h"
#include "output.h"
#include "stream.h"

/* SIGINT/SIGTERM end the loop; SIGPIPE is turned into a quiet exit when a
 * write fails. SIGHUP keeps whatever disposition we were started with. */
void signals_install(void);

/* "Tracing ... Ctrl-C to end." on stderr, once everything is attached. */
void announce_tracing(const char *what);

/* Polls until Ctrl-C, --duration, --max-events or a reader that went away.
 * Reports losses as they happen; flushes output after every batch. */
void run_until_done(struct stream *s, struct output *o, const struct common_opts *opts);

/* Flushes stdout; a closed pipe ends the tool quietly with status 0. */
void flush_or_exit(FILE *f);

/* The closing line on stderr when anything was lost. */
void report_loss_summary(const struct stream *s);

#endif
