/* A cgroup's path from its id (cgroup_path_of_id): on a cgroup v2 directory
 * this test makes, as root (77, skipped, otherwise), and a made-up id. */
#include "check.h"
#include "cgroup_handle.h"
#include "paths.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	/* the module's own idea of where cgroup v2 is mounted */
	struct identity_paths p;
	char dir[PATH_MAX + 64], got[PATH_MAX], want[64];
	if (geteuid() != 0 || identity_paths_init(&p, NULL) != 0 || !p.cgroup2[0]) {
		fprintf(stderr, "skipped: needs root and a cgroup v2 mount\n");
		return 77;
	}
	snprintf(want, sizeof want, "/socklens-handle-%d", (int)getpid());
	snprintf(dir, sizeof dir, "%s%s", p.cgroup2, want);
	struct stat st;
	if (mkdir(dir, 0755) != 0 || stat(dir, &st) != 0) {
		fprintf(stderr, "cannot make %s\n", dir);
		return 1;
	}
	CHECK(cgroup_path_of_id(p.cgroup2, st.st_ino, got, sizeof got));
	CHECK_STR(got, want);
	CHECK(cgroup_path_of_id(p.cgroup2, 1, got, sizeof got));   /* the root cgroup */
	CHECK_STR(got, "/");
	rmdir(dir);
	CHECK(!cgroup_path_of_id(p.cgroup2, st.st_ino, got, sizeof got));   /* gone */
	CHECK(!cgroup_path_of_id("/nonexistent", 1, got, sizeof got));
	return check_failures != 0;
}
