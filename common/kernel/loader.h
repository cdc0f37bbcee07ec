/* libbcc in one place: compile the program text, load and attach the
 * probes the running kernel supports, hand out map fds, detach on exit. */
#ifndef SOCKLENS_LOADER_H
#define SOCKLENS_LOADER_H

#include <stdbool.h>

enum probe_kind { PROBE_TRACEPOINT, PROBE_RAW_TRACEPOINT, PROBE_KPROBE, PROBE_KRETPROBE };

struct probe {
	enum probe_kind kind;
	const char *target;   /* "category:name" for tracepoints, else the kernel name */
	const char *fn;       /* BPF function; a probe whose function the text did not
	                       * compile (#if'd out for this mode) is skipped */
	bool optional;        /* missing in the kernel: say so once, go on */
	const char *covers;   /* what is not seen without it (for that note; NULL: no note) */
};

/* Entries of a tool's probe table, named after the function the BPF text
 * defines for each (bcc's TRACEPOINT_PROBE(cat, name) defines
 * tracepoint__cat__name, RAW_TRACEPOINT_PROBE(name) raw_tracepoint__name,
 * and the kprobe__/kretprobe__ prefixes attach by name); further fields,
 * such as .optional or .covers, may follow. Kprobes are always optional:
 * many kernels have none. */
#define TRACEPOINT(cat, name, ...) \
	{.kind = PROBE_TRACEPOINT, .target = #cat ":" #name, .fn = "tracepoint__" #cat "__" #name, __VA_ARGS__}
#define RAW_TRACEPOINT(name, ...) \
	{.kind = PROBE_RAW_TRACEPOINT, .target = #name, .fn = "raw_tracepoint__" #name, __VA_ARGS__}
#define KPROBE(name, ...) \
	{.kind = PROBE_KPROBE, .target = #name, .fn = "kprobe__" #name, .optional = true, __VA_ARGS__}
#define KRETPROBE(name, ...) \
	{.kind = PROBE_KRETPROBE, .target = #name, .fn = "kretprobe__" #name, .optional = true, __VA_ARGS__}

#define MAX_PROBES 32
#define MAX_MAPS 16   /* more is an error at start-up, never a map dropped */

struct loader {
	void *mod;                  /* libbcc module, until loader_release_compiler() */
	int prog_fds[MAX_PROBES];
	int link_fds[MAX_PROBES];   /* perf event / raw tracepoint fds: closing detaches */
	char kprobe_events[MAX_PROBES][64];  /* legacy kprobe_events names to remove */
	int nprobes;
	char map_names[MAX_MAPS][32];
	int map_fds[MAX_MAPS];      /* our own dups of every map: they outlive the module */
	int nmaps;
};

/* Exits 1 naming what is missing when we may not load BPF programs. */
void require_bpf_privileges(void);

/* Compiles text (with the embedded header tree when real_headers is false). */
void loader_compile(struct loader *l, const char *text, bool real_headers);

/* Loads and attaches every probe (terminated by a zeroed entry) whose function
 * exists (kprobes only if use_kprobes); -v prints each attach point. Exits
 * when a required one fails. */
void loader_attach(struct loader *l, const struct probe *probes, bool use_kprobes, bool verbose);

/* A map's fd (valid after loader_attach, also past loader_release_compiler());
 * -1 if the program has no such map. */
int loader_map_fd(struct loader *l, const char *name);

/* Frees the compiler (LLVM) memory once everything is loaded. */
void loader_release_compiler(struct loader *l);

/* Detaches every probe and closes every fd. */
void loader_close(struct loader *l);

#endif
