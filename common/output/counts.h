/* Reading a BPF hash of counters (key -> u64) once, largest count first:
 * the -c tables. */
#ifndef SOCKLENS_COUNTS_H
#define SOCKLENS_COUNTS_H

#include <stddef.h>
#include <stdint.h>

struct count_entry {
	const void *key;     /* key_size bytes inside the table's buffer */
	uint64_t n;
};

struct count_table {
	struct count_entry *rows;
	size_t n;
	char *keys;
};

void counts_read(int map_fd, size_t key_size, struct count_table *t);
void counts_free(struct count_table *t);

#endif
