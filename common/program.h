/* The steps every tool's main() takes to get from options to attached
 * probes: assemble the BPF text (--ebpf stops there), then load it. */
#ifndef NETTRACE_PROGRAM_H
#define NETTRACE_PROGRAM_H

#include "layout.h"
#include "loader.h"
#include "opts.h"

struct program {
	char *text;           /* the final BPF C text */
	bool real_headers;    /* no BTF: compile against the kernel's own headers */
	bool ring;            /* ring buffer (else per-CPU perf buffer) */
};

/* Builds the text from the tool's mode defines, the kernel layout of fields,
 * the template and the filter. With --ebpf prints it and exits 0. */
void program_build(struct program *p, const struct common_opts *o, const char *tool_defines,
		   const struct kernel_field *fields, const char *template_text);

/* Checks privileges, compiles, attaches every probe the program has. */
void program_load(struct program *p, struct loader *l, const struct probe *probes,
		  const struct common_opts *o);

#endif
