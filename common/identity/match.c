#include "match.h"

#include "names.h"
#include "process.h"
#include "statefile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int identity_query_parse(struct identity_query *q, enum identity_query_kind kind, const char *text, char *err,
			 size_t err_size)
{
	memset(q, 0, sizeof *q);
	q->kind = kind;
	const char *name = text, *slash = kind == QUERY_POD ? strchr(text, '/') : NULL;
	if (slash) {
		size_t n = (size_t)(slash - text);
		char ns[NAMESPACE_MAX_LEN + 2];
		if (n == 0 || n > NAMESPACE_MAX_LEN)
			goto bad;
		memcpy(ns, text, n);
		ns[n] = '\0';
		if (!take_name(q->pod_namespace, NAMESPACE_MAX_LEN, ns))
			goto bad;
		name = slash + 1;
	}
	if (take_name(q->name, NAME_MAX_LEN, name))
		return 0;
bad:
	snprintf(err, err_size,
		 kind == QUERY_POD ? "'%s' is not a pod: expected [NAMESPACE/]NAME (letters, digits, '.', '_', '-')"
				   : "'%s' is not a container name or id prefix (letters, digits, '.', '_', '-')",
		 text);
	return -1;
}

int identity_matches(const struct identity_query *q, const struct container_identity *id)
{
	if (q->kind == QUERY_POD)
		return id->pod_name[0] && strcmp(id->pod_name, q->name) == 0 &&
		       (!q->pod_namespace[0] || strcmp(id->pod_namespace, q->pod_namespace) == 0);
	size_t n = strlen(q->name);
	return identity_is_container(id) &&
	       (strcmp(id->container_name, q->name) == 0 || strncmp(id->container_id, q->name, n) == 0);
}

struct u64_set {
	uint64_t *v;
	size_t n, cap;
};

static int add(struct u64_set *s, uint64_t x)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == x)
			return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		uint64_t *v = realloc(s->v, cap * sizeof *v);
		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = x;
	return 0;
}

static int ascending(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

struct match_walk {
	struct identity_resolver *r;
	const struct identity_query *q;
	struct u64_set cgroups, netns;
};

static int visit(uint32_t pid, void *arg)
{
	struct match_walk *w = arg;
	const struct identity_paths *p = identity_resolver_paths(w->r);
	struct container_identity cg;
	uint64_t cgroup_id = 0;
	if (!cgroup_identity_of_pid(p, pid, &cg, &cgroup_id))
		return 0; /* a host process: no state file is read for it */
	struct container_identity full;
	const struct container_identity *id = cgroup_id ? identity_of_cgroup(w->r, cgroup_id, pid) : NULL;
	if (!cgroup_id) { /* no cgroup v2 tree: resolve uncached */
		full = cg;
		identity_resolve_names(p, &full);
		id = &full;
	}
	if (!id || !identity_matches(w->q, id))
		return 0;
	uint64_t ns = netns_of_pid(p, pid);
	if ((cgroup_id && add(&w->cgroups, cgroup_id)) || (ns && add(&w->netns, ns)))
		return -1;
	return 0;
}

int identity_match_now(struct identity_resolver *r, const struct identity_query *q, struct identity_match *m)
{
	identity_match_free(m);
	struct match_walk w = {.r = r, .q = q};
	if (for_each_pid(identity_resolver_paths(r), visit, &w) != 0) {
		free(w.cgroups.v);
		free(w.netns.v);
		return -1;
	}
	if (w.cgroups.n)
		qsort(w.cgroups.v, w.cgroups.n, sizeof *w.cgroups.v, ascending);
	if (w.netns.n)
		qsort(w.netns.v, w.netns.n, sizeof *w.netns.v, ascending);
	*m = (struct identity_match){w.cgroups.v, w.cgroups.n, w.netns.v, w.netns.n};
	return 0;
}

void identity_match_free(struct identity_match *m)
{
	free(m->cgroup_ids);
	free(m->netns);
	memset(m, 0, sizeof *m);
}
