/* A cgroup v2 directory's path from its id, in one system call: the id of
 * a cgroup (bpf_get_current_cgroup_id(), the records' cgroup_id) is its
 * kernfs inode number, which is also its file handle (FILEID_KERNFS). */
#ifndef SOCKLENS_CGROUP_HANDLE_H
#define SOCKLENS_CGROUP_HANDLE_H

#include <stddef.h>
#include <stdint.h>

/* Writes the path of cgroup cgroup_id, relative to the cgroup v2 mount
 * mount_path (e.g. "/system.slice/x.service"), into out. Returns 1, or 0
 * when it cannot say: no such cgroup (gone), no CAP_DAC_READ_SEARCH, a
 * kernel without cgroup file handles; the caller then walks the tree. */
int cgroup_path_of_id(const char *mount_path, uint64_t cgroup_id, char *out, size_t size);

#endif
