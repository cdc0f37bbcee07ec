/* Names from state files laid out as containerd's CRI plugin, CRI-O, runc,
 * crun, Docker and Podman write them (fixtures/identity, read only); damaged
 * files give unresolved names, never wrong ones. */
#include "check.h"
#include "names.h"
#include "statefile.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define UID "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
#define REP(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
#define ID(c) REP(c)

static struct identity_paths fixtures;

struct want {
	const char *runtime, *container, *pod, *ns, *uid;
	int sandbox;
};

static void names(const char *id, enum container_runtime rt, const char *uid, struct want w)
{
	struct container_identity got = {.runtime = rt};
	snprintf(got.container_id, sizeof got.container_id, "%s", id);
	snprintf(got.pod_uid, sizeof got.pod_uid, "%s", uid);
	identity_resolve_names(&fixtures, &got);
	if (strcmp(runtime_name(got.runtime), w.runtime) || strcmp(got.container_name, w.container) ||
	    strcmp(got.pod_name, w.pod) || strcmp(got.pod_namespace, w.ns) || strcmp(got.pod_uid, w.uid) ||
	    got.sandbox != w.sandbox) {
		fprintf(stderr, "%.12s: got runtime '%s' container '%s' pod '%s' ns '%s' uid '%s' sandbox %d\n", id,
			runtime_name(got.runtime), got.container_name, got.pod_name, got.pod_namespace, got.pod_uid,
			got.sandbox);
		check_failures++;
	}
}

static const struct want unresolved_containerd = {"containerd", "", "", "", UID, 0};

