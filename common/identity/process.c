#include "process.h"

#include "cgroup_path.h"
#include "names.h"
#include "statefile.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* /proc/PID/cgroup is a line per hierarchy: a few hundred bytes. */
#define PROC_CGROUP_MAX (64u << 10)

int cgroup_identity_of_pid(const struct identity_paths *p, uint32_t pid, struct container_identity *id,
			   uint64_t *cgroup_id)
{
	char path[PATH_MAX], v2[4096];
	memset(id, 0, sizeof *id);
	if (cgroup_id)
		*cgroup_id = 0;
	if (snprintf(path, sizeof path, "%s/%u/cgroup", p->proc, pid) >= (int)sizeof path)
		return 0;
	char *text = statefile_read(path, PROC_CGROUP_MAX, NULL);
	if (!text)
		return 0;
	int found = identity_from_proc_cgroup(text, id, v2, sizeof v2);
	free(text);
	struct stat st;
	if (cgroup_id && p->cgroup2[0] && v2[0] == '/' &&
	    snprintf(path, sizeof path, "%s%s", p->cgroup2, v2) < (int)sizeof path && stat(path, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		*cgroup_id = st.st_ino;
	return found;
}

int identity_of_pid(const struct identity_paths *p, uint32_t pid, struct container_identity *id,
		    uint64_t *cgroup_id)
{
	int found = cgroup_identity_of_pid(p, pid, id, cgroup_id);
	if (found)
		identity_resolve_names(p, id);
	return found;
}

uint64_t netns_of_pid(const struct identity_paths *p, uint32_t pid)
{
	char path[PATH_MAX], link[64];
	if (snprintf(path, sizeof path, "%s/%u/ns/net", p->proc, pid) >= (int)sizeof path)
		return 0;
	ssize_t n = readlink(path, link, sizeof link - 1);
	unsigned long long ino;
	char end;
	if (n <= 0)
		return 0;
	link[n] = '\0';
	return sscanf(link, "net:[%llu%c", &ino, &end) == 2 && end == ']' ? ino : 0;
}

int for_each_pid(const struct identity_paths *p, int (*fn)(uint32_t pid, void *arg), void *arg)
{
	DIR *d = opendir(p->proc);
	if (!d)
		return -1;
	int rc = 0;
	for (struct dirent *e; !rc && (e = readdir(d));) {
		char *end;
		unsigned long pid = strtoul(e->d_name, &end, 10);
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && !*end && pid <= UINT32_MAX)
			rc = fn((uint32_t)pid, arg);
	}
	closedir(d);
	return rc;
}
