/* A tool is a description, run by one lifecycle (tool_main). The
 * description says what the tool is (name, options, examples), what its
 * probe needs from the kernel (fields, probes, mode defines), what a record
 * is (type, size) and how it is shown (columns, row filler, counts). The
 * lifecycle runs every tool in the one safe order:
 *   parse -> validate -> filter -> render text (--ebpf stops) -> privileges
 *   -> compile -> attach -> notes -> output init -> stream -> signals
 *   -> header -> poll -> counts -> end records -> loss summary -> detach.
 * With --read the kernel steps are skipped: the records come from a stream
 * recorded with -o raw. */
#ifndef SOCKLENS_TOOL_H
#define SOCKLENS_TOOL_H

#include "layout.h"
#include "loader.h"
#include "opts.h"
#include "output.h"
#include "recordnames.h"
#include "stream.h"
#include "toolmetrics.h"

/* What a row filler and a tool's hooks see. */
struct tool_env {
	const struct common_opts *o;
	const struct timebase *tb;   /* record times are shown against this */
	bool replay;                 /* --read: the records come from another time, maybe another host */
	void *priv;                  /* the tool's own state */
};

/* -c: a BPF hash of counters, counted in the kernel and printed from user
 * space (common/tool/countwindow.h): once at the end, or every -i window.
 * The value is nvalues u64 counters; the first orders the rows. */
struct count_desc {
	const char *map;
	size_t key_size;
	size_t value_size;           /* bytes of a map value; 0: nvalues u64s */
	int nvalues;                 /* its first nvalues u64s are shown */
	const struct column *cols;
	int ncols;
	int nfields;                 /* fill sets cells 0..nfields-1 */
	/* Optional: the pod of a key's network namespace (podnet), in the name
	 * fields from name_base (recordnames.h) that cols show. */
	uint32_t (*netns)(const void *key);
	/* Or the container of a key's cgroup (tcpclose). */
	uint64_t (*cgroup)(const void *key);
	int name_base;
	/* The cells of one row: key, and the growth of each counter (v[0..nvalues)). */
	void (*fill)(const struct tool_env *env, struct row *row, const void *key, const uint64_t *v);
	/* Optional: false for a field of cols this run's keys do not carry
	 * (its column and key are left out); NULL: every one. */
	bool (*shows)(const struct tool_env *env, int field);
};

struct tool_run;

struct tool {
	const char *name;
	const char *summary;                /* one line: what the tool answers */
	const char *examples;               /* EXAMPLES block of --help */
	const struct tool_option *options;  /* the tool's own; zeroed entry ends */
	const char *const *without;         /* common options it does not take; NULL-terminated */
	/* Its options that shape only event records (columns) or only what is
	 * printed: refused with -c, -i, --metrics-only (tool_desc); or NULL. */
	const char *const *event_columns;
	const char *const *output_shapers;
	void (*handle)(int key, const char *arg, struct common_opts *o, void *priv);
	/* Rules between options (usage_error()); NULL: none. */
	void (*validate)(const struct common_opts *o, void *priv);

	/* The program: embedded text, the kernel fields it declares (generated
	 * from the probe's KFIELD lines), the probes, and the mode defines
	 * (malloc'd; may ask the layout module BTF questions). */
	const char *bpf_text;
	const struct kernel_field *fields;
	const struct probe *probes;
	char *(*defines)(const struct common_opts *o, void *priv);
	const struct loss_map *loss_maps;   /* extra loss counters; NULL: none */
	/* Start-up notes on what this kernel keeps unseen (after attach). */
	void (*notes)(const struct common_opts *o, void *priv);
	/* "Tracing <what>... Ctrl-C to end." (" (counting)" added with -c);
	 * what_of, if set, says it from the options instead. */
	const char *what;
	const char *(*what_of)(const struct common_opts *o);

	/* The record: its size, its columns and the filler of its cells. */
	size_t record_size;
	struct column *columns;
	int ncols;
	int nfields;
	void (*choose_columns)(struct column *cols, int ncols, const struct common_opts *o, void *priv);
	void (*fill)(const struct tool_env *env, const void *rec, struct row *row);
	/* Container and pod names: the first of the NAME_NFIELDS fields of
	 * NAME_COLUMNS(name_base), and whose names a record carries. */
	int name_base;
	enum names_by names_by;

	/* Optional: counts instead of events while *counting (-c) is true;
	 * -i sets it (a window of counts is counting). */
	const struct count_desc *counts;
	bool *counting;
	/* Optional: side records when the run ends (read from the program's maps). */
	void (*at_end)(struct tool_run *run);
	/* --metrics-dir: the tool's Prometheus families (toolmetrics.h). */
	const struct tool_metrics *metrics;

	void *priv;
};

/* Parses, runs and exits with the tool's status (0, 1 runtime, 2 usage). */
int tool_main(const struct tool *t, int argc, char **argv);

/* The record part of a description: TOOL_RECORD(struct x_event, columns, NFIELDS). */
#define TOOL_RECORD(type, cols, n) \
	.record_size = sizeof(type), .columns = (cols), .ncols = (int)(sizeof(cols) / sizeof *(cols)), .nfields = (n)

/* For at_end hooks: the run's output, and a map of the program (-1 if none,
 * and always -1 in a replay). */
struct output *tool_output(struct tool_run *run);
int tool_map_fd(struct tool_run *run, const char *name);
const struct tool_env *tool_env(struct tool_run *run);

#endif
