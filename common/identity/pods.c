#include "pods.h"

#include "errors.h"
#include "nsid.h"
#include "parse.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define PID_MAX_LIMIT 4194304

static void add_netns(struct filter_spec *f, const char *opt, uint32_t inum)
{
	for (int i = 0; i < f->nnetns; i++)
		if (f->netns[i] == inum)
			return;
	if (f->nnetns == FILTER_MAX_NETNS)
		usage_error("%s: more than %d network namespaces", opt, FILTER_MAX_NETNS);
	f->netns[f->nnetns++] = inum;
}

/* 0 if the process is gone (it may exit while we look), else its netns.
 * Another user's process needs CAP_SYS_PTRACE: with opt (a process the user
 * named) say so rather than "gone"; scans (opt NULL) pass over it. */
static uint32_t netns_of_process(const char *opt, uint32_t pid)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof path, "/proc/%u/ns/net", pid);
	if (stat(path, &st) == 0)
		return (uint32_t)st.st_ino;
	if (opt && (errno == EACCES || errno == EPERM))
		usage_error("%s: cannot read %s: %s (another user's process: needs CAP_SYS_PTRACE)", opt,
			    path, strerror(errno));
	return 0;
}

void pod_of_pid(struct filter_spec *f, const char *opt, const char *pid_list)
{
	uint32_t pids[FILTER_MAX_PIDS];
	int n = parse_list(opt, "PID", pid_list, 1, PID_MAX_LIMIT, pids, FILTER_MAX_PIDS);
	for (int i = 0; i < n; i++) {
		uint32_t inum = netns_of_process(opt, pids[i]);
		if (!inum)
			usage_error("%s: no process %u", opt, pids[i]);
		add_netns(f, opt, inum);
	}
}

/* nftw() has no context argument: the walk's state. */
static struct {
	struct filter_spec *f;
	const char *opt;
} walk;

static int add_procs_of(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (type != FTW_F || strcmp(path + strlen(path) - strlen("/cgroup.procs"), "/cgroup.procs") != 0)
		return 0;
	FILE *in = fopen(path, "r");
	unsigned pid;
	while (in && fscanf(in, "%u", &pid) == 1) {
		uint32_t inum = netns_of_process(NULL, pid);
		if (inum)
			add_netns(walk.f, walk.opt, inum);
	}
	if (in)
		fclose(in);
	return 0;
}

/* The processes of the cgroup and of every cgroup below it: a pod's slice
 * holds its containers' cgroups, not processes of its own. */
void pod_of_cgroup(struct filter_spec *f, const char *opt, const char *path)
{
	cgroup_id_of(opt, path); /* exits unless a cgroup v2 directory */
	int before = f->nnetns;
	walk.f = f;
	walk.opt = opt;
	if (nftw(path, add_procs_of, 16, FTW_PHYS) != 0)
		usage_error("%s: cannot read '%s': %s", opt, path, strerror(errno));
	if (f->nnetns == before)
		usage_error("%s: no process in '%s' or below (its pod has none running)", opt, path);
}
