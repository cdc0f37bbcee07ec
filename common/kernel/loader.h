/* From program text to attached probes: the compiled program comes from
 * the cache (progcache.c) or from libbcc (compiler.c), and both are loaded
 * the same way, from the stored form (progimage.h) through libbpf: maps
 * created, map fds patched in, programs loaded, the probes the running
 * kernel supports attached. Hands out map fds, detaches on exit. */
#ifndef SOCKLENS_LOADER_H
#define SOCKLENS_LOADER_H

#include "progcache.h"
#include "progimage.h"

#include <stdbool.h>

enum probe_kind { PROBE_TRACEPOINT, PROBE_RAW_TRACEPOINT, PROBE_KPROBE, PROBE_KRETPROBE };

struct probe {
	enum probe_kind kind;
	const char *target;   /* "category:name" for tracepoints, else the kernel name */
	const char *fn;       /* BPF function; a probe whose function the text did not
	                       * compile (#if'd out for this mode) is skipped */
	bool optional;        /* missing in the kernel: say so once, go on */
	const char *covers;   /* what is not seen without it (for that note; NULL: no note) */
	bool typed;           /* a raw tracepoint whose code reads its arguments with
	                       * probes/typed.bpf.h: loaded BTF-typed (tp_btf) where the
	                       * text was built with BTF_RAW_TP */
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

/* How to get the compiled program of a text. */
struct program_source {
	const char *tool;           /* part of the cache key and the entry's name */
	const char *text;
	bool real_headers;          /* compile against the kernel's headers, not the embedded tree */
	bool use_cache;             /* false: --no-cache, compile and store nothing */
	bool verbose;               /* -v: say where the program came from */
	bool typed_raw_tracepoints; /* the text was built with BTF_RAW_TP: its typed
	                             * raw tracepoints (struct probe) load as tp_btf */
};

struct loader {
	struct program_source src;  /* kept until loader_attach returns: a cached program the kernel refuses is compiled again */
	struct progcache cache;     /* its entry, when src.use_cache */
	struct prog_image img;      /* the compiled program, until loader_release_compiler() */
	bool compiled;              /* this run compiled it (else it came from the cache) */
	int prog_fds[MAX_PROBES];
	int link_fds[MAX_PROBES];   /* perf event / raw tracepoint fds: closing detaches */
	int nprobes;
	char map_names[MAX_MAPS][32];
	int map_fds[MAX_MAPS];
	int nmaps;
};

/* Exits 1 naming what is missing when we may not load BPF programs. */
void require_bpf_privileges(void);

/* The compiled program: from a valid cache entry, else compiled (and then
 * stored). Exits when the text does not compile. */
void loader_prepare(struct loader *l, const struct program_source *src);

/* Creates the maps, then loads and attaches every probe (terminated by a
 * zeroed entry) whose function exists (kprobes only if use_kprobes); -v
 * prints each attach point. A BTF-typed program the kernel refuses (not
 * for want of privilege: a verifier of some kernel that does not take what
 * another does) is said once on stderr, everything loaded is closed, and
 * false is returned: the caller builds the text without BTF_RAW_TP and
 * starts again. A program from the cache that the kernel refuses is said
 * once on stderr, compiled again, stored over the entry and loaded
 * instead. Exits when a required one fails; true when all are attached. */
bool loader_attach(struct loader *l, const struct probe *probes, bool use_kprobes, bool verbose);

/* A map's fd (valid after loader_attach); -1 if the program has no such map. */
int loader_map_fd(struct loader *l, const char *name);

/* Frees the compiled program, and the compiler's memory if it was used,
 * once everything is loaded. */
void loader_release_compiler(struct loader *l);

/* Detaches every probe and closes every fd. */
void loader_close(struct loader *l);

#endif
