#include "cgroup_path.h"

#include <stdio.h>
#include <string.h>

const char *runtime_name(enum container_runtime rt)
{
	static const char *const names[] = {
		[RUNTIME_UNKNOWN] = "", [RUNTIME_CONTAINERD] = "containerd", [RUNTIME_CRIO] = "cri-o",
		[RUNTIME_DOCKER] = "docker", [RUNTIME_PODMAN] = "podman",
	};
	return (unsigned)rt < sizeof names / sizeof names[0] ? names[rt] : "";
}

const char *qos_name(enum pod_qos qos)
{
	static const char *const names[] = {
		[QOS_NONE] = "", [QOS_GUARANTEED] = "guaranteed", [QOS_BURSTABLE] = "burstable",
		[QOS_BESTEFFORT] = "besteffort",
	};
	return (unsigned)qos < sizeof names / sizeof names[0] ? names[qos] : "";
}

/* One path component: start and length, not NUL-terminated. */
struct comp {
	const char *s;
	size_t n;
};

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* Does c read exactly prefix + 64 hex digits + suffix? Copies the id. */
static int id_between(struct comp c, const char *prefix, const char *suffix, char *id)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);
	if (c.n != pl + CONTAINER_ID_LEN + sl || strncmp(c.s, prefix, pl) != 0 ||
	    strncmp(c.s + pl + CONTAINER_ID_LEN, suffix, sl) != 0 || !is_hex(c.s + pl, CONTAINER_ID_LEN))
		return 0;
	memcpy(id, c.s + pl, CONTAINER_ID_LEN);
	id[CONTAINER_ID_LEN] = '\0';
	return 1;
}

static int comp_is(struct comp c, const char *word)
{
	return c.n == strlen(word) && strncmp(c.s, word, c.n) == 0;
}

static int comp_ends(struct comp c, const char *tail)
{
	size_t tl = strlen(tail);
	return c.n >= tl && strncmp(c.s + c.n - tl, tail, tl) == 0;
}

/* A pod UID as the kubelet writes it into a cgroup name: lowercase hex with
 * '-' (cgroupfs) or '_' (systemd, where '-' separates slice levels); a
 * UUID (36) or a static pod's config hash (32). Stored with '-'. */
static int pod_uid(const char *s, size_t n, char *out)
{
	if (n != 32 && n != 36)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i] == '_' ? '-' : s[i];
		int dash_place = n == 36 && (i == 8 || i == 13 || i == 18 || i == 23);
		if (dash_place ? ch != '-' : !is_hex(&ch, 1))
			return 0;
		out[i] = ch;
	}
	out[n] = '\0';
	return 1;
}

/* "kubepods[-QOS]-pod<uid>.slice" (systemd) or "pod<uid>" (cgroupfs). */
static int kube_pod(struct comp c, char *uid)
{
	if (c.n > 4 && strncmp(c.s, "pod", 3) == 0 && pod_uid(c.s + 3, c.n - 3, uid))
		return 1;
	if (!comp_ends(c, ".slice"))
		return 0;
	const char *pod = NULL;
	for (const char *p = c.s; p + 4 <= c.s + c.n; p++)
		if (strncmp(p, "-pod", 4) == 0)
			pod = p + 4; /* the last one: the uid itself holds no "-pod" */
	return pod && memmem(c.s, c.n, "kubepods", 8) &&
	       pod_uid(pod, (size_t)(c.s + c.n - strlen(".slice") - pod), uid);
}

struct walk {
	int kube;       /* a kubepods component was seen */
	int podman_pod; /* the previous component was libpod_parent */
	int docker;     /* the previous component was "docker" */
};

