/* Podman's names, from the plain files Podman 4.3 (Debian bookworm) keeps
 * for root. Its own database (/var/lib/containers/storage/libpod/bolt_state.db)
 * is a binary bolt file and is not read; what it holds is also in:
 *
 *   container name  /var/lib/containers/storage/overlay-containers/containers.json,
 *                   containers/storage's list: [{"id": ID, "names": [NAME]}…]
 *   pod name        /run/libpod/events/events.log, Podman's event log (the "file"
 *                   events backend, the default where there is no journald), one
 *                   JSON object a line: {"ID": POD_ID, "Name": NAME, "Status":
 *                   "create", "Type": "pod"} when the pod was made
 *
 * both under the root prefix. The pod id comes from the cgroup path
 * (libpod_parent/POD_ID/…, machine-libpod_pod_POD_ID.slice). A pod made while
 * events went to journald, or whose create event was rotated out of the log,
 * keeps an empty pod name. */
#ifndef SOCKLENS_IDENTITY_PODMAN_STATE_H
#define SOCKLENS_IDENTITY_PODMAN_STATE_H

#include "identity.h"
#include "paths.h"

/* The events log is read up to this many bytes (Podman rotates it at 1 MB
 * when events_logfile_max_size is set; unset it grows). */
#define PODMAN_EVENTS_MAX (64u << 20)

/* Fills id->container_name, and id->pod_name when id->pod_uid is a pod id.
 * Returns 1 if the container was found in containers/storage's list. */
int names_from_podman(const struct identity_paths *p, struct container_identity *id);

#endif
