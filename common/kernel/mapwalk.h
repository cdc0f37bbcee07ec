/* Every entry of a BPF hash, read once: for the metrics, which rebuild
 * their families from the kernel's sums each interval. Entries added while
 * the walk runs may or may not be seen (the next walk sees them); entries
 * are never deleted by the tools, so none is skipped or seen twice. */
#ifndef SOCKLENS_MAPWALK_H
#define SOCKLENS_MAPWALK_H

#include <stddef.h>

/* Calls fn(key, value, ctx) for each entry of the map (key_size and
 * value_size bytes, at most MAPWALK_MAX_BYTES each). Returns the number of
 * entries, or -1 if fd is not a map (errno set). */
#define MAPWALK_MAX_BYTES 4096
long map_walk(int fd, size_t key_size, size_t value_size,
	      void (*fn)(const void *key, const void *value, void *ctx), void *ctx);

#endif