/* Is c the container's own cgroup? Sets runtime and id. */
static int container_comp(struct comp c, const struct walk *w, struct container_identity *id)
{
	static const struct {
		const char *prefix, *suffix;
		enum container_runtime rt;
	} forms[] = {
		{"cri-containerd-", ".scope", RUNTIME_CONTAINERD},
		{"crio-", ".scope", RUNTIME_CRIO},
		{"crio-", "", RUNTIME_CRIO},
		{"docker-", ".scope", RUNTIME_DOCKER},
		{"libpod-", ".scope", RUNTIME_PODMAN},
		{"libpod-", "", RUNTIME_PODMAN},
	};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
		if (id_between(c, forms[i].prefix, forms[i].suffix, id->container_id)) {
			id->runtime = forms[i].rt;
			return 1;
		}
	/* A bare id: the kubelet's cgroupfs driver (containerd, or Docker through
	 * cri-dockerd: the path does not say which) or Docker's cgroupfs driver. */
	if ((w->kube && id->pod_uid[0]) || w->docker) {
		if (id_between(c, "", "", id->container_id)) {
			id->runtime = w->docker && !w->kube ? RUNTIME_DOCKER : RUNTIME_UNKNOWN;
			return 1;
		}
	}
	return 0;
}

/* Pod and QoS components; 1 if c was one. */
static int pod_comp(struct comp c, struct walk *w, struct container_identity *id)
{
	if (comp_is(c, "kubepods") || comp_is(c, "kubepods.slice") || comp_ends(c, "-kubepods.slice")) {
		w->kube = 1;
		id->qos = QOS_GUARANTEED; /* until a QoS level says otherwise */
		return 1;
	}
	if (w->kube && (comp_is(c, "burstable") || comp_ends(c, "kubepods-burstable.slice"))) {
		id->qos = QOS_BURSTABLE;
		return 1;
	}
	if (w->kube && (comp_is(c, "besteffort") || comp_ends(c, "kubepods-besteffort.slice"))) {
		id->qos = QOS_BESTEFFORT;
		return 1;
	}
	if (w->kube)
		return kube_pod(c, id->pod_uid);
	char podid[CONTAINER_ID_LEN + 1];
	if ((w->podman_pod && id_between(c, "", "", podid)) ||
	    id_between(c, "machine-libpod_pod_", ".slice", podid)) {
		memcpy(id->pod_uid, podid, sizeof podid);
		return 1;
	}
	return 0;
}

size_t identity_from_cgroup_path(const char *path, struct container_identity *id)
{
	memset(id, 0, sizeof *id);
	struct walk w = {0};
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		struct comp c = {p, strcspn(p, "/\n")};
		if (c.n == 0)
			break;
		if (!pod_comp(c, &w, id) && container_comp(c, &w, id)) {
			if (w.kube && !id->pod_uid[0])
				break; /* a container id in kubepods outside any pod: not a layout we know */
			if (!w.kube)
				id->qos = QOS_NONE;
			return (size_t)(c.s + c.n - path);
		}
		w.podman_pod = comp_is(c, "libpod_parent");
		w.docker = comp_is(c, "docker");
		p += c.n;
	}
	memset(id, 0, sizeof *id);
	return 0;
}

int identity_from_proc_cgroup(const char *text, struct container_identity *id, char *v2_path,
			      size_t v2_size)
{
	struct container_identity v1 = {0};
	memset(id, 0, sizeof *id);
	if (v2_path && v2_size)
		v2_path[0] = '\0';
	int found_v2 = 0;
	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		/* "ID:CONTROLLERS:PATH": the path is after the second ':' and may hold ':' itself */
		const char *c1 = memchr(line, ':', len);
		const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
		if (c2 && c2[1] == '/') {
			char path[4096];
			size_t plen = len - (size_t)(c2 + 1 - line);
			if (plen < sizeof path) {
				memcpy(path, c2 + 1, plen);
				path[plen] = '\0';
				int is_v2 = c1 == line + 1 && line[0] == '0' && c2 == c1 + 1;
				if (is_v2 && v2_path && snprintf(v2_path, v2_size, "%s", path) >= (int)v2_size)
					v2_path[0] = '\0';
				if (is_v2)
					found_v2 = identity_from_cgroup_path(path, id) > 0;
				else if (!identity_is_container(&v1))
					identity_from_cgroup_path(path, &v1);
			}
		}
		line = end ? end + 1 : NULL;
	}
	if (!found_v2)
		*id = v1;
	return identity_is_container(id);
}
