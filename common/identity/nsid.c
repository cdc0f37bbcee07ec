#include "nsid.h"

#include "errors.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

uint32_t netns_inode_of(const char *opt, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		usage_error("%s: cannot open '%s': %s (expected /proc/PID/ns/net or /run/netns/NAME)",
			    opt, path, strerror(errno));
	struct stat st;
	int type = ioctl(fd, NS_GET_NSTYPE);
	int ok = fstat(fd, &st) == 0 && type == CLONE_NEWNET;
	close(fd);
	if (!ok)
		usage_error("%s: '%s' is not a network namespace (expected /proc/PID/ns/net or /run/netns/NAME)",
			    opt, path);
	return (uint32_t)st.st_ino;
}

uint64_t cgroup_id_of(const char *opt, const char *path)
{
	struct statfs fs;
	if (statfs(path, &fs) != 0)
		usage_error("%s: cannot open '%s': %s (expected a cgroup v2 directory)", opt, path,
			    strerror(errno));
	if (fs.f_type != CGROUP2_SUPER_MAGIC)
		usage_error("%s: '%s' is not a cgroup v2 directory", opt, path);
	/* The cgroup v2 id is the directory's kernfs file handle. */
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = {.fh.handle_bytes = sizeof(uint64_t)};
	int mount_id;
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) != 0)
		usage_error("%s: cannot read the cgroup id of '%s': %s", opt, path, strerror(errno));
	return h.id;
}
