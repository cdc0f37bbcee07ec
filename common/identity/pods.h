/* Finding a pod's network namespace: from a process, the processes of a
 * cgroup, or a container id (as container runtimes name cgroups). Each
 * adds the namespace inodes to the filter; errors are usage errors. */
#ifndef SOCKLENS_PODS_H
#define SOCKLENS_PODS_H

#include "filter.h"

void pod_of_pid(struct filter_spec *f, const char *opt, const char *pid_list);
void pod_of_cgroup(struct filter_spec *f, const char *opt, const char *path);
void pod_of_container(struct filter_spec *f, const char *opt, const char *id_prefix);

/* Does one line of /proc/PID/cgroup name a container whose id starts with
 * prefix? (a 64-hex-digit path component, bare or inside "docker-ID.scope",
 * "cri-containerd-ID.scope", "crio-ID"...) Exposed for tests. */
int cgroup_line_has_container(const char *line, const char *prefix);

#endif
