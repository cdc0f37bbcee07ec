#include "countwindow.h"

#include "clock.h"
#include "errors.h"
#include "runloop.h"
#include "tcpfields.h"

#include <string.h>

/* Beside the tool's own: the window of every row (JSON and CSV keys). */
enum { W_START, W_END, W_NFIELDS };

/* The text line above a window's table (-i): one text cell, no header. */
static const struct column window_line_columns[] = {{"", -1, NULL, true, 0}};
static const struct record_kind window_line = {window_line_columns, 1, FORMAT_BIT(OUT_TEXT), 0, NULL};

void count_window_start(struct count_window *w, const struct count_desc *c, const struct tool_env *env,
			struct output *out, int fd, double interval, uint64_t limit,
			struct identity_resolver *resolver)
{
	int base = c->nfields;
	if (c->ncols + W_NFIELDS > COUNT_MAX_COLUMNS || base + W_NFIELDS > ROW_MAX_FIELDS)
		runtime_error("internal error: %d count columns, %d fields: more than COUNT_MAX_COLUMNS (%d) "
			      "or ROW_MAX_FIELDS (%d)", c->ncols, base, COUNT_MAX_COLUMNS, ROW_MAX_FIELDS);
	*w = (struct count_window){.c = c, .env = env, .out = out, .fd = fd, .windows = interval > 0,
				   .limit = limit, .resolver = c->netns || c->cgroup ? resolver : NULL};
	memcpy(w->cols, c->cols, (size_t)c->ncols * sizeof *c->cols);
	w->cols[c->ncols] = (struct column){NULL, 0, "window_start", false, base + W_START};
	w->cols[c->ncols + 1] = (struct column){NULL, 0, "window_end", false, base + W_END};
	int ncols = c->ncols + W_NFIELDS;
	if (!w->resolver && (c->netns || c->cgroup)) /* --no-names: no name columns, no name keys */
		for (int f = c->name_base; f < c->name_base + NAME_NFIELDS; f++)
			columns_drop(w->cols, ncols, f);
	for (int i = 0; c->shows && i < c->ncols; i++)
		if (!c->shows(env, c->cols[i].field))
			columns_drop(w->cols, ncols, c->cols[i].field);
	w->kind = (struct record_kind){w->cols, ncols, ALL_FORMATS & ~FORMAT_BIT(OUT_RAW), 0, NULL};
	output_fields_shown(out, &w->kind, w->shown, base + W_NFIELDS);
	w->start_wall_ns = timebase_wall(env->tb, env->tb->start_mono_ns);
	/* the first window holds everything counted since the probes were attached */
	w->then = (struct count_table){.key_size = c->key_size, .nvalues = c->nvalues};
}

static void text_line(struct count_window *w, const char *s)
{
	struct cell cell = cell_str(s);
	output_record(w->out, &window_line, &cell);
}

/* Text, -i: a blank line between windows, then "HH:MM:SS to HH:MM:SS"
 * (local time), as bcc's top tools head each interval with the time. */
static void window_heading(struct count_window *w, uint64_t end_wall_ns)
{
	char from[TIME_TEXT_LEN], to[TIME_TEXT_LEN], line[2 * TIME_TEXT_LEN + 8];
	if (!w->windows)
		return;
	if (w->printed)
		text_line(w, "");
	fmt_clock(from, sizeof from, w->start_wall_ns);
	fmt_clock(to, sizeof to, end_wall_ns);
	snprintf(line, sizeof line, "%s to %s", from, to);
	text_line(w, line);
}

static void print_row(struct count_window *w, const struct count_entry *e, const char *start, const char *end)
{
	const struct count_desc *c = w->c;
	row_reset(&w->row, w->shown, c->nfields + W_NFIELDS);
	c->fill(w->env, &w->row, e->key, e->v);
	if (w->resolver) {
		/* the names as they are now: the window has just ended */
		struct event_head h = {.ts_ns = clock_mono_ns()};
		if (c->netns)
			h.netns = c->netns(e->key);
		else
			h.cgroup_id = c->cgroup(e->key);
		names_fill(w->resolver, &h, c->netns ? NAMES_BY_NETNS : NAMES_BY_CGROUP, &w->row, c->name_base);
	}
	w->row.cells[c->nfields + W_START] = cell_str(start);
	w->row.cells[c->nfields + W_END] = cell_str(end);
	output_record(w->out, &w->kind, w->row.cells);
}

/* Prints what the map gained since the window's start, ending it now. */
static void print_window(struct count_window *w)
{
	struct count_table now, gained;
	uint64_t end_wall_ns = timebase_wall(w->env->tb, clock_mono_ns());
	counts_read(w->fd, w->c->key_size, w->c->value_size, w->c->nvalues, &now);
	counts_since(&now, &w->then, &gained);
	char start[TIME_TEXT_LEN], end[TIME_TEXT_LEN];
	fmt_rfc3339(start, sizeof start, w->start_wall_ns);
	fmt_rfc3339(end, sizeof end, end_wall_ns);
	window_heading(w, end_wall_ns);
	/* text heads every window's table; CSV has one header for the stream */
	if (w->out->format == OUT_TEXT || w->printed == 0)
		output_header(w->out, &w->kind);
	for (size_t i = 0; i < gained.n; i++)
		print_row(w, &gained.rows[i], start, end);
	counts_free(&gained);
	counts_free(&w->then);
	w->then = now;
	w->start_wall_ns = end_wall_ns;
	w->printed++;
	output_flush(w->out);
}

static bool complete(const struct count_window *w)
{
	return w->limit && w->printed >= w->limit;
}

void count_window_tick(void *ctx)
{
	struct count_window *w = ctx;
	if (complete(w))
		return;
	print_window(w);
	if (complete(w))
		run_stop();
}

void count_window_end(struct count_window *w)
{
	if (!complete(w))
		print_window(w);
}

void count_window_free(struct count_window *w)
{
	counts_free(&w->then);
}
