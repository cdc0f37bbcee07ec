/* Cgroup paths exactly as each runtime writes them → runtime, container id,
 * pod UID, QoS; anything else is "not a container". */
#include "cgroup_path.h"
#include "check.h"

#define ID "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899"
#define UID "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
#define UID_ "0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0"
#define PODID "b3bf192b364ccf806f581fa2c31190bbacd066ae9f339b81df11f0f697f360b6"

static void is(const char *path, enum container_runtime rt, const char *uid, enum pod_qos qos, const char *dir)
{
	struct container_identity id;
	size_t len = identity_from_cgroup_path(path, &id);
	if (!identity_is_container(&id) || strcmp(id.container_id, ID) != 0 || id.runtime != rt ||
	    strcmp(id.pod_uid, uid) != 0 || id.qos != qos || len != strlen(dir) || strncmp(path, dir, len)) {
		fprintf(stderr, "%s: got id '%s' runtime '%s' pod '%s' qos '%s' dir len %zu\n", path, id.container_id,
			runtime_name(id.runtime), id.pod_uid, qos_name(id.qos), len);
		check_failures++;
	}
}

static void not_container(const char *path)
{
	struct container_identity id;
	if (identity_from_cgroup_path(path, &id) != 0 || identity_is_container(&id) || id.pod_uid[0]) {
		fprintf(stderr, "%s: taken for container '%s'\n", path, id.container_id);
		check_failures++;
	}
}

#define K8S_SD "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/"
#define K8S_FS "/kubepods/burstable/pod" UID "/"

