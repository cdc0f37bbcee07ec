/* The compiled program kept between runs, so that a second start on the
 * same kernel needs no compiler. One file per key under a root-owned
 * directory (/var/cache/socklens, or $SOCKLENS_CACHE_DIR):
 *
 *   magic "SOCKLENS" | u32 format | u32 body length | key (SHA-256) |
 *   SHA-256 of the body | body (progimage.c)
 *
 * The key hashes everything the compiled code depends on: the tool, its
 * version, the libbcc it was built against, the kernel (release, build,
 * BTF size), the header tree the text includes and the full rendered text
 * (filter, modes, layout). An entry is
 * used only if the directory and the file are owned by root and writable
 * by no one else, and header, key, checksum, body and the compiler
 * libraries it was made with all check out; anything else is ignored
 * (said with -v) and replaced after a compile. */
#ifndef SOCKLENS_PROGCACHE_H
#define SOCKLENS_PROGCACHE_H

#include "progimage.h"

#include <stdbool.h>

#define PROGCACHE_DIR "/var/cache/socklens"
#define PROGCACHE_ENV "SOCKLENS_CACHE_DIR"

struct progcache {
	char dir[512];
	char file[128];               /* "<tool>-<key hex>.bpf" */
	unsigned char key[32];
	bool verbose;
};

/* Computes the key of this tool's text on this kernel. */
void progcache_init(struct progcache *c, const char *tool, const char *text, bool real_headers, bool verbose);

/* Fills img from a valid entry: 0, or -1 when there is none or it may not
 * be used (the reason is said with -v). */
int progcache_load(const struct progcache *c, struct prog_image *img);

/* Stores img (write to a temporary file, then rename): 0, or -1 (said with
 * -v; the tool goes on without a cache). */
int progcache_store(const struct progcache *c, const struct prog_image *img);

#endif
