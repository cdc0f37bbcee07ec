/* Options every tool shares, and the table-driven parser that also takes
 * each tool's own options, so --help lists both from one description. */
#ifndef SOCKLENS_OPTS_H
#define SOCKLENS_OPTS_H

#include "filter.h"

#include <stdbool.h>
#include <stdint.h>

enum out_format { OUT_TEXT, OUT_JSON, OUT_CSV, OUT_RAW };
enum time_column { TIME_NONE, TIME_SINCE_START, TIME_OF_DAY };

struct common_opts {
	struct filter_spec filter;   /* -p -u -4 -6 --netns --cgroup (tools add ports) */
	enum out_format format;
	enum time_column time;
	bool no_header;
	bool verbose;
	bool ebpf;
	bool perf_buffer;            /* force the perf buffer even where a ring buffer exists */
	bool no_kprobes;             /* tracepoints only, even where kprobes exist */
	unsigned buffer_pages;       /* ring (or per-CPU perf) buffer size in pages */
	double duration;             /* seconds, 0 = until Ctrl-C */
	uint64_t max_events;         /* 0 = unlimited */
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
	void (*handle)(int key, const char *arg, void *ctx);
	void *ctx;
};

/* Parses argv into *o and the tool's own context; exits on --help,
 * --version and on any usage error. */
void parse_options(int argc, char **argv, const struct tool_desc *tool, struct common_opts *o);

/* The netns inode of a /proc/PID/ns/net or /run/netns/NAME file (exits 2 if not one). */
uint32_t netns_inode_of(const char *opt, const char *path);
/* The cgroup v2 id of a cgroup directory (exits 2 if not one). */
uint64_t cgroup_id_of(const char *opt, const char *path);

#endif
