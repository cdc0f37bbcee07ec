#include "resolver.h"

#include "cache.h"
#include "cgroup_handle.h"
#include "cgroup_path.h"
#include "names.h"
#include "process.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Deeper cgroups are not a container runtime's. */
#define CGROUP_WALK_DEPTH 16

struct identity_resolver {
	struct identity_paths paths;
	struct identity_cache *cgroups, *netns;
	uint64_t (*now_ns)(void);
	uint64_t generation;    /* counts puts: an answer given before may have moved */
};

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct identity_resolver *identity_resolver_new(const struct identity_paths *p, size_t capacity)
{
	struct identity_resolver *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->paths = *p;
	r->now_ns = monotonic_ns;
	r->cgroups = identity_cache_new(capacity ? capacity : IDENTITY_CACHE_ENTRIES);
	r->netns = identity_cache_new(capacity ? capacity : IDENTITY_CACHE_ENTRIES);
	if (!r->cgroups || !r->netns) {
		identity_resolver_free(r);
		return NULL;
	}
	return r;
}

void identity_resolver_free(struct identity_resolver *r)
{
	if (!r)
		return;
	identity_cache_free(r->cgroups);
	identity_cache_free(r->netns);
	free(r);
}

void identity_resolver_set_clock(struct identity_resolver *r, uint64_t (*now_ns)(void))
{
	r->now_ns = now_ns;
}

uint64_t identity_resolver_generation(const struct identity_resolver *r)
{
	return r->generation;
}

const struct identity_paths *identity_resolver_paths(const struct identity_resolver *r)
{
	return &r->paths;
}

/* Finds the directory with inode ino below path (len bytes used); leaves its
 * path there and returns 1. */
static int find_cgroup(char *path, size_t len, size_t size, uint64_t ino, int depth)
{
	DIR *d = depth < CGROUP_WALK_DEPTH ? opendir(path) : NULL;
	int found = 0;
	for (struct dirent *e; d && !found && (e = readdir(d));) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		int n = snprintf(path + len, size - len, "/%s", e->d_name);
		if (n < 0 || (size_t)n >= size - len)
			continue;
		found = e->d_ino == ino || find_cgroup(path, len + (size_t)n, size, ino, depth + 1);
	}
	if (d)
		closedir(d);
	if (!found)
		path[len] = '\0';
	return found;
}

static int resolve_cgroup(const struct identity_paths *p, uint64_t cgroup_id, uint32_t pid,
			  struct container_identity *id)
{
	uint64_t seen = 0;
	if (pid) {
		int found = cgroup_identity_of_pid(p, pid, id, &seen);
		/* The process is still in that cgroup: its path is the answer,
		 * a container's or not. Only a process gone (or moved) needs the
		 * walk of the whole cgroup tree below. */
		if (seen == cgroup_id) {
			if (found)
				identity_resolve_names(p, id);
			return found;
		}
		memset(id, 0, sizeof *id);
	}
	char path[PATH_MAX];
	size_t root = strlen(p->cgroup2);
	if (!root || root >= sizeof path)
		return 0;
	/* the process is gone (short-lived, or a socket's owner): from the id,
	 * in one call where the kernel allows it, else by walking the tree */
	const char *rel = path;
	if (!cgroup_path_of_id(p->cgroup2, cgroup_id, path, sizeof path)) {
		memcpy(path, p->cgroup2, root + 1);
		if (!find_cgroup(path, root, sizeof path, cgroup_id, 0))
			return 0;
		rel = path + root;
	}
	if (!identity_from_cgroup_path(rel, id))
		return 0;
	identity_resolve_names(p, id);
	return 1;
}

const struct container_identity *identity_of_cgroup(struct identity_resolver *r, uint64_t cgroup_id,
						    uint32_t pid)
{
	uint64_t now = r->now_ns();
	const struct cache_entry *hit = identity_cache_get(r->cgroups, cgroup_id, now);
	if (hit)
		return hit->found ? &hit->id : NULL;
	struct container_identity id = {0};
	int found = resolve_cgroup(&r->paths, cgroup_id, pid, &id);
	r->generation++;
	struct cache_entry *e = identity_cache_put(r->cgroups, cgroup_id, found ? 0 : now + IDENTITY_RETRY_NS);
	e->found = found;
	e->id = id;
	return found ? &e->id : NULL;
}

/* The processes of one namespace, as they are found. */
struct netns_walk {
	const struct identity_paths *paths;
	uint64_t netns;
	int procs, host;          /* processes in it; of them, not in a container */
	int one_container, one_pod;
	uint32_t witness;         /* the first container process found in it */
	struct container_identity first;
};

static int visit(uint32_t pid, void *arg)
{
	struct netns_walk *w = arg;
	struct container_identity id = {0};
	if (netns_of_pid(w->paths, pid) != w->netns)
		return 0;
	if (!cgroup_identity_of_pid(w->paths, pid, &id, NULL)) {
		/* a process that exited since its namespace was read (a shell's
		 * short-lived child, forked for each connection) left nothing to
		 * read: it is no host process sharing the namespace */
		if (netns_of_pid(w->paths, pid) != w->netns)
			return 0;
		w->host++;
		return 1; /* shared with the host: nothing more to learn */
	}
	if (w->procs++ == 0) {
		w->first = id;
		w->witness = pid;
		w->one_container = w->one_pod = 1;
		return 0;
	}
	w->one_container &= strcmp(id.container_id, w->first.container_id) == 0;
	w->one_pod &= id.pod_uid[0] && strcmp(id.pod_uid, w->first.pod_uid) == 0;
	return 0;
}

static int resolve_netns(const struct identity_paths *p, uint64_t netns, struct container_identity *id,
			 uint32_t *witness)
{
	struct netns_walk w = {.paths = p, .netns = netns};
	if (for_each_pid(p, visit, &w) < 0 || w.host || !w.procs || (!w.one_container && !w.one_pod))
		return 0;
	*id = w.first;
	*witness = w.witness;
	identity_resolve_names(p, id);
	if (!w.one_container) { /* the pod's, not one container's */
		id->container_id[0] = id->container_name[0] = '\0';
		id->sandbox = 0;
	}
	return 1;
}

const struct container_identity *identity_of_netns(struct identity_resolver *r, uint64_t netns)
{
	uint64_t now = r->now_ns();
	struct cache_entry *hit = identity_cache_get(r->netns, netns, now);
	/* Once a second, the process the name was learnt from must still be in
	 * the namespace: when it is gone, so may be the namespace, and its inode
	 * number may now be a new pod's. */
	if (hit && hit->found && now - hit->checked_ns >= IDENTITY_RETRY_NS) {
		if (netns_of_pid(&r->paths, hit->witness) == netns)
			hit->checked_ns = now;
		else
			hit = NULL;
	}
	if (hit)
		return hit->found ? &hit->id : NULL;
	struct container_identity id = {0};
	uint32_t witness = 0;
	int found = resolve_netns(&r->paths, netns, &id, &witness);
	r->generation++;
	/* one container so far may be a pod's first (its infra or pause
	 * container, before the others join): asked again sooner */
	uint64_t ttl = !found ? IDENTITY_RETRY_NS : id.container_id[0] ? IDENTITY_NETNS_ONE_TTL_NS : IDENTITY_NETNS_TTL_NS;
	struct cache_entry *e = identity_cache_put(r->netns, netns, now + ttl);
	e->found = found;
	e->id = id;
	e->witness = witness;
	e->checked_ns = now;
	return found ? &e->id : NULL;
}
