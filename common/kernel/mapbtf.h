/* The BTF some map types need before the kernel makes them. Local storage
 * (task, socket, inode) is created only with the BTF of its key,
 * which must be an int, and of its value; the loader recreates maps from
 * their shapes alone (type, sizes, flags), so it describes them itself. */
#ifndef SOCKLENS_MAPBTF_H
#define SOCKLENS_MAPBTF_H

#include <stdbool.h>
#include <stdint.h>

struct btf;

/* A loaded BTF blob and the type ids a map create names from it. */
struct map_btf {
	struct btf *btf;          /* NULL: the map type needs none */
	int fd;                   /* its kernel fd, while btf lives */
	uint32_t key_type_id;     /* int */
	uint32_t value_type_id;   /* value_size bytes (an array of u8) */
};

/* Whether the kernel makes a map of this type only with key/value BTF. */
bool map_type_needs_btf(uint32_t type);

/* Loads into the kernel the BTF of an int key and a value of value_size
 * bytes; 0, or -1 with errno (no memory, or the kernel refused it). */
int map_btf_load(uint32_t value_size, struct map_btf *out);

/* Frees it (and closes its fd); the maps made with it keep their own. */
void map_btf_free(struct map_btf *b);

#endif
