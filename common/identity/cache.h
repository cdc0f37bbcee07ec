/* A bounded cache of resolved identities, keyed by a 64-bit number (a
 * cgroup id or a netns inode). It never holds more than its capacity: the
 * least recently used entry makes room. Each entry carries its own expiry
 * (a monotonic time in ns; 0 = never), so that a "not found" can be
 * retried soon while a found identity stays. Memory: one entry is
 * sizeof(struct cache_entry) (~700 bytes) plus 8 bytes of index, allocated
 * once at creation. Not thread-safe. */
#ifndef SOCKLENS_IDENTITY_CACHE_H
#define SOCKLENS_IDENTITY_CACHE_H

#include "identity.h"

#include <stdint.h>

struct cache_entry {
	uint64_t key;
	uint64_t expires_ns; /* 0: until evicted */
	int found;           /* 0: a remembered "not a container / unresolved" */
	uint32_t witness;    /* a namespace's: a process that was in it (see resolver.c) */
	uint64_t checked_ns; /* when the witness was last seen there */
	struct container_identity id;
	/* private: the LRU list and hash chain, as entry indices */
	uint32_t prev, next, chain;
};

struct identity_cache;

/* capacity >= 1 entries; NULL if out of memory or capacity is 0 or > 2^24. */
struct identity_cache *identity_cache_new(size_t capacity);
void identity_cache_free(struct identity_cache *c);

/* The live entry for key (and it becomes the most recently used), or NULL
 * if there is none or it expired by now_ns. */
struct cache_entry *identity_cache_get(struct identity_cache *c, uint64_t key, uint64_t now_ns);

/* The entry for key, reset for the caller to fill (found = 0, id zeroed):
 * an existing one is reused, else a free one, else the least recently used
 * is evicted. Valid until the next put. */
struct cache_entry *identity_cache_put(struct identity_cache *c, uint64_t key, uint64_t expires_ns);

size_t identity_cache_count(const struct identity_cache *c);
size_t identity_cache_capacity(const struct identity_cache *c);

#endif
