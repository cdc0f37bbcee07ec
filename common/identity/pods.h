/* Finding a pod's network namespace for podnet's -p and --cgroup: from a
 * process, or the processes of a cgroup (--container and --pod are common
 * options, matched at run time: common/tool/namefilter.c). Each
 * adds the namespace inodes to the filter; errors are usage errors. */
#ifndef SOCKLENS_PODS_H
#define SOCKLENS_PODS_H

#include "filter.h"

void pod_of_pid(struct filter_spec *f, const char *opt, const char *pid_list);
void pod_of_cgroup(struct filter_spec *f, const char *opt, const char *path);

#endif
