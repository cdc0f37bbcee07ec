#include "cache.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

struct identity_cache {
	struct cache_entry *entries;
	uint32_t *buckets; /* head of each hash chain */
	uint32_t nbuckets; /* a power of two, >= 2 * capacity */
	uint32_t capacity, count;
	uint32_t head, tail; /* most and least recently used */
};

static uint32_t bucket_of(const struct identity_cache *c, uint64_t key)
{
	key *= 0x9e3779b97f4a7c15ull; /* Fibonacci hashing: inode numbers are close together */
	return (uint32_t)(key >> 32) & (c->nbuckets - 1);
}

struct identity_cache *identity_cache_new(size_t capacity)
{
	if (capacity == 0 || capacity > (1u << 24))
		return NULL;
	struct identity_cache *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->capacity = (uint32_t)capacity;
	for (c->nbuckets = 1; c->nbuckets < 2 * c->capacity; c->nbuckets *= 2)
		;
	c->entries = calloc(capacity, sizeof *c->entries);
	c->buckets = malloc(c->nbuckets * sizeof *c->buckets);
	if (!c->entries || !c->buckets) {
		identity_cache_free(c);
		return NULL;
	}
	memset(c->buckets, 0xff, c->nbuckets * sizeof *c->buckets);
	c->head = c->tail = NONE;
	return c;
}

void identity_cache_free(struct identity_cache *c)
{
	if (!c)
		return;
	free(c->entries);
	free(c->buckets);
	free(c);
}

static void unlink_lru(struct identity_cache *c, uint32_t i)
{
	struct cache_entry *e = &c->entries[i];
	if (e->prev != NONE)
		c->entries[e->prev].next = e->next;
	else
		c->head = e->next;
	if (e->next != NONE)
		c->entries[e->next].prev = e->prev;
	else
		c->tail = e->prev;
}

static void push_front(struct identity_cache *c, uint32_t i)
{
	struct cache_entry *e = &c->entries[i];
	e->prev = NONE;
	e->next = c->head;
	if (c->head != NONE)
		c->entries[c->head].prev = i;
	c->head = i;
	if (c->tail == NONE)
		c->tail = i;
}

static uint32_t find(const struct identity_cache *c, uint64_t key)
{
	uint32_t i = c->buckets[bucket_of(c, key)];
	while (i != NONE && c->entries[i].key != key)
		i = c->entries[i].chain;
	return i;
}

static void unchain(struct identity_cache *c, uint32_t i)
{
	uint32_t *link = &c->buckets[bucket_of(c, c->entries[i].key)];
	while (*link != i)
		link = &c->entries[*link].chain;
	*link = c->entries[i].chain;
}

struct cache_entry *identity_cache_get(struct identity_cache *c, uint64_t key, uint64_t now_ns)
{
	uint32_t i = find(c, key);
	if (i == NONE)
		return NULL;
	struct cache_entry *e = &c->entries[i];
	if (e->expires_ns && now_ns >= e->expires_ns)
		return NULL; /* left in place: the caller's put reuses it */
	unlink_lru(c, i);
	push_front(c, i);
	return e;
}

struct cache_entry *identity_cache_put(struct identity_cache *c, uint64_t key, uint64_t expires_ns)
{
	uint32_t i = find(c, key);
	if (i != NONE) {
		unlink_lru(c, i);
	} else {
		if (c->count < c->capacity) {
			i = c->count++;
		} else {
			i = c->tail; /* evict the least recently used */
			unlink_lru(c, i);
			unchain(c, i);
		}
		uint32_t b = bucket_of(c, key);
		c->entries[i].chain = c->buckets[b];
		c->buckets[b] = i;
	}
	struct cache_entry *e = &c->entries[i];
	uint32_t chain = e->chain;
	memset(e, 0, sizeof *e);
	e->key = key;
	e->expires_ns = expires_ns;
	e->chain = chain;
	push_front(c, i);
	return e;
}

size_t identity_cache_count(const struct identity_cache *c)
{
	return c->count;
}

size_t identity_cache_capacity(const struct identity_cache *c)
{
	return c->capacity;
}
