#include "oci_state.h"

#include "statefile.h"

#include <stdio.h>
#include <string.h>

/* The JSON file at ROOT/dir/name/file. */
static struct json_object *json_at(const struct identity_paths *p, const char *dir, const char *name,
				   const char *file)
{
	char rel[PATH_MAX], path[PATH_MAX];
	int n = snprintf(rel, sizeof rel, "%s%s%s", dir, name, file);
	if (n < 0 || (size_t)n >= sizeof rel || identity_path(p, path, sizeof path, rel) != 0)
		return NULL;
	return statefile_json(path, STATEFILE_MAX);
}

/* config["annotations"] as a new reference, if it is an object. */
static struct json_object *bundle_annotations(struct json_object *config)
{
	struct json_object *ann;
	if (!config || !json_object_is_type(config, json_type_object) ||
	    !json_object_object_get_ex(config, "annotations", &ann) || !json_object_is_type(ann, json_type_object))
		return NULL;
	return json_object_get(ann);
}

/* The bundle directory a state file names: absolute, no "..", under the root prefix. */
static struct json_object *annotations_in_bundle(const struct identity_paths *p, const char *bundle)
{
	if (!bundle || bundle[0] != '/' || strstr(bundle, "/..") || strlen(bundle) > 1024)
		return NULL;
	struct json_object *config = json_at(p, bundle, "", "/config.json");
	struct json_object *ann = bundle_annotations(config);
	json_object_put(config);
	return ann;
}

/* runc's state.json: {"id": ID, "config": {"labels": ["bundle=PATH", "KEY=VALUE"…]}} (runc copies
 * the bundle's annotations into the labels). The bundle's own file first, the labels if it is gone. */
static struct json_object *runc_annotations(const struct identity_paths *p, struct json_object *state,
					    const char *id)
{
	struct json_object *config, *labels;
	const char *sid = json_str(state, "id");
	if (!sid || strcmp(sid, id) != 0 || !json_object_object_get_ex(state, "config", &config) ||
	    !json_object_object_get_ex(config, "labels", &labels) ||
	    !json_object_is_type(labels, json_type_array))
		return NULL;
	struct json_object *ann = json_object_new_object();
	const char *bundle = NULL;
	for (size_t i = 0; ann && i < json_object_array_length(labels); i++) {
		struct json_object *l = json_object_array_get_idx(labels, i);
		const char *s = json_object_is_type(l, json_type_string) ? json_object_get_string(l) : NULL;
		const char *eq = s ? strchr(s, '=') : NULL;
		if (!eq || eq == s || eq - s > 256)
			continue;
		char key[257];
		memcpy(key, s, (size_t)(eq - s));
		key[eq - s] = '\0';
		if (strcmp(key, "bundle") == 0)
			bundle = eq + 1;
		else
			json_object_object_add(ann, key, json_object_new_string(eq + 1));
	}
	struct json_object *from_bundle = annotations_in_bundle(p, bundle);
	if (from_bundle) {
		json_object_put(ann);
		return from_bundle;
	}
	return ann;
}

