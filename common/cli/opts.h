/* Options every tool shares, and the table-driven parser that also takes
 * each tool's own options, so --help lists both from one description. */
#ifndef SOCKLENS_OPTS_H
#define SOCKLENS_OPTS_H

#include "filter.h"
#include "format.h"
#include "match.h"

#include <stdbool.h>
#include <stdint.h>

#define MAX_NAME_QUERIES 8

struct common_opts {
	struct filter_spec filter;   /* -p -u -4 -6 --netns --cgroup (tools add ports) */
	enum out_format format;
	enum time_column time;
	bool no_header;
	bool verbose;
	bool ebpf;
	bool perf_buffer;            /* force the perf buffer even where a ring buffer exists */
	bool no_kprobes;             /* tracepoints only, even where kprobes exist */
	bool no_tp_btf;              /* raw tracepoints untyped, even where the kernel types them (tp_btf) */
	bool no_cache;               /* --no-cache: compile, do not use or store the compiled program */
	unsigned buffer_pages;       /* ring (or per-CPU perf) buffer size in pages */
	double duration;             /* seconds, 0 = until Ctrl-C */
	uint64_t max_events;         /* 0 = unlimited */
	uint32_t rate_limit;         /* --rate-limit: records per second out of the kernel, 0 = no limit */
	double interval;             /* -i: seconds a window of counts lasts, 0 = none (one table at exit) */
	uint64_t interval_count;     /* -i's optional count: windows before the run ends, 0 = unlimited */
	const char *read;            /* --read FILE ("-": stdin): replay a raw stream, no kernel */
	/* --container, --pod: matched again every second (common/tool/namefilter.c) */
	struct identity_query queries[MAX_NAME_QUERIES];
	int nqueries;
	bool names_text;             /* --names: POD and CONTAINER text columns */
	bool no_names;               /* --no-names: no resolution, no name keys */
	const char *metrics_dir;     /* --metrics-dir: Prometheus textfile directory, NULL: none */
	double metrics_interval;     /* --metrics-interval seconds, 0: the default */
	uint64_t metrics_max_series; /* --metrics-max-series, 0: the default */
	bool metrics_only;           /* --metrics-only: no event records at all */
	bool metrics_raddr;          /* --metrics-raddr: a raddr label (tcpconnect, tcpclose) */
	/* The first option given that shapes only event records, or only what
	 * is printed (tool_desc), as typed ("-t", "--names"); "": none. */
	char shapes_events[32];
	char shapes_output[32];
	/* The counting option as typed, for messages: "-i" when only -i asked
	 * for counts, else "-c" (set by the tool runner before validate). */
	const char *count_option;
};

/* A tool-specific option. key is the short option character, or a value
 * >= 256 for long-only options. arg is the argument's name, NULL if none. */
struct tool_option {
	const char *long_name;
	int key;
	const char *arg;
	const char *help;
};

struct tool_desc {
	const char *name;
	const char *summary;          /* one line: what the tool answers */
	const char *examples;         /* EXAMPLES block, one example per line */
	const struct tool_option *options;  /* terminated by a zeroed entry */
	const char *const *without;   /* common options (long names) it does not take; NULL-terminated */
	/* Handles one of the tool's options; calls usage_error() on bad input. */
	void (*handle)(int key, const char *arg, struct common_opts *o, void *ctx);
	void *ctx;
	/* Long names of its options that shape only event records (columns),
	 * or only what is printed (a format): refused in a mode with nothing of
	 * that to shape (-c, -i, --metrics-only); NULL-terminated, or NULL. */
	const char *const *event_columns;
	const char *const *output_shapers;
};

/* A tool's port option: a comma-separated list appended to one of the
 * filter's port lists (at most FILTER_MAX_PORTS in all). */
void add_ports(const char *opt, const char *arg, uint32_t *ports, int *n);

/* The output format chosen by opt (-j, -o, a tool's own shortcut such as
 * tcpclose's -s): a usage error if another option chose a different one. */
void choose_format(struct common_opts *o, const char *opt, enum out_format f);

/* Parses argv into *o and the tool's own context; exits on --help,
 * --version and on any usage error (--read with a kernel filter is one).
 * The one positional argument is -i's count, as bcc's top tools take
 * "interval count"; without -i any positional argument is an error. */
void parse_options(int argc, char **argv, const struct tool_desc *tool, struct common_opts *o);

#endif