int main(int argc, char **argv)
{
	if (argc != 2 || identity_paths_init(&fixtures, argv[1]) != 0)
		return fprintf(stderr, "usage: %s FIXTURES_DIR\n", argv[0]), 2;

	/* containerd's CRI plugin: a container and its pod's sandbox (bundle config.json) */
	names(ID("a"), RUNTIME_CONTAINERD, UID, (struct want){"containerd", "checkout", "checkout-7d4b9c", "shop", UID, 0});
	names(ID("5"), RUNTIME_CONTAINERD, UID, (struct want){"containerd", "", "checkout-7d4b9c", "shop", UID, 1});
	/* the kubelet's cgroupfs driver does not say the runtime: the state does; the UID comes from it too */
	names(ID("a"), RUNTIME_UNKNOWN, "", (struct want){"containerd", "checkout", "checkout-7d4b9c", "shop", UID, 0});
	/* only runc's state.json is left (bundle gone): its labels carry the annotations */
	names(ID("e"), RUNTIME_UNKNOWN, "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
	      (struct want){"containerd", "payments", "payments-0", "billing", "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d", 0});
	/* CRI-O's bundle under containers/storage */
	names(ID("c"), RUNTIME_CRIO, "7c3a1f42-9b1e-4d2a-8e55-0f6d2b7a9c13",
	      (struct want){"cri-o", "cart", "cart-5f7", "shop", "7c3a1f42-9b1e-4d2a-8e55-0f6d2b7a9c13", 0});
	/* crun: /run/crun/ID/status names the bundle */
	names(ID("b"), RUNTIME_CRIO, "1d2c3b4a-5968-4776-8594-a3b2c1d0e9f8",
	      (struct want){"cri-o", "search", "search-0", "web", "1d2c3b4a-5968-4776-8594-a3b2c1d0e9f8", 0});
	/* Docker: its own name, or the kubelet's labels (cri-dockerd) */
	names(ID("d"), RUNTIME_DOCKER, "", (struct want){"docker", "web", "", "", "", 0});
	names(ID("8"), RUNTIME_UNKNOWN, "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901",
	      (struct want){"docker", "api", "api-6c9", "prod", "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901", 0});
	/* a config.v2.json whose ID is another container's */
	names(ID("7"), RUNTIME_DOCKER, "", (struct want){"docker", "", "", "", "", 0});
	/* Podman: containers/storage's list and the events log (a torn last line is skipped) */
	const char *podid = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	names(ID("f"), RUNTIME_PODMAN, podid, (struct want){"podman", "shop-db", "shop", "", podid, 0});
	names(ID("f"), RUNTIME_PODMAN, "", (struct want){"podman", "shop-db", "", "", "", 0});
	names(podid, RUNTIME_PODMAN, podid, (struct want){"podman", "0123456789ab-infra", "shop", "", podid, 0});
	names(ID("6"), RUNTIME_PODMAN, "", (struct want){"podman", "", "", "", "", 0}); /* a name with '/' */
	names(ID("9"), RUNTIME_PODMAN, "", (struct want){"podman", "", "", "", "", 0}); /* not listed */

	/* damaged: truncated, wrong type, missing keys, another pod's UID, bad names, trailing junk, nothing */
	names(ID("1"), RUNTIME_CONTAINERD, UID, unresolved_containerd);
	names(ID("2"), RUNTIME_CONTAINERD, UID, unresolved_containerd);
	names(ID("3"), RUNTIME_CONTAINERD, UID, unresolved_containerd);
	names(ID("4"), RUNTIME_CONTAINERD, UID, unresolved_containerd);
	names(ID("6"), RUNTIME_CONTAINERD, UID, unresolved_containerd);
	names(ID("0"), RUNTIME_CONTAINERD, UID, unresolved_containerd);
	names("not-an-id", RUNTIME_CONTAINERD, UID, unresolved_containerd);
	names(ID("9"), RUNTIME_CRIO, "", (struct want){"cri-o", "", "", "", "", 0});

	/* a huge file, a FIFO, a directory, a missing root: refused, not read */
	char tmp[PATH_MAX], path[PATH_MAX + 128];
	CHECK(check_tempdir(tmp, sizeof tmp, "socklens-identity") != NULL);
	snprintf(path, sizeof path, "%s/huge.json", tmp);
	FILE *f = fopen(path, "w");
	fputs("{\"annotations\": {\"io.kubernetes.cri.sandbox-name\": \"", f);
	for (int i = 0; i < (2 << 20); i++)
		fputc('a', f);
	fputs("\"}}", f);
	fclose(f);
	CHECK(statefile_json(path, STATEFILE_MAX) == NULL);
	size_t len = 0;
	char *all = statefile_read(path, 4u << 20, &len);
	CHECK(all && len > (2u << 20));
	free(all);
	unlink(path);
	snprintf(path, sizeof path, "%s/fifo", tmp);
	CHECK(mkfifo(path, 0600) == 0);
	CHECK(statefile_read(path, STATEFILE_MAX, NULL) == NULL);
	unlink(path);
	CHECK(statefile_read(tmp, STATEFILE_MAX, NULL) == NULL);
	rmdir(tmp);
	struct identity_paths nowhere;
	identity_paths_init(&nowhere, "/nonexistent/socklens");
	struct container_identity id = {.runtime = RUNTIME_UNKNOWN};
	snprintf(id.container_id, sizeof id.container_id, "%s", ID("a"));
	identity_resolve_names(&nowhere, &id);
	CHECK_STR(id.container_name, "");
	CHECK_STR(runtime_name(id.runtime), "");

	/* names a runtime could have given, and the rest */
	CHECK(valid_name("checkout-7d4b9c", NAME_MAX_LEN));
	CHECK(valid_name("b3bf192b364c-infra", NAME_MAX_LEN));
	CHECK(!valid_name("", NAME_MAX_LEN));
	CHECK(!valid_name("-x", NAME_MAX_LEN));
	CHECK(!valid_name("a/b", NAME_MAX_LEN));
	CHECK(!valid_name("a b", NAME_MAX_LEN));
	CHECK(!valid_name("a\x1b[31m", NAME_MAX_LEN));
	CHECK(!valid_name("abcd", 3));
	return CHECK_DONE();
}