int main(void)
{
	/* Kubernetes, systemd driver: each CRI runtime's scope, each QoS class */
	is(K8S_SD "cri-containerd-" ID ".scope", RUNTIME_CONTAINERD, UID, QOS_BURSTABLE, K8S_SD "cri-containerd-" ID ".scope");
	is(K8S_SD "crio-" ID ".scope", RUNTIME_CRIO, UID, QOS_BURSTABLE, K8S_SD "crio-" ID ".scope");
	is(K8S_SD "docker-" ID ".scope", RUNTIME_DOCKER, UID, QOS_BURSTABLE, K8S_SD "docker-" ID ".scope");
	const char *be = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" ID ".scope";
	is(be, RUNTIME_CONTAINERD, UID, QOS_BESTEFFORT, be);
	const char *gu = "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID ".scope";
	is(gu, RUNTIME_CONTAINERD, UID, QOS_GUARANTEED, gu);
	/* a static pod: its UID is the config hash */
	const char *st = "/kubepods.slice/kubepods-pod8e0f2d3b1a6c4e5f7a8b9c0d1e2f3a4b.slice/crio-" ID ".scope";
	is(st, RUNTIME_CRIO, "8e0f2d3b1a6c4e5f7a8b9c0d1e2f3a4b", QOS_GUARANTEED, st);
	/* kind and kubelet --cgroup-root: something before kubepods */
	const char *kind = "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
			   "kubelet-kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" ID ".scope";
	is(kind, RUNTIME_CONTAINERD, UID, QOS_BESTEFFORT, kind);
	/* a cgroup the container made below its own: the container is the outer one */
	is(K8S_SD "cri-containerd-" ID ".scope/init.scope", RUNTIME_CONTAINERD, UID, QOS_BURSTABLE,
	   K8S_SD "cri-containerd-" ID ".scope");

	/* Kubernetes, cgroupfs driver: a bare id (containerd or cri-dockerd: unknown until the state says) */
	is(K8S_FS ID, RUNTIME_UNKNOWN, UID, QOS_BURSTABLE, K8S_FS ID);
	is("/kubepods/besteffort/pod" UID "/" ID, RUNTIME_UNKNOWN, UID, QOS_BESTEFFORT, "/kubepods/besteffort/pod" UID "/" ID);
	is("/kubepods/pod" UID "/" ID, RUNTIME_UNKNOWN, UID, QOS_GUARANTEED, "/kubepods/pod" UID "/" ID);
	is(K8S_FS "crio-" ID, RUNTIME_CRIO, UID, QOS_BURSTABLE, K8S_FS "crio-" ID);

	/* Docker and Podman outside Kubernetes */
	is("/system.slice/docker-" ID ".scope", RUNTIME_DOCKER, "", QOS_NONE, "/system.slice/docker-" ID ".scope");
	is("/docker/" ID, RUNTIME_DOCKER, "", QOS_NONE, "/docker/" ID);
	is("/machine.slice/libpod-" ID ".scope", RUNTIME_PODMAN, "", QOS_NONE, "/machine.slice/libpod-" ID ".scope");
	is("/machine.slice/libpod-" ID ".scope/container", RUNTIME_PODMAN, "", QOS_NONE, "/machine.slice/libpod-" ID ".scope");
	is("/machine.slice/machine-libpod_pod_" PODID ".slice/libpod-" ID ".scope", RUNTIME_PODMAN, PODID, QOS_NONE,
	   "/machine.slice/machine-libpod_pod_" PODID ".slice/libpod-" ID ".scope");
	/* as Podman 4.3 writes them on this host (cgroupfs manager) */
	is("/libpod_parent/libpod-" ID, RUNTIME_PODMAN, "", QOS_NONE, "/libpod_parent/libpod-" ID);
	is("/libpod_parent/" PODID "/libpod-" ID, RUNTIME_PODMAN, PODID, QOS_NONE, "/libpod_parent/" PODID "/libpod-" ID);

	/* not containers: the host, monitors, pod slices, lookalikes */
	not_container("/");
	not_container("/user.slice/user-1000.slice/session-3.scope");
	not_container("/system.slice/containerd.service");
	not_container("/process_api/886484901b16192cbdc6bdfcb2413392");
	not_container("/system.slice/crio-conmon-" ID ".scope");
	not_container(K8S_SD "crio-conmon-" ID ".scope");
	not_container("/machine.slice/libpod-conmon-" ID ".scope");
	not_container("/libpod_parent/" PODID "/conmon");
	not_container(K8S_SD);
	not_container("/kubepods.slice/kubepods-burstable.slice");
	not_container("/kubepods/burstable/" ID);                 /* a container id outside any pod */
	not_container("/somewhere/" ID);                          /* a bare id no runtime we know puts there */
	not_container("/system.slice/docker-" ID "0.scope");      /* 65 digits */
	not_container("/system.slice/docker-" "3F4E5D6C7B8A99887766554433221100FFEEDDCCBBAA00112233445566778899.scope");
	not_container("/system.slice/docker-" ID ".service");
	not_container("/kubepods/burstable/podnot-a-uid/" ID);
	not_container("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice/cri-containerd-" ID ".scope");
	not_container("");

	/* /proc/PID/cgroup: v2 only, v1 only, hybrid (v2 line empty or not) */
	struct container_identity id;
	char v2[4096];
	CHECK(identity_from_proc_cgroup("0::" K8S_SD "cri-containerd-" ID ".scope\n", &id, v2, sizeof v2));
	CHECK_STR(id.container_id, ID);
	CHECK_STR(v2, K8S_SD "cri-containerd-" ID ".scope");
	const char *v1 = "12:memory:/kubepods/besteffort/pod" UID "/" ID "\n"
			 "11:cpu,cpuacct:/kubepods/besteffort/pod" UID "/" ID "\n"
			 "1:name=systemd:/kubepods/besteffort/pod" UID "/" ID "\n";
	CHECK(identity_from_proc_cgroup(v1, &id, v2, sizeof v2));
	CHECK_STR(id.container_id, ID);
	CHECK_EQ(id.qos, QOS_BESTEFFORT);
	CHECK_STR(v2, "");
	const char *hybrid_empty = "9:name=systemd:/system.slice/docker-" ID ".scope\n4:memory:/system.slice/docker-" ID
				   ".scope\n0::/\n";
	CHECK(identity_from_proc_cgroup(hybrid_empty, &id, v2, sizeof v2));
	CHECK_EQ(id.runtime, RUNTIME_DOCKER);
	CHECK_STR(v2, "/");
	const char *hybrid = "9:name=systemd:/libpod_parent/" PODID "/libpod-" ID "\n"
			     "4:memory:/libpod_parent/" PODID "/libpod-" ID "\n0::/libpod_parent/" PODID "/libpod-" ID "\n";
	CHECK(identity_from_proc_cgroup(hybrid, &id, v2, sizeof v2));
	CHECK_STR(id.pod_uid, PODID);
	CHECK_STR(v2, "/libpod_parent/" PODID "/libpod-" ID);
	/* this CI host's own processes */
	CHECK(!identity_from_proc_cgroup("9:name=systemd:/\n4:memory:/process_api/886484901b16192cbdc6bdfcb2413392\n0::/\n",
					 &id, v2, sizeof v2));
	CHECK(!identity_is_container(&id));
	CHECK(!identity_from_proc_cgroup("garbage\n::\n0:\n", &id, NULL, 0));
	CHECK(!identity_from_proc_cgroup("", &id, NULL, 0));
	return CHECK_DONE();
}
