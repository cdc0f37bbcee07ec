/* Reading a BPF hash of counters: the -c tables. A key maps to a value of
 * nvalues u64 counters (1: a plain count; podnet: packets and bytes), the
 * first of which orders the table. The kernel's maps are never cleared
 * (clearing races with increments and loses counts), so a window is the
 * difference of two reads. */
#ifndef SOCKLENS_COUNTS_H
#define SOCKLENS_COUNTS_H

#include <stddef.h>
#include <stdint.h>

#define COUNT_MAX_VALUES 4
#define COUNT_MAX_KEY 256   /* bytes */
#define COUNT_MAX_VALUE 1024 /* bytes: a map value read whole */

struct count_entry {
	const void *key;     /* key_size bytes inside the table that owns the keys */
	uint64_t v[COUNT_MAX_VALUES];
};

struct count_table {
	struct count_entry *rows;
	size_t n;
	char *keys;          /* NULL in a difference: its keys are the newer read's */
	size_t key_size;
	int nvalues;
};

/* Reads every entry of the map (key_size bytes a key, nvalues u64 a value);
 * rows sorted by key, for counts_since(). Exits on a bad size or no memory. */
/* value_size: the map's value in bytes (0: nvalues u64s); its first
 * nvalues u64s are the counters kept. */
void counts_read(int map_fd, size_t key_size, size_t value_size, int nvalues, struct count_table *t);

/* *d = the rows of now whose counters grew since then (then: an earlier
 * read of the same map, or NULL for "since nothing"), each value the
 * growth, largest first value first. d's keys point into now: free d
 * before now. */
void counts_since(const struct count_table *now, const struct count_table *then, struct count_table *d);

void counts_free(struct count_table *t);

#endif
