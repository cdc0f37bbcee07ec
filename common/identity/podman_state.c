#include "podman_state.h"

#include "statefile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int container_name(const struct identity_paths *p, struct container_identity *id)
{
	char path[PATH_MAX];
	if (identity_path(p, path, sizeof path, "/var/lib/containers/storage/overlay-containers/containers.json"))
		return 0;
	struct json_object *list = statefile_json(path, STATEFILE_LIST_MAX), *names;
	int found = 0;
	for (size_t i = 0; list && json_object_is_type(list, json_type_array) && i < json_object_array_length(list);
	     i++) {
		struct json_object *c = json_object_array_get_idx(list, i);
		const char *cid = json_str(c, "id");
		if (!cid || strcmp(cid, id->container_id) != 0)
			continue;
		found = 1;
		if (json_object_object_get_ex(c, "names", &names) && json_object_is_type(names, json_type_array) &&
		    json_object_array_length(names) > 0) {
			struct json_object *n = json_object_array_get_idx(names, 0);
			if (json_object_is_type(n, json_type_string))
				take_name(id->container_name, NAME_MAX_LEN, json_object_get_string(n));
		}
		break;
	}
	json_object_put(list);
	return found;
}

/* The last "create" event of the pod: a name is never reused while the pod
 * lives, and an id never at all. */
static void pod_name(const struct identity_paths *p, struct container_identity *id)
{
	char path[PATH_MAX];
	if (strlen(id->pod_uid) != CONTAINER_ID_LEN || identity_path(p, path, sizeof path, "/run/libpod/events/events.log"))
		return;
	size_t len;
	char *log = statefile_read(path, PODMAN_EVENTS_MAX, &len);
	for (char *line = log, *end; line && *line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		/* parse only the lines that can be this pod's */
		if (!memmem(line, n, id->pod_uid, CONTAINER_ID_LEN) || !memmem(line, n, "\"pod\"", 5))
			continue;
		struct json_object *ev = statefile_json_text(line, n);
		const char *eid = json_str(ev, "ID"), *type = json_str(ev, "Type"), *status = json_str(ev, "Status");
		if (eid && type && status && !strcmp(eid, id->pod_uid) && !strcmp(type, "pod") && !strcmp(status, "create"))
			take_name(id->pod_name, NAME_MAX_LEN, json_str(ev, "Name"));
		json_object_put(ev);
	}
	free(log);
}

int names_from_podman(const struct identity_paths *p, struct container_identity *id)
{
	int found = container_name(p, id);
	pod_name(p, id);
	return found;
}
