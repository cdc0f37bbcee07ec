#include "paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fits(int n, size_t size)
{
	return n >= 0 && (size_t)n < size;
}

int identity_path(const struct identity_paths *p, char *buf, size_t size, const char *abs)
{
	return fits(snprintf(buf, size, "%s%s", p->root, abs), size) ? 0 : -1;
}

int identity_paths_init(struct identity_paths *p, const char *root)
{
	memset(p, 0, sizeof *p);
	size_t len = root ? strlen(root) : 0;
	while (len > 0 && root[len - 1] == '/') /* "/" and "/host/" mean "" and "/host" */
		len--;
	if (len >= sizeof p->root)
		return -1;
	memcpy(p->root, root ? root : "", len);
	if (identity_path(p, p->proc, sizeof p->proc, "/proc") != 0)
		return -1;
	/* A pure v2 host mounts the tree at /sys/fs/cgroup; a hybrid one (systemd's
	 * default before v2, and this CI host) at /sys/fs/cgroup/unified. */
	static const char *const trees[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
	for (size_t i = 0; i < sizeof trees / sizeof trees[0]; i++) {
		char probe[PATH_MAX + 32];
		if (!fits(snprintf(probe, sizeof probe, "%s%s/cgroup.controllers", p->root, trees[i]),
			  sizeof probe))
			return -1;
		if (access(probe, F_OK) == 0)
			return identity_path(p, p->cgroup2, sizeof p->cgroup2, trees[i]);
	}
	return 0;
}

int identity_paths_from_env(struct identity_paths *p)
{
	return identity_paths_init(p, getenv(IDENTITY_ROOT_ENV));
}
