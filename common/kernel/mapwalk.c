#include "mapwalk.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>

long map_walk(int fd, size_t key_size, size_t value_size,
	      void (*fn)(const void *key, const void *value, void *ctx), void *ctx)
{
	unsigned char key[2][MAPWALK_MAX_BYTES], value[MAPWALK_MAX_BYTES];
	if (fd < 0 || key_size > MAPWALK_MAX_BYTES || value_size > MAPWALK_MAX_BYTES) {
		errno = EINVAL;
		return -1;
	}
	long n = 0;
	const void *prev = NULL;
	for (int k = 0; bpf_map_get_next_key(fd, (void *)prev, key[k]) == 0; k ^= 1) {
		prev = key[k];
		if (bpf_map_lookup_elem(fd, key[k], value) != 0)
			continue; /* deleted meanwhile (a table the kernel evicts from) */
		fn(key[k], value, ctx);
		n++;
	}
	return n;
}
