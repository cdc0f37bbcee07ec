/* A process's cgroup path → the container it runs in: the runtime, the
 * container id, the pod UID and QoS class. Only the layouts below are
 * recognised; any other path is "not a container" (never a guess):
 *
 *   Kubernetes, systemd driver   /kubepods.slice/kubepods-burstable.slice/
 *                                  kubepods-burstable-pod<uid with '_'>.slice/
 *                                  {cri-containerd,crio,docker}-<id>.scope
 *                                (guaranteed pods: kubepods-pod<uid>.slice right under kubepods.slice)
 *   Kubernetes, cgroupfs driver  /kubepods/{burstable,besteffort}/pod<uid>/{<id>,crio-<id>}
 *                                (guaranteed pods: /kubepods/pod<uid>/…)
 *   Docker                       /system.slice/docker-<id>.scope, /docker/<id>
 *   Podman                       /machine.slice/libpod-<id>.scope,
 *                                /machine.slice/machine-libpod_pod_<podid>.slice/libpod-<id>.scope,
 *                                /libpod_parent/libpod-<id>, /libpod_parent/<podid>/libpod-<id>
 *
 * Anything may come before the kubepods component (kind's kubelet.slice,
 * a cgroup root) and after the container's (a cgroup the container made for
 * itself: the container is the outermost one). The monitors that run beside
 * containers (crio-conmon-<id>.scope, libpod-conmon-<id>.scope) are not
 * containers. */
#ifndef SOCKLENS_IDENTITY_CGROUP_PATH_H
#define SOCKLENS_IDENTITY_CGROUP_PATH_H

#include "identity.h"

/* Fills the cgroup-path fields of id (zeroing it first) from one cgroup
 * path ("/kubepods/…"). Returns the length of the path's prefix that is the
 * container's own cgroup directory, or 0 if the path is not a container's. */
size_t identity_from_cgroup_path(const char *path, struct container_identity *id);

/* The same from the text of /proc/PID/cgroup (v1, v2 or hybrid: one
 * "hierarchy-id:controllers:path" line each). The v2 line ("0::") is used
 * when it names a container, else the first v1 line that does. Returns 1
 * for a container, 0 otherwise. If v2_path is not NULL it receives the v2
 * line's path ("" without one), the path under the cgroup v2 tree. */
int identity_from_proc_cgroup(const char *text, struct container_identity *id, char *v2_path,
			      size_t v2_size);

#endif
