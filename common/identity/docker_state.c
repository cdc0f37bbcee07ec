#include "docker_state.h"

#include "oci_state.h"
#include "statefile.h"

#include <stdio.h>
#include <string.h>

int names_from_docker(const struct identity_paths *p, struct container_identity *id)
{
	char rel[128], path[PATH_MAX];
	snprintf(rel, sizeof rel, "/var/lib/docker/containers/%s/config.v2.json", id->container_id);
	if (identity_path(p, path, sizeof path, rel) != 0)
		return 0;
	struct json_object *cfg = statefile_json(path, STATEFILE_MAX), *config, *labels;
	const char *fid = json_str(cfg, "ID"), *name = json_str(cfg, "Name");
	int ok = fid && strcmp(fid, id->container_id) == 0;
	if (ok) {
		id->runtime = RUNTIME_DOCKER;
		/* Kubernetes's names when the kubelet made it, else Docker's own "/NAME" */
		if (json_object_object_get_ex(cfg, "Config", &config) &&
		    json_object_object_get_ex(config, "Labels", &labels) &&
		    names_from_kube_annotations(labels, id) != 0)
			;
		else if (name && name[0] == '/')
			take_name(id->container_name, NAME_MAX_LEN, name + 1);
	}
	json_object_put(cfg);
	return ok;
}
