/* Filters by name: which cgroups and network namespaces belong, right now,
 * to the containers a user named with --container NAME-or-ID-prefix or
 * --pod [NAMESPACE/]NAME. One call walks ROOT/proc once (names through the
 * resolver's cache, so a known container costs one read of
 * /proc/PID/cgroup); a caller re-runs it every second or so to pick up
 * containers that start later or restart under the same name. */
#ifndef SOCKLENS_IDENTITY_MATCH_H
#define SOCKLENS_IDENTITY_MATCH_H

#include "identity.h"
#include "resolver.h"

#include <stdint.h>

enum identity_query_kind { QUERY_CONTAINER, QUERY_POD };

struct identity_query {
	enum identity_query_kind kind;
	char name[NAME_MAX_LEN + 1];           /* container name or id prefix; pod name */
	char pod_namespace[NAMESPACE_MAX_LEN + 1]; /* "" = any namespace (and Podman pods) */
};

/* Parses "NAME-or-ID-prefix" (QUERY_CONTAINER) or "[NAMESPACE/]NAME"
 * (QUERY_POD). Returns 0, or -1 with a one-line reason in err. */
int identity_query_parse(struct identity_query *q, enum identity_query_kind kind, const char *text, char *err,
			 size_t err_size);

/* Does id answer the query? A container query matches the container's
 * name, or a prefix of its 64-hex-digit id; a pod query the pod's name
 * (and namespace, if given). identity_match_now() prefers names: where a
 * container is named exactly so, an id prefix matches no other. */
int identity_matches(const struct identity_query *q, const struct container_identity *id);

/* What matches now: the cgroup v2 ids of the cgroups the matching
 * processes are in (the container's own directory, or one it made below
 * it) and their network namespace inodes, each listed once, ascending. */
struct identity_match {
	uint64_t *cgroup_ids;
	size_t ncgroup_ids;
	uint64_t *netns;
	size_t nnetns;
};

/* Fills m (freeing what it held). Returns 0, or -1 if ROOT/proc cannot be
 * read or memory runs out (m is then empty). */
/* m must start zeroed ({0}); reuse it across calls. */
int identity_match_now(struct identity_resolver *r, const struct identity_query *q, struct identity_match *m);
void identity_match_free(struct identity_match *m);

#endif
