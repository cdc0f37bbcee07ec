/* A process of the node → its container, cgroup and network namespace,
 * read from ROOT/proc/PID/{cgroup,ns/net} (paths.h). No caching here
 * (resolver.h caches). A process that has exited gives 0 / not found. */
#ifndef SOCKLENS_IDENTITY_PROCESS_H
#define SOCKLENS_IDENTITY_PROCESS_H

#include "identity.h"
#include "paths.h"

#include <stdint.h>

/* The container of process pid, names included. Returns 1 if it is in a
 * container, 0 if not (a host process) or if it cannot be read. *cgroup_id
 * (if not NULL) gets the inode of its cgroup v2 directory, the id
 * bpf_get_current_cgroup_id() reports, or 0 without a v2 tree. */
int identity_of_pid(const struct identity_paths *p, uint32_t pid, struct container_identity *id,
		    uint64_t *cgroup_id);

/* The cgroup fields only (no state files read): as above. */
int cgroup_identity_of_pid(const struct identity_paths *p, uint32_t pid, struct container_identity *id,
			   uint64_t *cgroup_id);

/* The inode of pid's network namespace (from the "net:[N]" link), 0 if gone. */
uint64_t netns_of_pid(const struct identity_paths *p, uint32_t pid);

/* Calls fn(pid, arg) for each process in ROOT/proc; stops early when fn
 * returns non-zero and returns that. -1 if ROOT/proc cannot be read. */
int for_each_pid(const struct identity_paths *p, int (*fn)(uint32_t pid, void *arg), void *arg);

#endif
