/* Where the node's state is read from. Everything (procfs, the cgroup v2
 * tree, the runtimes' state under /run and /var/lib) is read under one root
 * prefix: "" on the node itself, "/host" in a DaemonSet that mounts the
 * node's / there (with hostPID, so that ROOT/proc is the node's procfs),
 * or a temporary directory laid out by a test. */
#ifndef SOCKLENS_IDENTITY_PATHS_H
#define SOCKLENS_IDENTITY_PATHS_H

#include <limits.h>
#include <stddef.h>

/* The environment variable that sets the root prefix; unset or "" = "/". */
#define IDENTITY_ROOT_ENV "SOCKLENS_HOST_ROOT"

struct identity_paths {
	char root[PATH_MAX];    /* prefix without a trailing '/'; "" for the real root */
	char proc[PATH_MAX];    /* ROOT/proc */
	char cgroup2[PATH_MAX]; /* the cgroup v2 tree: ROOT/sys/fs/cgroup, or ROOT/sys/fs/cgroup/unified
				   on a hybrid host; "" if neither holds cgroup.controllers */
};

/* root: NULL or "" for the real root. Returns 0, or -1 if the prefix is too long. */
int identity_paths_init(struct identity_paths *p, const char *root);
/* identity_paths_init() with $SOCKLENS_HOST_ROOT. */
int identity_paths_from_env(struct identity_paths *p);

/* ROOT + abs (abs starts with '/') into buf; 0, or -1 if it does not fit. */
int identity_path(const struct identity_paths *p, char *buf, size_t size, const char *abs);

#endif
