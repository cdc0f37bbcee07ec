#include "names.h"

#include "docker_state.h"
#include "oci_state.h"
#include "podman_state.h"
#include "statefile.h"

#include <string.h>

/* containerd, CRI-O, crun or runc state; 1 if any was found. */
static int names_from_oci(const struct identity_paths *p, struct container_identity *id)
{
	enum container_runtime where = RUNTIME_UNKNOWN;
	struct json_object *ann = oci_annotations(p, id->container_id, &where);
	if (!ann)
		return 0;
	const char *manager = json_str(ann, "io.container.manager");
	if (manager && strcmp(manager, "libpod") == 0 && id->runtime == RUNTIME_UNKNOWN)
		id->runtime = RUNTIME_PODMAN;
	if (id->runtime != RUNTIME_PODMAN)
		names_from_kube_annotations(ann, id);
	if (id->runtime == RUNTIME_UNKNOWN)
		id->runtime = where;
	json_object_put(ann);
	return 1;
}

void identity_resolve_names(const struct identity_paths *p, struct container_identity *id)
{
	if (!identity_is_container(id))
		return;
	switch (id->runtime) {
	case RUNTIME_PODMAN:
		names_from_podman(p, id);
		break;
	case RUNTIME_DOCKER:
		if (!names_from_docker(p, id))
			names_from_oci(p, id);
		break;
	default:
		if (!names_from_oci(p, id) && id->runtime == RUNTIME_UNKNOWN)
			names_from_docker(p, id);
		if (id->runtime == RUNTIME_PODMAN)
			names_from_podman(p, id);
		break;
	}
}
