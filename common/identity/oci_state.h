/* Names from the OCI runtime state and bundle a container runs from, as
 * containerd's CRI plugin, CRI-O and Podman leave them on disk. The
 * bundle's config.json "annotations" are looked for, in this order, in:
 *
 *   /run/containerd/io.containerd.runtime.v2.task/{k8s.io,moby}/ID/config.json   containerd's bundle
 *   /run/containers/storage/overlay-containers/ID/userdata/config.json          CRI-O's bundle
 *   /var/lib/containers/storage/overlay-containers/ID/userdata/config.json      Podman's (and CRI-O's)
 *   /run/crun/ID/config.json                                                    crun's copy of the bundle
 *   the "bundle=PATH" label of runc's state.json (/run/runc/ID,
 *   /run/containerd/runc/{k8s.io,moby}/ID, /run/docker/runtime-runc/moby/ID),
 *   whose other labels are the annotations themselves (used when the bundle
 *   cannot be read), or the "bundle" of crun's /run/crun/ID/status
 *
 * all under the root prefix (paths.h). Keys read:
 *   containerd  io.kubernetes.cri.{container-name,sandbox-name,sandbox-namespace,sandbox-uid,container-type}
 *   CRI-O       io.kubernetes.{container.name,pod.name,pod.namespace,pod.uid}, io.kubernetes.cri-o.ContainerType
 *   Podman      io.container.manager = "libpod" (its names are not in the bundle: podman_state.h) */
#ifndef SOCKLENS_IDENTITY_OCI_STATE_H
#define SOCKLENS_IDENTITY_OCI_STATE_H

#include "identity.h"
#include "paths.h"

#include <json-c/json.h>

/* The annotations of container id->container_id (an object of strings),
 * or NULL. *found_runtime gets the runtime the location implies
 * (RUNTIME_UNKNOWN if it does not). Free with json_object_put(). */
struct json_object *oci_annotations(const struct identity_paths *p, const char *container_id,
				    enum container_runtime *found_runtime);

/* Fills id's names from Kubernetes annotations or labels (the containerd or
 * the CRI-O/dockershim keys). Returns 1 if they named a pod, 0 if they hold
 * no Kubernetes names, -1 if they contradict id (another pod's UID, a
 * damaged value): then id's names are left empty. */
int names_from_kube_annotations(struct json_object *ann, struct container_identity *id);

#endif
