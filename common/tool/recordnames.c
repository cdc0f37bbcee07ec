#include "recordnames.h"

#include "tcpfields.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void names_columns(struct column *cols, int ncols, int base, enum names_by by, bool on, bool text)
{
	for (int f = base; f < base + NAME_NFIELDS; f++)
		if (!on || (by == NAMES_BY_NETNS && (f == base + NF_NETNS_POD_NAME ||
						     f == base + NF_NETNS_POD_NAMESPACE)))
			columns_drop(cols, ncols, f); /* podnet: the pod IS the namespace's */
	columns_show(cols, ncols, base + NF_POD_TEXT, on && text);
	columns_show(cols, ncols, base + NF_CONTAINER_TEXT, on && text);
}

/* Nothing to name (a host process, a namespace no pod owns): the keys are
 * left out of JSON rather than written as nulls, which cost every host
 * record eight keys' bytes. */
static void absent(struct row *row, int from, int to)
{
	for (int f = from; f < to; f++)
		row->cells[f] = cell_absent();
}

/* A copy in the row's text: the resolver's answer lives only until its
 * next call. "" (not known) is null, never a guessed value. */
static struct cell name_cell(struct row *row, int field, const char *s)
{
	if (!row_shown(row, field) || !s || !*s)
		return cell_null();
	size_t n = strlen(s) + 1;
	return cell_str(memcpy(row_text(row, n), s, n));
}

/* Text: POD as NAMESPACE/NAME (Podman pods have no namespace), CONTAINER
 * as its name, else the id's first 12 digits as runtimes print it. */
static void text_cells(struct row *row, int base, const struct container_identity *id)
{
	struct cell *c = row->cells;
	if (row_shown(row, base + NF_POD_TEXT) && id && id->pod_name[0]) {
		char *s = row_text(row, sizeof id->pod_namespace + sizeof id->pod_name + 1);
		snprintf(s, sizeof id->pod_namespace + sizeof id->pod_name + 1, "%s%s%s", id->pod_namespace,
			 id->pod_namespace[0] ? "/" : "", id->pod_name);
		c[base + NF_POD_TEXT] = cell_str(s);
	}
	if (row_shown(row, base + NF_CONTAINER_TEXT) && id && identity_is_container(id))
		c[base + NF_CONTAINER_TEXT] = id->container_name[0]
			? name_cell(row, base + NF_CONTAINER_TEXT, id->container_name)
			: cell_strn(id->container_id, 12);
}

static bool any_shown(const struct row *row, int base)
{
	for (int f = base; f < base + NAME_NFIELDS; f++)
		if (row_shown(row, f))
			return true;
	return false;
}

/* The last answer of each kind, reused for the records that follow within
 * MEMO_NS of kernel time: a storm's records come from a few cgroups and
 * namespaces, and the cache's lookup and clock read were a tenth of a
 * record's cost. The pointer stays valid: no resolver call comes between. */
#define MEMO_NS 50000000ull /* 50 ms, well under the resolver's 1 s checks */
struct memo {
	uint64_t key, until_ns, generation;
	const struct container_identity *id;
};
static struct memo cgroup_memo, netns_memo;

/* Records' times may run a little backwards across CPUs: only a record
 * within [until - MEMO_NS, until) reuses the answer. */
static bool memo_hit(const struct memo *m, const struct identity_resolver *r, uint64_t key, uint64_t ts_ns)
{
	return m->until_ns && m->key == key && ts_ns < m->until_ns && ts_ns + MEMO_NS >= m->until_ns &&
	       m->generation == identity_resolver_generation(r);
}

/* After the lookup: a resolving lookup moves the generation on, so the
 * other memo (same generation before) is dropped with it. */
static const struct container_identity *memo_put(struct memo *m, const struct identity_resolver *r,
						 uint64_t key, uint64_t ts_ns, const struct container_identity *id)
{
	*m = (struct memo){key, ts_ns + MEMO_NS, identity_resolver_generation(r), id};
	return id;
}

static const struct container_identity *netns_identity(struct identity_resolver *r, uint64_t netns,
						       uint64_t ts_ns)
{
	if (memo_hit(&netns_memo, r, netns, ts_ns))
		return netns_memo.id;
	return memo_put(&netns_memo, r, netns, ts_ns, identity_of_netns(r, netns));
}

static const struct container_identity *cgroup_identity(struct identity_resolver *r, uint64_t cgroup_id,
							uint32_t pid, uint64_t ts_ns)
{
	if (memo_hit(&cgroup_memo, r, cgroup_id, ts_ns))
		return cgroup_memo.id;
	return memo_put(&cgroup_memo, r, cgroup_id, ts_ns, identity_of_cgroup(r, cgroup_id, pid));
}

void names_fill(struct identity_resolver *r, const struct event_head *h, enum names_by by, struct row *row,
		int base)
{
	if (!r || !any_shown(row, base))
		return;
	struct cell *c = row->cells;
	/* the socket's namespace first: the process's answer is used last */
	if (by == NAMES_BY_PROCESS && h->netns &&
	    (row_shown(row, base + NF_NETNS_POD_NAME) || row_shown(row, base + NF_NETNS_POD_NAMESPACE))) {
		const struct container_identity *ns = netns_identity(r, h->netns, h->ts_ns);
		c[base + NF_NETNS_POD_NAME] = name_cell(row, base + NF_NETNS_POD_NAME, ns ? ns->pod_name : NULL);
		c[base + NF_NETNS_POD_NAMESPACE] =
			name_cell(row, base + NF_NETNS_POD_NAMESPACE, ns ? ns->pod_namespace : NULL);
		if (!ns || !ns->pod_name[0])
			absent(row, base + NF_NETNS_POD_NAME, base + NF_NETNS_POD_NAMESPACE + 1);
	} else if (by == NAMES_BY_PROCESS) {
		absent(row, base + NF_NETNS_POD_NAME, base + NF_NETNS_POD_NAMESPACE + 1);
	}
	/* pid 0: no process was seen, so no container is named (a count row
	 * has a cgroup id and no process) */
	const struct container_identity *id =
		by == NAMES_BY_NETNS ? (h->netns ? netns_identity(r, h->netns, h->ts_ns) : NULL)
		: by == NAMES_BY_CGROUP ? (h->cgroup_id ? cgroup_identity(r, h->cgroup_id, 0, h->ts_ns) : NULL)
		: h->pid ? cgroup_identity(r, h->cgroup_id, h->pid, h->ts_ns) : NULL;
	if (!id) {
		absent(row, base + NF_CONTAINER_ID, base + NF_RUNTIME + 1);
		return;
	}
	c[base + NF_CONTAINER_ID] = name_cell(row, base + NF_CONTAINER_ID, id->container_id);
	c[base + NF_CONTAINER_NAME] = name_cell(row, base + NF_CONTAINER_NAME, id->container_name);
	c[base + NF_POD_NAME] = name_cell(row, base + NF_POD_NAME, id->pod_name);
	c[base + NF_POD_NAMESPACE] = name_cell(row, base + NF_POD_NAMESPACE, id->pod_namespace);
	c[base + NF_POD_UID] = name_cell(row, base + NF_POD_UID, id->pod_uid);
	c[base + NF_RUNTIME] = name_cell(row, base + NF_RUNTIME, runtime_name(id->runtime));
	text_cells(row, base, id);
}
