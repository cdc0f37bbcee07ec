/* What socklens knows about the container and pod behind a process, a
 * cgroup or a network namespace. Every field comes from the node itself:
 * the ids, the pod UID and the QoS class from the process's cgroup path
 * (cgroup_path.h), the names from the runtime's state files on disk
 * (names.h). An empty string means "not known", never a guess. */
#ifndef SOCKLENS_IDENTITY_H
#define SOCKLENS_IDENTITY_H

#include <stddef.h>

#define CONTAINER_ID_LEN 64   /* runtimes name containers by 64 lowercase hex digits */
#define POD_UID_MAX 64        /* a Kubernetes UID (36) or config hash (32); a Podman pod id (64) */
#define NAME_MAX_LEN 253      /* a Kubernetes object name is at most a DNS subdomain */
#define NAMESPACE_MAX_LEN 63  /* a Kubernetes namespace is a DNS label */

enum container_runtime {
	RUNTIME_UNKNOWN = 0, /* a container whose path does not say (the kubelet's cgroupfs driver) */
	RUNTIME_CONTAINERD,
	RUNTIME_CRIO,
	RUNTIME_DOCKER,
	RUNTIME_PODMAN,
};

/* Kubernetes's QoS class, from the kubepods slice the pod sits in. */
enum pod_qos {
	QOS_NONE = 0, /* not a Kubernetes pod */
	QOS_GUARANTEED, /* the pod's cgroup sits right under kubepods */
	QOS_BURSTABLE,
	QOS_BESTEFFORT,
};

struct container_identity {
	/* from the cgroup path */
	enum container_runtime runtime;
	char container_id[CONTAINER_ID_LEN + 1]; /* "" = not a container */
	char pod_uid[POD_UID_MAX + 1];           /* lowercase, '-' separated; Podman: the pod id */
	enum pod_qos qos;
	/* from the runtime's state on disk; "" = unresolved */
	char container_name[NAME_MAX_LEN + 1];
	char pod_name[NAME_MAX_LEN + 1];
	char pod_namespace[NAMESPACE_MAX_LEN + 1]; /* Kubernetes only */
	int sandbox; /* 1: the pod's sandbox (pause/infra) container, which has no name of its own */
};

static inline int identity_is_container(const struct container_identity *id)
{
	return id->container_id[0] != '\0';
}

/* "containerd", "cri-o", "docker", "podman", or "" for RUNTIME_UNKNOWN. */
const char *runtime_name(enum container_runtime rt);
/* "guaranteed", "burstable", "besteffort", or "" for QOS_NONE. */
const char *qos_name(enum pod_qos qos);

#endif
