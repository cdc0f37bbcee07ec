/* The life of a tool's BPF program, the same in every tool's main():
 * build the text (--ebpf stops there), start (privileges, compile, attach,
 * open the event stream), run (header, "Tracing...", poll), close. */
#ifndef SOCKLENS_PROGRAM_H
#define SOCKLENS_PROGRAM_H

#include "layout.h"
#include "loader.h"
#include "opts.h"
#include "output.h"
#include "stream.h"

struct program {
	const char *tool;
	char *text;           /* the final BPF C text */
	bool real_headers;    /* no BTF: compile against the kernel's own headers */
	bool ring;            /* ring buffer (else per-CPU perf buffer) */
	struct loader loader;
	struct stream stream;
};

/* Builds the text from the tool's mode defines, the kernel layout of fields,
 * the template and the filter. With --ebpf prints it and exits 0. */
void program_build(struct program *p, const char *tool, const struct common_opts *o,
		   const char *tool_defines, const struct kernel_field *fields,
		   const char *template_text);

/* Checks privileges, compiles, attaches every probe the program has, opens
 * the event stream (records go to fn), then frees the compiler's memory. */
void program_start(struct program *p, const struct probe *probes, const struct common_opts *o,
		   record_fn fn, void *ctx);

/* Header (or raw stream header), "Tracing <what>... Ctrl-C to end.", then
 * events until the user or a limit ends it. */
void program_run(struct program *p, struct output *out, const struct common_opts *o,
		 size_t record_size, const char *what);

/* A map of the program (e.g. "counts"); -1 if it has none. */
int program_map_fd(struct program *p, const char *name);

/* The loss summary, then detaches everything. */
void program_close(struct program *p);

#endif
