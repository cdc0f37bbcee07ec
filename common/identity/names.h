/* Container id → names, from the runtime's own state on disk (no socket,
 * no API server): oci_state.h (containerd, CRI-O, runc, crun),
 * docker_state.h, podman_state.h. The runtime from the cgroup path picks
 * where to look; a container whose path does not say (the kubelet's
 * cgroupfs driver) is looked for in containerd's state, then Docker's. */
#ifndef SOCKLENS_IDENTITY_NAMES_H
#define SOCKLENS_IDENTITY_NAMES_H

#include "identity.h"
#include "paths.h"

/* Fills the name fields (and the runtime, if the path did not say) of id,
 * whose cgroup fields are set. Names that cannot be found or trusted stay "". */
void identity_resolve_names(const struct identity_paths *p, struct container_identity *id);

#endif
