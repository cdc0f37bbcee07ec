#include "cgroup_handle.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* include/linux/exportfs.h: kernfs (cgroup v2) handles, 8 bytes of id */
#define FILEID_KERNFS 0xfe

int cgroup_path_of_id(const char *mount_path, uint64_t cgroup_id, char *out, size_t size)
{
	int mount = open(mount_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mount < 0)
		return 0;
	struct {
		struct file_handle h;
		uint64_t id;
	} handle = {.h = {.handle_bytes = sizeof(uint64_t), .handle_type = FILEID_KERNFS}};
	memcpy(handle.h.f_handle, &cgroup_id, sizeof cgroup_id);
	int fd = open_by_handle_at(mount, &handle.h, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(mount);
	if (fd < 0)
		return 0;
	char link[64], path[PATH_MAX];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof path - 1);
	close(fd);
	if (n <= 0)
		return 0;
	path[n] = '\0';
	/* the link names the directory as this mount namespace sees it: below
	 * the mount point we opened (a prefix such as /host included) */
	size_t m = strlen(mount_path);
	while (m > 1 && mount_path[m - 1] == '/')
		m--;
	if (strncmp(path, mount_path, m) != 0 || (path[m] != '/' && path[m] != '\0'))
		return 0;
	return snprintf(out, size, "%s", path[m] ? path + m : "/") < (int)size;
}
