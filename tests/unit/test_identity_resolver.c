/* The cache keeps its bound and its LRU order; a "not found" is retried
 * after its short expiry; the resolver and matching work on a /proc and
 * cgroup v2 tree laid out in a temporary directory (state from fixtures). */
#include "cache.h"
#include "check.h"
#include "match.h"
#include "resolver.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define ID "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define UID_ "0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0"
#define POD_DIR "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice"
#define CTR_DIR POD_DIR "/cri-containerd-" ID ".scope"

static uint64_t fake_now;
static uint64_t clock_fn(void)
{
	return fake_now;
}

static void cache_bound(void)
{
	struct identity_cache *c = identity_cache_new(1000);
	for (uint64_t k = 1; k <= 10000; k++) { /* thousands of containers, ten times the bound */
		struct cache_entry *e = identity_cache_put(c, k, 0);
		e->found = 1;
		snprintf(e->id.container_name, sizeof e->id.container_name, "c%llu", (unsigned long long)k);
		if (k == 5000)
			CHECK(identity_cache_get(c, 4001, 0) != NULL); /* used: survives the next 999 puts */
	}
	CHECK_EQ(identity_cache_count(c), 1000);
	CHECK(identity_cache_get(c, 9001, 0) != NULL);
	CHECK(identity_cache_get(c, 9000, 0) == NULL);
	CHECK(identity_cache_get(c, 1, 0) == NULL);
	const struct cache_entry *e = identity_cache_get(c, 10000, 0);
	CHECK(e && !strcmp(e->id.container_name, "c10000"));
	/* expiry: gone at its time, and a put of the same key reuses the slot */
	identity_cache_put(c, 77777, 100)->found = 0;
	CHECK(identity_cache_get(c, 77777, 99) != NULL);
	CHECK(identity_cache_get(c, 77777, 100) == NULL);
	identity_cache_put(c, 77777, 0)->found = 1;
	CHECK_EQ(identity_cache_count(c), 1000);
	identity_cache_free(c);
	CHECK(identity_cache_new(0) == NULL);
	struct identity_cache *one = identity_cache_new(1);
	identity_cache_put(one, 1, 0);
	identity_cache_put(one, 2, 0);
	CHECK(identity_cache_get(one, 1, 0) == NULL && identity_cache_get(one, 2, 0) != NULL);
	identity_cache_free(one);
}

