/* Series lookup and updates. A family may hold many series (its cap), and a
 * tool looks every one up each interval: an open-addressing hash table over
 * the label values keeps that O(1) instead of a scan. */
#include "family.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a over the values, each ended by its NUL so ("ab","c") != ("a","bc"). */
static uint64_t hash_values(const char *const *values, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = (const unsigned char *)values[i];
		do {
			h ^= *p;
			h *= 0x100000001b3ull;
		} while (*p++);
	}
	return h;
}

static bool same_values(const struct metric_series *s, const char *const *values, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s->values[i], values[i]) != 0)
			return false;
	return true;
}

/* The slot holding the series with these values, or the empty slot where it goes. */
static struct metric_series **slot(struct metric_series **table, size_t size, uint64_t hash,
				   const char *const *values, size_t n)
{
	for (size_t i = hash & (size - 1);; i = (i + 1) & (size - 1))
		if (!table[i] || (table[i]->hash == hash && (!values || same_values(table[i], values, n))))
			return &table[i];
}

/* Keeps the table at most half full, so probes stay short. */
static int grow_table(struct metric_family *f)
{
	if (2 * (f->nseries + 1) <= f->table_size)
		return 0;
	size_t size = f->table_size ? 2 * f->table_size : 16;
	struct metric_series **t = calloc(size, sizeof *t);
	if (!t)
		return -1;
	/* values NULL: every series is distinct, so the first empty slot is its place */
	for (size_t i = 0; i < f->nseries; i++)
		*slot(t, size, f->series[i]->hash, NULL, 0) = f->series[i];
	free(f->table);
	f->table = t;
	f->table_size = size;
	return 0;
}

static struct metric_series *new_series(const struct metric_family *f, const char *const *values,
					uint64_t hash)
{
	size_t nb = f->type == METRIC_HISTOGRAM ? f->nbounds + 1 : 0;
	struct metric_series *s = calloc(1, sizeof *s + nb * sizeof s->buckets[0]);
	if (!s)
		return NULL;
	s->family = f;
	s->hash = hash;
	s->values = calloc(f->nlabels ? f->nlabels : 1, sizeof *s->values);
	bool ok = s->values != NULL;
	for (size_t i = 0; ok && i < f->nlabels; i++)
		ok = (s->values[i] = strdup(values[i])) != NULL;
	if (ok)
		return s;
	for (size_t i = 0; s->values && i < f->nlabels; i++)
		free(s->values[i]);
	free(s->values);
	free(s);
	return NULL;
}

struct metric_series *metric_series(struct metric_family *f, const char *const *values)
{
	if (!f)
		return NULL;
	uint64_t h = hash_values(values, f->nlabels);
	if (f->table_size) {
		struct metric_series *s = *slot(f->table, f->table_size, h, values, f->nlabels);
		if (s)
			return s;
	}
	if (f->nseries >= f->max_series) {
		if (f->overflow)
			f->overflow->counter++;
		return NULL;
	}
	if (f->nseries == f->series_cap) {
		size_t cap = f->series_cap ? 2 * f->series_cap : 16;
		struct metric_series **a = realloc(f->series, cap * sizeof *a);
		if (!a)
			goto oom;
		f->series = a;
		f->series_cap = cap;
	}
	if (grow_table(f) != 0)
		goto oom;
	struct metric_series *s = new_series(f, values, h);
	if (!s)
		goto oom;
	*slot(f->table, f->table_size, h, values, f->nlabels) = s;
	f->series[f->nseries++] = s;
	return s;
oom:
	errno = ENOMEM;
	return NULL;
}

void metric_series_free_all(struct metric_family *f)
{
	for (size_t i = 0; i < f->nseries; i++) {
		for (size_t j = 0; j < f->nlabels; j++)
			free(f->series[i]->values[j]);
		free(f->series[i]->values);
		free(f->series[i]);
	}
	free(f->series);
	free(f->table);
}
