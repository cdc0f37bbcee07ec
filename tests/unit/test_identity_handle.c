/* A cgroup's path from its id (cgroup_path_of_id): on a cgroup v2 directory
 * this test makes, as root (77, skipped, otherwise), and a made-up id. */
#include "check.h"
#include "cgroup_handle.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where cgroup v2 is mounted (/sys/fs/cgroup, or .../unified on hybrid hosts). */
static int cgroup2_mount(char *out, size_t size)
{
	FILE *f = fopen("/proc/mounts", "r");
	char dev[256], path[PATH_MAX], type[64];
	int found = 0;
	while (f && !found && fscanf(f, "%255s %4095s %63s %*[^\n]", dev, path, type) == 3)
		found = strcmp(type, "cgroup2") == 0 && snprintf(out, size, "%s", path) < (int)size;
	if (f)
		fclose(f);
	return found;
}

int main(void)
{
	char mount[PATH_MAX], dir[PATH_MAX + 64], got[PATH_MAX], want[64];
	if (geteuid() != 0 || !cgroup2_mount(mount, sizeof mount)) {
		fprintf(stderr, "skipped: needs root and a cgroup v2 mount\n");
		return 77;
	}
	snprintf(want, sizeof want, "/socklens-handle-%d", (int)getpid());
	snprintf(dir, sizeof dir, "%s%s", mount, want);
	struct stat st;
	if (mkdir(dir, 0755) != 0 || stat(dir, &st) != 0) {
		fprintf(stderr, "cannot make %s\n", dir);
		return 1;
	}
	CHECK(cgroup_path_of_id(mount, st.st_ino, got, sizeof got));
	CHECK_STR(got, want);
	CHECK(cgroup_path_of_id(mount, 1, got, sizeof got));   /* the root cgroup */
	CHECK_STR(got, "/");
	rmdir(dir);
	CHECK(!cgroup_path_of_id(mount, st.st_ino, got, sizeof got));   /* gone */
	CHECK(!cgroup_path_of_id("/nonexistent", 1, got, sizeof got));
	return check_failures != 0;
}
