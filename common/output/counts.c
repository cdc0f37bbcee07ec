#include "counts.h"

#include "errors.h"

#include <bpf/bpf.h>
#include <stdlib.h>
#include <string.h>

static size_t sort_key_size; /* qsort and bsearch take no context */

static int by_key(const void *a, const void *b)
{
	return memcmp(((const struct count_entry *)a)->key, ((const struct count_entry *)b)->key,
		      sort_key_size);
}

static int by_first_desc(const void *a, const void *b)
{
	const struct count_entry *x = a, *y = b;
	if (x->v[0] != y->v[0])
		return (x->v[0] < y->v[0]) - (x->v[0] > y->v[0]);
	return by_key(a, b); /* ties in a stable order: the same counts print the same */
}

static void *grow(void *p, size_t n, size_t size)
{
	p = realloc(p, n * size);
	if (!p)
		runtime_error("out of memory");
	return p;
}

void counts_read(int map_fd, size_t key_size, size_t value_size, int nvalues, struct count_table *t)
{
	size_t cap = 0;
	*t = (struct count_table){.key_size = key_size, .nvalues = nvalues};
	char *prev = NULL, next[COUNT_MAX_KEY];
	uint64_t v[COUNT_MAX_VALUE / sizeof(uint64_t)];
	if (!value_size)
		value_size = (size_t)nvalues * sizeof(uint64_t);
	if (key_size > sizeof next || nvalues < 1 || nvalues > COUNT_MAX_VALUES || value_size > sizeof v ||
	    value_size < (size_t)nvalues * sizeof(uint64_t))
		runtime_error("internal error: count key of %zu bytes, %d values in %zu bytes", key_size, nvalues,
			      value_size);
	while (bpf_map_get_next_key(map_fd, prev, next) == 0) {
		if (t->n == cap) {
			cap = cap ? 2 * cap : 256;
			t->keys = grow(t->keys, cap, key_size);
			t->rows = grow(t->rows, cap, sizeof *t->rows);
		}
		char *key = t->keys + t->n * key_size;
		memcpy(key, next, key_size);
		if (bpf_map_lookup_elem(map_fd, key, v) == 0) {
			memset(t->rows[t->n].v, 0, sizeof t->rows[t->n].v);
			memcpy(t->rows[t->n].v, v, (size_t)nvalues * sizeof(uint64_t));
			t->n++;
		}
		prev = key;
	}
	/* keys may have moved with realloc: point rows at them only now */
	for (size_t i = 0; i < t->n; i++)
		t->rows[i].key = t->keys + i * key_size;
	sort_key_size = key_size;
	qsort(t->rows, t->n, sizeof *t->rows, by_key);
}

void counts_since(const struct count_table *now, const struct count_table *then, struct count_table *d)
{
	*d = (struct count_table){.key_size = now->key_size, .nvalues = now->nvalues};
	d->rows = grow(NULL, now->n ? now->n : 1, sizeof *d->rows);
	sort_key_size = now->key_size;
	for (size_t i = 0; i < now->n; i++) {
		const struct count_entry *was =
			then && then->n ? bsearch(&now->rows[i], then->rows, then->n, sizeof *then->rows, by_key) : NULL;
		struct count_entry e = {.key = now->rows[i].key};
		int grew = 0;
		for (int k = 0; k < now->nvalues; k++) {
			/* counters only grow; a smaller one (never expected) is not a negative row */
			uint64_t before = was ? was->v[k] : 0;
			e.v[k] = now->rows[i].v[k] > before ? now->rows[i].v[k] - before : 0;
			grew |= e.v[k] != 0;
		}
		if (grew)
			d->rows[d->n++] = e;
	}
	qsort(d->rows, d->n, sizeof *d->rows, by_first_desc);
}

void counts_free(struct count_table *t)
{
	free(t->rows);
	free(t->keys);
	memset(t, 0, sizeof *t);
}