struct json_object *oci_annotations(const struct identity_paths *p, const char *container_id,
				    enum container_runtime *found_runtime)
{
	static const struct {
		const char *dir, *file;
		enum container_runtime rt;
	} bundles[] = {
		{"/run/containerd/io.containerd.runtime.v2.task/k8s.io/", "/config.json", RUNTIME_CONTAINERD},
		{"/run/containerd/io.containerd.runtime.v2.task/moby/", "/config.json", RUNTIME_DOCKER},
		{"/run/containers/storage/overlay-containers/", "/userdata/config.json", RUNTIME_UNKNOWN},
		{"/var/lib/containers/storage/overlay-containers/", "/userdata/config.json", RUNTIME_UNKNOWN},
		{"/run/crun/", "/config.json", RUNTIME_UNKNOWN},
	}, states[] = {
		{"/run/runc/", "/state.json", RUNTIME_UNKNOWN},
		{"/run/containerd/runc/k8s.io/", "/state.json", RUNTIME_CONTAINERD},
		{"/run/containerd/runc/moby/", "/state.json", RUNTIME_DOCKER},
		{"/run/docker/runtime-runc/moby/", "/state.json", RUNTIME_DOCKER},
		{"/run/crun/", "/status", RUNTIME_UNKNOWN},
	};
	/* the id is 64 hex digits (cgroup_path.c made sure): it cannot climb out of these paths */
	if (strlen(container_id) != CONTAINER_ID_LEN || strspn(container_id, "0123456789abcdef") != CONTAINER_ID_LEN)
		return NULL;
	for (size_t i = 0; i < sizeof bundles / sizeof bundles[0]; i++) {
		struct json_object *config = json_at(p, bundles[i].dir, container_id, bundles[i].file);
		struct json_object *ann = bundle_annotations(config);
		json_object_put(config);
		if (ann) {
			*found_runtime = bundles[i].rt;
			return ann;
		}
	}
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
		struct json_object *state = json_at(p, states[i].dir, container_id, states[i].file);
		struct json_object *ann = !state ? NULL
					  : json_str(state, "bundle")
						  ? annotations_in_bundle(p, json_str(state, "bundle")) /* crun */
						  : runc_annotations(p, state, container_id);
		json_object_put(state);
		if (ann) {
			*found_runtime = states[i].rt;
			return ann;
		}
	}
	return NULL;
}

int names_from_kube_annotations(struct json_object *ann, struct container_identity *id)
{
	static const struct {
		const char *container, *pod, *ns, *uid, *type, *sandbox;
		enum container_runtime rt;
	} keys[] = {
		{"io.kubernetes.cri.container-name", "io.kubernetes.cri.sandbox-name",
		 "io.kubernetes.cri.sandbox-namespace", "io.kubernetes.cri.sandbox-uid",
		 "io.kubernetes.cri.container-type", "sandbox", RUNTIME_CONTAINERD},
		/* CRI-O's annotations, and the labels dockershim/cri-dockerd put on Docker containers */
		{"io.kubernetes.container.name", "io.kubernetes.pod.name", "io.kubernetes.pod.namespace",
		 "io.kubernetes.pod.uid", "io.kubernetes.cri-o.ContainerType", "sandbox", RUNTIME_CRIO},
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *pod = json_str(ann, keys[i].pod), *uid = json_str(ann, keys[i].uid);
		const char *type = json_str(ann, keys[i].type);
		if (!pod)
			continue;
		char norm[POD_UID_MAX + 1] = "";
		/* a pod UID that disagrees with the cgroup path: the file is not this container's */
		if ((uid && !take_name(norm, POD_UID_MAX, uid)) || (id->pod_uid[0] && norm[0] && strcmp(norm, id->pod_uid)))
			goto damaged;
		/* the kubelet's sandbox container under CRI-O and dockershim is named "POD",
		 * which no Kubernetes container can be (names are lowercase) */
		const char *cname = json_str(ann, keys[i].container);
		id->sandbox = (type && strcmp(type, keys[i].sandbox) == 0) || (cname && strcmp(cname, "POD") == 0);
		if (!take_name(id->pod_name, NAME_MAX_LEN, pod) ||
		    !take_name(id->pod_namespace, NAMESPACE_MAX_LEN, json_str(ann, keys[i].ns)))
			goto damaged;
		/* a sandbox has no name of its own (CRI-O calls it "POD") */
		if (!id->sandbox && !take_name(id->container_name, NAME_MAX_LEN, cname))
			goto damaged;
		if (!id->pod_uid[0])
			memcpy(id->pod_uid, norm, sizeof norm);
		if (id->runtime == RUNTIME_UNKNOWN)
			id->runtime = keys[i].rt;
		return 1;
	}
	return 0;
damaged:
	id->container_name[0] = id->pod_name[0] = id->pod_namespace[0] = '\0';
	id->sandbox = 0;
	return -1;
}
