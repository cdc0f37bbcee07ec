/* A compiled BPF program in a form that can be kept and loaded again
 * without the compiler: each function's instructions, the maps the program
 * declares, and which instructions name which map. libbcc patches a map's
 * fd into a BPF_LD_IMM64 (src_reg BPF_PSEUDO_MAP_FD); the image records
 * those places so that the fds of newly created maps can be put there. */
#ifndef SOCKLENS_PROGIMAGE_H
#define SOCKLENS_PROGIMAGE_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

#define IMAGE_MAX_MAPS 16    /* the loader's MAX_MAPS */
#define IMAGE_MAX_PROGS 48   /* functions the text compiles, attached or not */
#define IMAGE_MAX_INSNS 1000000
#define IMAGE_MAX_DEPS 8

struct image_map {
	uint32_t type, key_size, value_size, max_entries, flags;
	char name[32];                      /* the table's name in the text */
};

struct image_reloc {
	uint32_t insn;                      /* index of the BPF_LD_IMM64 */
	uint32_t map;                       /* index into maps[] */
};

struct image_prog {
	char name[64];                      /* the function's name, e.g. tracepoint__sock__... */
	uint32_t ninsns, nrelocs;
	struct bpf_insn *insns;
	struct image_reloc *relocs;
};

/* A file the compiled code depends on (libbcc, LLVM): an entry made by
 * another build of it is stale. */
struct image_dep {
	char path[256];
	uint64_t size, mtime_ns, ino;
};

struct prog_image {
	char license[32];
	uint32_t kern_version;
	uint32_t nmaps, nprogs, ndeps;
	struct image_map maps[IMAGE_MAX_MAPS];
	struct image_prog progs[IMAGE_MAX_PROGS];
	struct image_dep deps[IMAGE_MAX_DEPS];
};

/* Bytes in a malloc'd buffer (*out, *len); 0, or -1 (errno ENOMEM). */
int image_encode(const struct prog_image *img, unsigned char **out, size_t *len);

/* Fills img from len bytes; 0, or -1 with errno EBADMSG when the bytes are
 * not a well-formed image (truncated, counts or indices out of range, a map
 * reference that is not a relocated BPF_LD_IMM64) and ENOMEM. On -1 img
 * holds nothing to free. */
int image_decode(struct prog_image *img, const unsigned char *buf, size_t len);

/* The program named fn, or NULL. */
const struct image_prog *image_prog(const struct prog_image *img, const char *fn);

/* Checks one program's instructions against its relocations: every
 * BPF_LD_IMM64 naming a map fd is relocated and nothing else is. 0 or -1. */
int image_check_prog(const struct image_prog *p, uint32_t nmaps);

void image_free(struct prog_image *img);

#endif
