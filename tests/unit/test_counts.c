/* A window of counts: the growth of a never-cleared map between two reads
 * (counts_since), on tables built by hand as counts_read leaves them
 * (rows sorted by key). */
#include "check.h"
#include "counts.h"

#include <stdlib.h>

struct key { uint32_t id; };

/* A table of n keys (ascending ids, as counts_read sorts them) and their
 * two counters. */
static struct count_table table(const uint32_t *ids, const uint64_t (*v)[2], size_t n)
{
	struct count_table t = {.n = n, .key_size = sizeof(struct key), .nvalues = 2};
	t.keys = calloc(n ? n : 1, sizeof(struct key));
	t.rows = calloc(n ? n : 1, sizeof *t.rows);
	for (size_t i = 0; i < n; i++) {
		struct key *k = (struct key *)t.keys + i;
		k->id = ids[i];
		t.rows[i].key = k;
		t.rows[i].v[0] = v[i][0];
		t.rows[i].v[1] = v[i][1];
	}
	return t;
}

static uint32_t id_of(const struct count_entry *e)
{
	return ((const struct key *)e->key)->id;
}

int main(void)
{
	/* keys are compared as bytes: ids below 256 sort as numbers on little-endian */
	const uint32_t then_ids[] = {1, 2, 3};
	const uint64_t then_v[][2] = {{5, 500}, {7, 700}, {1, 10}};
	const uint32_t now_ids[] = {1, 2, 3, 4};
	const uint64_t now_v[][2] = {{5, 500}, {9, 900}, {1, 30}, {4, 40}};
	struct count_table then = table(then_ids, then_v, 3), now = table(now_ids, now_v, 4), d;

	counts_since(&now, &then, &d);
	/* key 1 did not grow: no row; key 3 grew in its second counter only;
	 * key 4 is new; largest first counter first */
	CHECK_EQ(d.n, 3);
	CHECK_EQ(id_of(&d.rows[0]), 4);
	CHECK_EQ(d.rows[0].v[0], 4);
	CHECK_EQ(d.rows[0].v[1], 40);
	CHECK_EQ(id_of(&d.rows[1]), 2);
	CHECK_EQ(d.rows[1].v[0], 2);
	CHECK_EQ(d.rows[1].v[1], 200);
	CHECK_EQ(id_of(&d.rows[2]), 3);
	CHECK_EQ(d.rows[2].v[0], 0);
	CHECK_EQ(d.rows[2].v[1], 20);
	CHECK(d.keys == NULL); /* its keys are now's */
	counts_free(&d);

	/* since nothing: every counted row, largest first; ties by key */
	counts_since(&now, NULL, &d);
	CHECK_EQ(d.n, 4);
	CHECK_EQ(id_of(&d.rows[0]), 2);
	CHECK_EQ(id_of(&d.rows[1]), 1);
	CHECK_EQ(id_of(&d.rows[2]), 4);
	CHECK_EQ(id_of(&d.rows[3]), 3);
	counts_free(&d);

	/* an empty earlier read (the first window) is the same as nothing */
	struct count_table empty = {.key_size = sizeof(struct key), .nvalues = 2};
	counts_since(&now, &empty, &d);
	CHECK_EQ(d.n, 4);
	counts_free(&d);

	/* nothing grew: no rows */
	counts_since(&now, &now, &d);
	CHECK_EQ(d.n, 0);
	counts_free(&d);

	counts_free(&then);
	counts_free(&now);
	return CHECK_DONE();
}
