#include "counts.h"

#include "errors.h"

#include <bcc/libbpf.h>
#include <stdlib.h>
#include <string.h>

static int by_count_desc(const void *a, const void *b)
{
	const struct count_entry *x = a, *y = b;
	return (x->n < y->n) - (x->n > y->n);
}

void counts_read(int map_fd, size_t key_size, struct count_table *t)
{
	size_t cap = 0;
	memset(t, 0, sizeof *t);
	char *prev = NULL, next[256];
	if (key_size > sizeof next)
		runtime_error("internal error: count key of %zu bytes", key_size);
	while (bpf_get_next_key(map_fd, prev, next) == 0) {
		if (t->n == cap) {
			cap = cap ? 2 * cap : 256;
			t->keys = realloc(t->keys, cap * key_size);
			t->rows = realloc(t->rows, cap * sizeof *t->rows);
			if (!t->keys || !t->rows)
				runtime_error("out of memory");
		}
		char *key = t->keys + t->n * key_size;
		memcpy(key, next, key_size);
		if (bpf_lookup_elem(map_fd, key, &t->rows[t->n].n) == 0)
			t->n++;
		prev = key;
	}
	/* keys may have moved with realloc: point rows at them only now */
	for (size_t i = 0; i < t->n; i++)
		t->rows[i].key = t->keys + i * key_size;
	qsort(t->rows, t->n, sizeof *t->rows, by_count_desc);
}

void counts_free(struct count_table *t)
{
	free(t->rows);
	free(t->keys);
	memset(t, 0, sizeof *t);
}
