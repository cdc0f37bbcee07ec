/* For test_identity: resolves processes the way the tools will, through
 * the cached resolver, and prints one JSON object per process:
 *   identity_probe PID...                   the container of each PID's cgroup and of its netns
 *   identity_probe --container NAME | --pod [NS/]NAME   what matches now
 * State is read under $SOCKLENS_HOST_ROOT (paths.h). */
#include "match.h"
#include "process.h"
#include "resolver.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct json_object *describe(const struct container_identity *id)
{
	if (!id)
		return NULL;
	struct json_object *o = json_object_new_object();
	const struct {
		const char *key, *value;
	} fields[] = {
		{"runtime", runtime_name(id->runtime)}, {"container_id", id->container_id},
		{"container_name", id->container_name}, {"pod_uid", id->pod_uid},
		{"pod_name", id->pod_name}, {"pod_namespace", id->pod_namespace}, {"qos", qos_name(id->qos)},
	};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		json_object_object_add(o, fields[i].key, json_object_new_string(fields[i].value));
	json_object_object_add(o, "sandbox", json_object_new_boolean(id->sandbox));
	return o;
}

static struct json_object *u64_array(const uint64_t *v, size_t n)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_uint64(v[i]));
	return a;
}

int main(int argc, char **argv)
{
	struct identity_paths paths;
	struct identity_resolver *r = identity_paths_from_env(&paths) == 0 ? identity_resolver_new(&paths, 0) : NULL;
	if (!r || argc < 2)
		return fprintf(stderr, "usage: %s PID... | --container NAME | --pod [NS/]NAME\n", argv[0]), 2;
	if (argc == 3 && (!strcmp(argv[1], "--container") || !strcmp(argv[1], "--pod"))) {
		struct identity_query q;
		struct identity_match m = {0};
		char err[256];
		if (identity_query_parse(&q, argv[1][2] == 'c' ? QUERY_CONTAINER : QUERY_POD, argv[2], err, sizeof err))
			return fprintf(stderr, "identity_probe: %s\n", err), 2;
		if (identity_match_now(r, &q, &m) != 0)
			return fprintf(stderr, "identity_probe: cannot read %s\n", paths.proc), 1;
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "cgroup_ids", u64_array(m.cgroup_ids, m.ncgroup_ids));
		json_object_object_add(o, "netns", u64_array(m.netns, m.nnetns));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		identity_match_free(&m);
	} else {
		for (int i = 1; i < argc; i++) {
			uint32_t pid = (uint32_t)strtoul(argv[i], NULL, 10);
			struct container_identity cg;
			uint64_t cgroup_id = 0, netns = netns_of_pid(&paths, pid);
			cgroup_identity_of_pid(&paths, pid, &cg, &cgroup_id);
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "pid", json_object_new_int64(pid));
			json_object_object_add(o, "cgroup_id", json_object_new_uint64(cgroup_id));
			json_object_object_add(o, "netns", json_object_new_uint64(netns));
			json_object_object_add(o, "container", describe(identity_of_cgroup(r, cgroup_id, pid)));
			json_object_object_add(o, "netns_pod", describe(identity_of_netns(r, netns)));
			puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
			json_object_put(o);
		}
	}
	identity_resolver_free(r);
	return 0;
}
