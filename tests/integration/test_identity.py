"""The identity module on real containers: Podman (Debian's, with runc)
runs a pod with a container and a lone container here; the probe built
from tests/helpers/identity_probe.c must name them as `podman inspect`
does, and a host process must be "not a container". Every container and
pod the test makes is removed, also on failure; its containers.conf and
rootfs live in a temporary directory. No network: --network none."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import uuid

from podmanrig import needs_podman, podman, podman_setup, remove

BUILD = os.environ.get("SOCKLENS_BUILD", os.path.join(os.path.dirname(__file__), "../../build"))
PROBE = os.environ.get("SOCKLENS_IDENTITY_PROBE", os.path.join(BUILD, "tests/identity_probe"))


@needs_podman
class PodmanIdentity(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="socklens-identity-")
        cls.env, rootfs = podman_setup(cls.tmp, ("sh", "sleep"))
        tag = uuid.uuid4().hex[:8]
        cls.pod, cls.ctr, cls.solo = f"sl-pod-{tag}", f"sl-web-{tag}", f"sl-solo-{tag}"
        cls.made_pod, cls.made = False, []
        try:
            cls.podman("pod", "create", "--name", cls.pod, "--network", "none")
            cls.made_pod = True
            for name, where in ((cls.ctr, ["--pod", cls.pod]), (cls.solo, ["--network", "none"])):
                cls.made.append(name)
                cls.podman("run", "-d", *where, "--name", name, "--rootfs", rootfs, "sleep", "300")
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        remove(cls.env, cls.made, [cls.pod] if cls.made_pod else [])
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def podman(cls, *args):
        return podman(cls.env, *args)

    def inspect(self, name):
        return json.loads(self.podman("inspect", name))[0]

    def probe(self, *args):
        env = {k: v for k, v in os.environ.items() if k != "SOCKLENS_HOST_ROOT"}
        r = subprocess.run([PROBE, *map(str, args)], capture_output=True, text=True, timeout=60, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        return [json.loads(line) for line in r.stdout.splitlines()]

    def test_container_in_a_pod(self):
        c = self.inspect(self.ctr)
        pod = json.loads(self.podman("pod", "inspect", self.pod))
        pod = pod[0] if isinstance(pod, list) else pod
        (got,) = self.probe(c["State"]["Pid"])
        self.assertNotEqual(got["cgroup_id"], 0)
        want = {"runtime": "podman", "container_id": c["Id"], "container_name": self.ctr,
                "pod_uid": pod["Id"], "pod_name": self.pod}
        self.assertEqual({k: got["container"][k] for k in want}, want)
        # the pod's namespace: its infra container and this one share it
        self.assertEqual(got["netns_pod"]["pod_name"], self.pod)
        self.assertEqual(got["netns_pod"]["pod_uid"], pod["Id"])
        self.assertEqual(got["netns_pod"]["container_id"], "")
        infra = self.inspect(pod["InfraContainerID"])
        (inf,) = self.probe(infra["State"]["Pid"])
        self.assertEqual(inf["container"]["container_id"], infra["Id"])
        self.assertEqual(inf["container"]["container_name"], infra["Name"])
        self.assertEqual(inf["container"]["pod_name"], self.pod)
        self.assertEqual(inf["netns"], got["netns"])

    def test_lone_container(self):
        c = self.inspect(self.solo)
        (got,) = self.probe(c["State"]["Pid"])
        want = {"runtime": "podman", "container_id": c["Id"], "container_name": self.solo,
                "pod_uid": "", "pod_name": ""}
        self.assertEqual({k: got["container"][k] for k in want}, want)
        # its own namespace: the container's own identity
        self.assertEqual(got["netns_pod"]["container_id"], c["Id"])

    def test_host_process_is_not_a_container(self):
        (got,) = self.probe(os.getpid())
        self.assertIsNone(got["container"])
        self.assertIsNone(got["netns_pod"])

    def test_match_by_name(self):
        c, s = self.inspect(self.ctr), self.inspect(self.solo)
        (by_pod,) = self.probe("--pod", self.pod)
        (mine,) = self.probe(c["State"]["Pid"])
        self.assertIn(mine["cgroup_id"], by_pod["cgroup_ids"])
        self.assertEqual(by_pod["netns"], [mine["netns"]])
        (by_name,) = self.probe("--container", self.solo)
        (solo,) = self.probe(s["State"]["Pid"])
        self.assertEqual(by_name, {"cgroup_ids": [solo["cgroup_id"]], "netns": [solo["netns"]]})
        (by_id,) = self.probe("--container", s["Id"][:12])
        self.assertEqual(by_id, by_name)
        (none,) = self.probe("--pod", "no-such-pod-" + uuid.uuid4().hex[:6])
        self.assertEqual(none, {"cgroup_ids": [], "netns": []})


if __name__ == "__main__":
    unittest.main()
