/* The container and pod of each record (docs/json.md, "Containers and
 * pods"), resolved in user space by the identity module's cached resolver:
 * once per cgroup id or namespace inode, never on the kernel's path. A tool
 * puts NAME_COLUMNS(base) at the end of its columns and reserves
 * NAME_NFIELDS fields from base; the lifecycle does the rest. */
#ifndef SOCKLENS_RECORDNAMES_H
#define SOCKLENS_RECORDNAMES_H

#include "event_common.h"
#include "output.h"
#include "resolver.h"

enum name_field {
	NF_CONTAINER_ID, NF_CONTAINER_NAME, NF_POD_NAME, NF_POD_NAMESPACE, NF_POD_UID, NF_RUNTIME,
	NF_NETNS_POD_NAME, NF_NETNS_POD_NAMESPACE, /* TCP tools: the pod of the socket's namespace */
	NF_POD_TEXT, NF_CONTAINER_TEXT,             /* --names */
	NAME_NFIELDS
};

#define NAME_COLUMNS(b)                                                                              \
	{"POD", -24, NULL, false, (b) + NF_POD_TEXT}, {"CONTAINER", -20, NULL, false, (b) + NF_CONTAINER_TEXT}, \
	{NULL, 0, "container_id", false, (b) + NF_CONTAINER_ID},                                     \
	{NULL, 0, "container_name", false, (b) + NF_CONTAINER_NAME},                                 \
	{NULL, 0, "pod_name", false, (b) + NF_POD_NAME},                                             \
	{NULL, 0, "pod_namespace", false, (b) + NF_POD_NAMESPACE},                                   \
	{NULL, 0, "pod_uid", false, (b) + NF_POD_UID}, {NULL, 0, "runtime", false, (b) + NF_RUNTIME}, \
	{NULL, 0, "netns_pod_name", false, (b) + NF_NETNS_POD_NAME},                                 \
	{NULL, 0, "netns_pod_namespace", false, (b) + NF_NETNS_POD_NAMESPACE}

/* Whose names a record carries. */
enum names_by {
	NAMES_BY_PROCESS, /* TCP tools: the process's container; netns_pod_* the socket's namespace */
	NAMES_BY_NETNS,   /* podnet: the pod of the namespace the packet was in */
	NAMES_BY_CGROUP,  /* a count row: the container of a cgroup id, no process known */
};

/* on: names resolved (else every name column is dropped); text: the POD and
 * CONTAINER text columns. */
void names_columns(struct column *cols, int ncols, int base, enum names_by by, bool on, bool text);

/* The name cells of a record that begins with h; only shown fields are
 * computed, and nothing is resolved when none is shown. */
void names_fill(struct identity_resolver *r, const struct event_head *h, enum names_by by, struct row *row,
		int base);

#endif
