/* The kernel's ids behind names a user gives: a network namespace file's
 * inode, a cgroup directory's id. Errors are usage errors naming opt. */
#ifndef SOCKLENS_NSID_H
#define SOCKLENS_NSID_H

#include <stdint.h>

/* The netns inode of a /proc/PID/ns/net or /run/netns/NAME file (exits 2 if not one). */
uint32_t netns_inode_of(const char *opt, const char *path);
/* The cgroup v2 id of a cgroup directory (exits 2 if not one). */
uint64_t cgroup_id_of(const char *opt, const char *path);

#endif
