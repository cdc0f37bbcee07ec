#include "namefilter.h"

#include "errors.h"

#include <bpf/bpf.h>
#include <stdlib.h>
#include <string.h>

struct keyset {
	uint64_t v[FILTER_MAX_NAMED];
	size_t n;
	bool full;
};

static void keyset_add(struct keyset *s, uint64_t k)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == k)
			return;
	if (s->n == FILTER_MAX_NAMED)
		s->full = true;
	else
		s->v[s->n++] = k;
}

static bool keyset_has(const struct keyset *s, uint64_t k)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == k)
			return true;
	return false;
}

/* Makes the map hold exactly want: stale keys out first (a restarted pod's
 * old cgroups), then every wanted key in. Keys are key_size bytes (8: a
 * cgroup id, 4: a namespace inode), little-endian as this host stores them. */
static void sync_map(int fd, size_t key_size, const struct keyset *want)
{
	uint64_t key = 0, next = 0, stale[64];
	size_t nstale;
	do { /* deleting while walking restarts the walk: collect, then delete */
		nstale = 0;
		void *prev = NULL;
		while (nstale < 64 && bpf_map_get_next_key(fd, prev, &next) == 0) {
			key = 0;
			memcpy(&key, &next, key_size);
			if (!keyset_has(want, key))
				stale[nstale++] = key;
			prev = &key;
		}
		for (size_t i = 0; i < nstale; i++)
			bpf_map_delete_elem(fd, &stale[i]);
	} while (nstale == 64);
	uint8_t one = 1;
	for (size_t i = 0; i < want->n; i++) {
		uint64_t k = want->v[i];
		bpf_map_update_elem(fd, &k, &one, BPF_ANY);
	}
}

/* The namespaces that count: for podnet (the packet's namespace) any pod's
 * or container's namespace a matching process is in, never the host's (a
 * hostNetwork container would let every packet through); for the TCP tools
 * only a namespace that is itself what the user named (--pod: the pod's;
 * --container: a lone container's), so another container of the same pod
 * does not pass through the namespace. */
static bool netns_counts(struct name_filter *nf, const struct identity_query *q, uint64_t netns)
{
	const struct container_identity *id = identity_of_netns(nf->r, netns);
	return id && (nf->mode == FILTER_NAMES_NETNS || identity_matches(q, id));
}

void name_filter_refresh(void *arg)
{
	struct name_filter *nf = arg;
	static struct keyset cgroups, netns;
	cgroups.n = netns.n = 0;
	cgroups.full = netns.full = false;
	for (int i = 0; i < nf->nqueries; i++) {
		if (identity_match_now(nf->r, &nf->queries[i], &nf->m) != 0)
			continue; /* /proc unreadable for a moment: keep what the maps hold */
		for (size_t j = 0; nf->mode == FILTER_NAMES_PROCESS && j < nf->m.ncgroup_ids; j++)
			if (nf->m.cgroup_ids[j])
				keyset_add(&cgroups, nf->m.cgroup_ids[j]);
		for (size_t j = 0; j < nf->m.nnetns; j++)
			if (netns_counts(nf, &nf->queries[i], nf->m.netns[j]))
				keyset_add(&netns, nf->m.netns[j]);
	}
	if ((cgroups.full || netns.full) && !nf->said_full) {
		note("--container/--pod: more than %d cgroups or namespaces match; the rest are not traced",
		     FILTER_MAX_NAMED);
		nf->said_full = true;
	}
	sync_map(nf->cgroups_fd, sizeof(uint64_t), &cgroups);
	sync_map(nf->netns_fd, sizeof(uint32_t), &netns);
	if (cgroups.n || netns.n)
		nf->said_nothing = true; /* a later gap (a pod restarting) is not news */
	else if (!nf->said_nothing) {
		note("--container/--pod: nothing matches yet; waiting for it (checked every second)");
		nf->said_nothing = true;
	}
}

void name_filter_start(struct name_filter *nf, const struct identity_query *q, int nq, enum filter_names mode,
		       struct identity_resolver *r, int cgroups_fd, int netns_fd)
{
	*nf = (struct name_filter){q, nq, mode, r, cgroups_fd, netns_fd, false, false, {0}};
	if (cgroups_fd < 0 || netns_fd < 0)
		runtime_error("internal error: the program has no name filter maps");
	name_filter_refresh(nf);
}

void name_filter_free(struct name_filter *nf)
{
	identity_match_free(&nf->m);
}