static void write_file(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s%s", root, rel);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void run(const char *cmd)
{
	CHECK(system(cmd) == 0);
}

/* ROOT/proc/PID/{cgroup,ns/net} for a fake process */
static void process(const char *root, int pid, const char *cgroup, unsigned long netns)
{
	char cmd[PATH_MAX * 2], rel[64], link[64];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s/proc/%d/ns'", root, pid);
	run(cmd);
	snprintf(rel, sizeof rel, "/proc/%d/cgroup", pid);
	char text[4096];
	snprintf(text, sizeof text, "1:name=systemd:%s\n0::%s\n", cgroup, cgroup);
	write_file(root, rel, text);
	snprintf(cmd, sizeof cmd, "%s/proc/%d/ns/net", root, pid);
	snprintf(link, sizeof link, "net:[%lu]", netns);
	CHECK(symlink(link, cmd) == 0);
}

static uint64_t ino(const char *root, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof path, "%s/sys/fs/cgroup%s", root, rel);
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

static void resolver(const char *fixtures)
{
	char root[256], cmd[PATH_MAX * 3];
	CHECK(check_tempdir(root, sizeof root, "socklens-identity") != NULL);
	snprintf(cmd, sizeof cmd, "mkdir -p '%s%s' '%s/sys/fs/cgroup/system.slice' && ln -s '%s/run' '%s/run' && ln -s '%s/var' '%s/var'",
		 root, "/sys/fs/cgroup" CTR_DIR, root, fixtures, root, fixtures, root);
	run(cmd);
	write_file(root, "/sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n");
	process(root, 100, CTR_DIR, 4026532001);          /* checkout, in its pod's namespace */
	process(root, 101, "/system.slice", 4026531840);  /* a host process */
	struct identity_paths p;
	CHECK(identity_paths_init(&p, root) == 0);
	struct identity_resolver *r = identity_resolver_new(&p, 8);
	identity_resolver_set_clock(r, clock_fn);
	uint64_t cg = ino(root, CTR_DIR), host = ino(root, "/system.slice");

	const struct container_identity *id = identity_of_cgroup(r, cg, 100);
	CHECK(id && !strcmp(id->container_name, "checkout") && !strcmp(id->pod_name, "checkout-7d4b9c"));
	/* by the tree when the process is gone or elsewhere */
	struct identity_resolver *r2 = identity_resolver_new(&p, 8);
	id = identity_of_cgroup(r2, cg, 0);
	CHECK(id && !strcmp(id->pod_namespace, "shop"));
	id = identity_of_cgroup(r2, cg, 101);
	CHECK(id && !strcmp(id->container_name, "checkout"));
	identity_resolver_free(r2);
	CHECK(identity_of_cgroup(r, host, 101) == NULL);
	CHECK(identity_of_netns(r, 4026531840) == NULL);
	id = identity_of_netns(r, 4026532001);
	CHECK(id && !strcmp(id->pod_name, "checkout-7d4b9c") && !strcmp(id->container_id, ID));

	/* a container that appears after a miss: found once the negative entry expires */
	const char *later = POD_DIR "/cri-containerd-5555555555555555555555555555555555555555555555555555555555555555.scope";
	CHECK(identity_of_netns(r, 4026532002) == NULL);
	snprintf(cmd, sizeof cmd, "mkdir -p '%s/sys/fs/cgroup%s'", root, later);
	run(cmd);
	process(root, 102, later, 4026532002);
	fake_now += IDENTITY_RETRY_NS / 2;
	CHECK(identity_of_netns(r, 4026532002) == NULL); /* still remembered as missing */
	fake_now += IDENTITY_RETRY_NS;
	id = identity_of_netns(r, 4026532002);
	CHECK(id && id->sandbox && !strcmp(id->pod_name, "checkout-7d4b9c"));
	/* two containers of one pod in one namespace: the pod, no container */
	process(root, 103, later, 4026532001);
	fake_now += IDENTITY_NETNS_TTL_NS;
	id = identity_of_netns(r, 4026532001);
	CHECK(id && !id->container_id[0] && !strcmp(id->pod_name, "checkout-7d4b9c"));
	/* a host process joins it: no longer the pod's alone */
	process(root, 104, "/system.slice", 4026532001);
	fake_now += IDENTITY_NETNS_TTL_NS;
	CHECK(identity_of_netns(r, 4026532001) == NULL);

	/* matching */
	struct identity_query q;
	struct identity_match m = {0};
	char err[256];
	CHECK(identity_query_parse(&q, QUERY_POD, "shop/checkout-7d4b9c", err, sizeof err) == 0);
	CHECK(identity_match_now(r, &q, &m) == 0);
	CHECK_EQ(m.ncgroup_ids, 2);
	CHECK_EQ(m.nnetns, 2);
	CHECK(identity_query_parse(&q, QUERY_POD, "other/checkout-7d4b9c", err, sizeof err) == 0);
	CHECK(identity_match_now(r, &q, &m) == 0 && m.ncgroup_ids == 0 && m.nnetns == 0);
	CHECK(identity_query_parse(&q, QUERY_CONTAINER, "checkout", err, sizeof err) == 0);
	CHECK(identity_match_now(r, &q, &m) == 0 && m.ncgroup_ids == 1 && m.cgroup_ids[0] == cg);
	CHECK(m.nnetns == 1 && m.netns[0] == 4026532001);
	CHECK(identity_query_parse(&q, QUERY_CONTAINER, "aaaa", err, sizeof err) == 0);
	CHECK(identity_match_now(r, &q, &m) == 0 && m.ncgroup_ids == 1);
	identity_match_free(&m);
	CHECK(identity_query_parse(&q, QUERY_POD, "a/b/c", err, sizeof err) == -1);
	CHECK(strstr(err, "'a/b/c' is not a pod") != NULL);
	CHECK(identity_query_parse(&q, QUERY_CONTAINER, "", err, sizeof err) == -1);
	CHECK(identity_query_parse(&q, QUERY_POD, "/x", err, sizeof err) == -1);
	identity_resolver_free(r);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	run(cmd);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return fprintf(stderr, "usage: %s FIXTURES_DIR\n", argv[0]), 2;
	cache_bound();
	resolver(argv[1]);
	return CHECK_DONE();
}
