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
	if (kind == QUERY_POD)
		snprintf(err, err_size,
			 "'%s' is not a pod: expected [NAMESPACE/]NAME (letters, digits, '.', '_', '-'; a name of at "
			 "most %d, a namespace of at most %d)", text, NAME_MAX_LEN, NAMESPACE_MAX_LEN);
	else
		snprintf(err, err_size,
			 "'%s' is not a container name or id prefix (letters, digits, '.', '_', '-'; at most %d)", text,
			 NAME_MAX_LEN);
	return -1;
}

/* 0: no; MATCH_NAME: by name (a pod's, a container's); MATCH_ID_PREFIX */
enum { MATCH_NAME = 1, MATCH_ID_PREFIX = 2 };

static int match_kind(const struct identity_query *q, const struct container_identity *id)
{
	if (q->kind == QUERY_POD)
		return id->pod_name[0] && strcmp(id->pod_name, q->name) == 0 &&
		       (!q->pod_namespace[0] || strcmp(id->pod_namespace, q->pod_namespace) == 0);
	if (!identity_is_container(id))
		return 0;
	if (strcmp(id->container_name, q->name) == 0)
		return MATCH_NAME;
	return strncmp(id->container_id, q->name, strlen(q->name)) == 0 ? MATCH_ID_PREFIX : 0;
}

int identity_matches(const struct identity_query *q, const struct container_identity *id)
{
	return match_kind(q, id) != 0;
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
	/* [0]: matched by name, [1]: by id prefix; a name wins: a container
	 * named like a prefix of another's id means the one with that name */
	struct u64_set cgroups[2], netns[2];
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
	int kind = id ? match_kind(w->q, id) : 0;
	if (!kind)
		return 0;
	int k = kind == MATCH_ID_PREFIX;
	uint64_t ns = netns_of_pid(p, pid);
	if ((cgroup_id && add(&w->cgroups[k], cgroup_id)) || (ns && add(&w->netns[k], ns)))
		return -1;
	return 0;
}

int identity_match_now(struct identity_resolver *r, const struct identity_query *q, struct identity_match *m)
{
	identity_match_free(m);
	struct match_walk w = {.r = r, .q = q};
	int failed = for_each_pid(identity_resolver_paths(r), visit, &w) != 0;
	int k = w.cgroups[0].n || w.netns[0].n ? 0 : 1;
	free(w.cgroups[!k].v);
	free(w.netns[!k].v);
	if (failed) {
		free(w.cgroups[k].v);
		free(w.netns[k].v);
		return -1;
	}
	struct u64_set cg = w.cgroups[k], ns = w.netns[k];
	if (cg.n)
		qsort(cg.v, cg.n, sizeof *cg.v, ascending);
	if (ns.n)
		qsort(ns.v, ns.n, sizeof *ns.v, ascending);
	*m = (struct identity_match){cg.v, cg.n, ns.v, ns.n};
	return 0;
}

void identity_match_free(struct identity_match *m)
{
	free(m->cgroup_ids);
	free(m->netns);
	memset(m, 0, sizeof *m);
}
