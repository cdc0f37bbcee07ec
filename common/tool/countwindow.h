/* The -c tables: what a tool's count map (struct count_desc) gained in a
 * window of time. Without -i there is one window, the whole run, printed
 * at the end; with -i SECONDS [COUNT] one every SECONDS (a run-loop tick),
 * the last (partial) one when the run ends, unless COUNT windows already
 * made the run complete. Every row carries its window's start and end
 * (window_start, window_end: RFC 3339 wall clock, as events' time); text
 * shows them once per window, in a line above its table, with -i. */
#ifndef SOCKLENS_COUNTWINDOW_H
#define SOCKLENS_COUNTWINDOW_H

#include "counts.h"
#include "tool.h"

#define COUNT_MAX_COLUMNS 32

struct count_window {
	const struct count_desc *c;
	const struct tool_env *env;
	struct output *out;
	struct identity_resolver *resolver;  /* NULL: no names */
	int fd;
	int windows;                         /* -i given: a text line per window */
	uint64_t limit, printed;             /* windows to print (0: no limit), printed so far */
	uint64_t start_wall_ns;              /* the current window's start */
	struct count_table then;             /* the map as read at that start */
	struct column cols[COUNT_MAX_COLUMNS];
	struct record_kind kind;
	bool shown[ROW_MAX_FIELDS];
	struct row row;
};

/* Starts the first window now (tb's start). fd: the count map; interval:
 * the -i seconds (0: one window, the whole run); limit: windows before the
 * run ends (0: none); resolver: names for a count_desc with netns (NULL:
 * none, its name columns are dropped). Exits on a description that does
 * not fit (more than COUNT_MAX_COLUMNS columns, ROW_MAX_FIELDS fields). */
void count_window_start(struct count_window *w, const struct count_desc *c, const struct tool_env *env,
			struct output *out, int fd, double interval, uint64_t limit,
			struct identity_resolver *resolver);

/* Ends the current window now and prints it (a struct tick's fn); ends
 * the run (run_stop) when it is the limit's last. */
void count_window_tick(void *w);

/* When the run ends: prints the last window, unless the limit was reached. */
void count_window_end(struct count_window *w);

void count_window_free(struct count_window *w);

#endif
