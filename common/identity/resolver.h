/* Cached resolution for the tools: the identity behind a cgroup id (the
 * TCP tools' records) or a network namespace inode (podnet's). Each key is
 * resolved once and remembered in a bounded LRU cache (cache.h), one for
 * cgroups and one for namespaces, IDENTITY_CACHE_ENTRIES each unless told
 * otherwise. A miss is resolved at once; a "not found" is remembered only
 * IDENTITY_RETRY_NS, so a container that appears later is found. A found
 * namespace is checked again every IDENTITY_RETRY_NS (is a process that was
 * in it still there? the kernel reuses a freed namespace's inode number for
 * the next one, a new pod's: a cgroup id is never reused) and resolved
 * anew after IDENTITY_NETNS_TTL_NS (containers joining or leaving a pod;
 * IDENTITY_NETNS_ONE_TTL_NS while it holds one container, as a pod does
 * before its containers join its infra or pause container).
 * Not thread-safe; meant for the tool's one user-space thread, off the
 * kernel's event path. */
#ifndef SOCKLENS_IDENTITY_RESOLVER_H
#define SOCKLENS_IDENTITY_RESOLVER_H

#include "identity.h"
#include "paths.h"

#include <stdint.h>

#define IDENTITY_CACHE_ENTRIES 4096
#define IDENTITY_RETRY_NS 1000000000ull     /* 1 s */
#define IDENTITY_NETNS_TTL_NS 10000000000ull /* 10 s */
#define IDENTITY_NETNS_ONE_TTL_NS 2000000000ull /* 2 s: one container in it so far */

struct identity_resolver;

/* p is copied. capacity 0 = IDENTITY_CACHE_ENTRIES. NULL if out of memory. */
struct identity_resolver *identity_resolver_new(const struct identity_paths *p, size_t capacity);
void identity_resolver_free(struct identity_resolver *r);

/* The container whose cgroup v2 id is cgroup_id, or NULL if it is not a
 * container's (or cannot be resolved now). pid: a process seen in that
 * cgroup (0 if none): its /proc/PID/cgroup is read if it is still in that
 * cgroup; otherwise the cgroup v2 tree is searched for the directory. The
 * pointer is valid until the next call on r. */
const struct container_identity *identity_of_cgroup(struct identity_resolver *r, uint64_t cgroup_id,
						    uint32_t pid);

/* The pod (or lone container) whose network namespace has inode netns, or
 * NULL. The namespace's processes are found in ROOT/proc; all of them must
 * be in containers of one pod (or one container): a namespace shared with
 * a host process (the host's own, a hostNetwork pod's) or by two pods is
 * NULL, never a guess. With several containers of one pod, the container
 * fields are empty (identity_is_container() is 0) and the pod fields set.
 * Valid until the next call on r. */
/* Changes whenever a lookup resolved and stored something: an answer
 * (pointer) kept from before is still valid while this stays the same. */
uint64_t identity_resolver_generation(const struct identity_resolver *r);

const struct container_identity *identity_of_netns(struct identity_resolver *r, uint64_t netns);

/* Tests: replace the monotonic clock (ns). */
void identity_resolver_set_clock(struct identity_resolver *r, uint64_t (*now_ns)(void));
const struct identity_paths *identity_resolver_paths(const struct identity_resolver *r);

#endif
