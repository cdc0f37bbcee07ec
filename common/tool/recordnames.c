#include "recordnames.h"

#include "tcpfields.h"

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

void names_fill(struct identity_resolver *r, const struct event_head *h, enum names_by by, struct row *row,
		int base)
{
	if (!r || !any_shown(row, base))
		return;
	struct cell *c = row->cells;
	/* the socket's namespace first: the process's answer is used last */
	if (by == NAMES_BY_PROCESS && h->netns &&
	    (row_shown(row, base + NF_NETNS_POD_NAME) || row_shown(row, base + NF_NETNS_POD_NAMESPACE))) {
		const struct container_identity *ns = identity_of_netns(r, h->netns);
		c[base + NF_NETNS_POD_NAME] = name_cell(row, base + NF_NETNS_POD_NAME, ns ? ns->pod_name : NULL);
		c[base + NF_NETNS_POD_NAMESPACE] =
			name_cell(row, base + NF_NETNS_POD_NAMESPACE, ns ? ns->pod_namespace : NULL);
		if (!ns || !ns->pod_name[0])
			absent(row, base + NF_NETNS_POD_NAME, base + NF_NETNS_POD_NAMESPACE + 1);
	} else if (by == NAMES_BY_PROCESS) {
		absent(row, base + NF_NETNS_POD_NAME, base + NF_NETNS_POD_NAMESPACE + 1);
	}
	/* pid 0: no process was seen, so no container is named */
	const struct container_identity *id =
		by == NAMES_BY_NETNS ? (h->netns ? identity_of_netns(r, h->netns) : NULL)
		: h->pid ? identity_of_cgroup(r, h->cgroup_id, h->pid) : NULL;
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
