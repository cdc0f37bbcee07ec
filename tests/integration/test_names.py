"""Container and pod names on records, and filters by name, on real
Podman pods (the set-up of test_identity: runc, no default ulimits, a static
busybox rootfs, --network none). Two pods are joined by a veth pair this
test adds between their namespaces (found through each pod's infra
process); a namespace the test makes is joined to pod B the same way. The
client container of pod A and a host process in that namespace connect to
the server container of pod B, at pod B's own address: every record of the
four tools must name both ends right, --pod and --container must keep
exactly the right records, a container started after the tool and a pod
re-created under its name must be followed. No traffic leaves the
namespaces made here; everything is removed on teardown."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import uuid

import promrig
from lib import Tracer, stop_all
from podmanrig import BUSYBOX, needs_podman, podman, podman_setup, remove
from pods import Pods, ip

PORT = 8080
A_ADDR, B_ADDR = "10.233.0.1", "10.233.0.2"      # the pods' veth pair
CLI_ADDR, B_CLI_ADDR = "10.234.0.1", "10.234.0.2"  # the test's namespace and pod B
SERVER = f"nc -ll -p {PORT} -e /bin/true"


def loop(cmd):
    """A container's command: cmd again and again, failures included."""
    return ["sh", "-c", f"while true; do {cmd} </dev/null; sleep 0.3; done"]


# the keys a record has when it names a container
NAME_KEYS = {"container_id", "container_name", "pod_name", "pod_namespace", "pod_uid", "runtime"}


@needs_podman
class Names(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="socklens-names-")
        cls.env, cls.rootfs = podman_setup(cls.tmp, ("sh", "sleep", "nc", "true"))
        tag = uuid.uuid4().hex[:6]
        cls.tag = tag
        cls.pod_a, cls.pod_b = f"sl-a-{tag}", f"sl-b-{tag}"
        cls.client, cls.server = f"sl-client-{tag}", f"sl-server-{tag}"
        cls.pods_made, cls.ctrs_made = [], []
        cls.ns = Pods("slnm")
        try:
            cls.make_pod(cls.pod_a)
            cls.make_pod(cls.pod_b)
            cls.run_in(cls.pod_b, cls.server, ["sh", "-c", SERVER])
            cls.run_in(cls.pod_a, cls.client, loop(f"nc -w1 {B_ADDR} {PORT}"))
            pa, pb = cls.infra_pid(cls.pod_a), cls.infra_pid(cls.pod_b)
            cls.netns_a, cls.netns_b = (os.stat(f"/proc/{p}/ns/net").st_ino for p in (pa, pb))
            ip("link", "add", f"sla{tag}", "netns", str(pa), "type", "veth", "peer", "name", f"slb{tag}",
               "netns", str(pb))
            cls.ns.add("cli")
            ip("link", "add", f"slc{tag}", "netns", cls.ns.ns("cli"), "type", "veth", "peer",
               "name", f"sld{tag}", "netns", str(pb))
            for pid, ifname, addr in ((pa, f"sla{tag}", A_ADDR), (pb, f"slb{tag}", B_ADDR),
                                      (pb, f"sld{tag}", B_CLI_ADDR)):
                cls.in_netns(pid, "ip", "addr", "add", f"{addr}/24", "dev", ifname)
                cls.in_netns(pid, "ip", "link", "set", ifname, "up")
            cls.in_netns(pa, "ip", "link", "set", "lo", "up")
            cls.in_netns(pb, "ip", "link", "set", "lo", "up")
            ip("-n", cls.ns.ns("cli"), "addr", "add", f"{CLI_ADDR}/24", "dev", f"slc{tag}")
            ip("-n", cls.ns.ns("cli"), "link", "set", f"slc{tag}", "up")
            # a host process (no container) in the test's namespace, at pod B's own address
            cls.host_client = subprocess.Popen(
                [*cls.ns.exec_prefix("cli"), BUSYBOX, *loop(f"{BUSYBOX} nc -w1 {B_CLI_ADDR} {PORT}")])
            cls.netns_cli = os.stat(cls.ns.path("cli")).st_ino
            cls.uid_a, cls.uid_b = cls.pod_id(cls.pod_a), cls.pod_id(cls.pod_b)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "host_client", None):
            cls.host_client.kill()
            cls.host_client.wait()
        remove(cls.env, cls.ctrs_made, cls.pods_made)
        cls.ns.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def podman(cls, *args):
        return podman(cls.env, *args)

    @classmethod
    def make_pod(cls, name):
        cls.podman("pod", "create", "--name", name, "--network", "none")
        cls.pods_made.append(name)

    @classmethod
    def run_in(cls, pod, name, cmd):
        cls.ctrs_made.append(name)
        cls.podman("run", "-d", "--pod", pod, "--name", name, "--rootfs", cls.rootfs, *cmd)

    @classmethod
    def pod_id(cls, pod):
        got = json.loads(cls.podman("pod", "inspect", pod))
        return (got[0] if isinstance(got, list) else got)["Id"]

    @classmethod
    def infra_pid(cls, pod):
        got = json.loads(cls.podman("pod", "inspect", pod))
        infra = (got[0] if isinstance(got, list) else got)["InfraContainerID"]
        return json.loads(cls.podman("inspect", infra))[0]["State"]["Pid"]

    @staticmethod
    def in_netns(pid, *cmd):
        subprocess.run(["nsenter", "-t", str(pid), "-n", *cmd], check=True, capture_output=True)

    def tearDown(self):
        stop_all()

    def trace(self, tool, *args, until, timeout=60):
        """Runs tool -j until until(records) holds (bounded), returns the records."""
        t = Tracer(tool, "-j", *args, ready_timeout=120)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(0.5)
            recs = [json.loads(l) for l in list(t.out)]
            if until(recs):
                break
        t.stop()
        self.assertEqual(t.proc.returncode, 0, "".join(t.err))
        self.err = "".join(t.err)
        return [json.loads(l) for l in t.out]

    def names(self, r):
        return (r.get("container_name"), r.get("pod_name"), r.get("pod_uid"), r.get("runtime"))

    def assert_ends(self, recs, is_a, is_b, is_host):
        """Each record is one of pod A's client, pod B's server or the host process; all three seen."""
        seen = set()
        for r in recs:
            if is_a(r):
                self.assertEqual(self.names(r), (self.client, self.pod_a, self.uid_a, "podman"), r)
                self.assertIsNone(r["pod_namespace"], r)  # Podman pods: no Kubernetes namespace
                seen.add("a")
            elif is_b(r):
                self.assertEqual(self.names(r), (self.server, self.pod_b, self.uid_b, "podman"), r)
                seen.add("b")
            elif is_host(r):
                # nothing to name: the keys are left out (docs/json.md)
                self.assertFalse(NAME_KEYS & set(r), r)
                seen.add("host")
        return seen

    def test_connect_names_both_ends(self):
        pair = lambda r: r.get("rport") == PORT
        recs = self.trace("tcpconnect", until=lambda rs: {r["raddr"] for r in rs if pair(r)} >= {B_ADDR, B_CLI_ADDR})
        recs = [r for r in recs if pair(r)]
        seen = self.assert_ends(recs, lambda r: r["raddr"] == B_ADDR, lambda r: False,
                                lambda r: r["raddr"] == B_CLI_ADDR)
        self.assertEqual(seen, {"a", "host"}, recs)
        for r in recs:  # the socket's namespace: pod A's, or the test's (no pod)
            self.assertEqual(r.get("netns_pod_name", "absent"), self.pod_a if r["raddr"] == B_ADDR else "absent", r)

    def test_accept_names_the_server(self):
        recs = self.trace("tcpaccept", until=lambda rs: {r["raddr"] for r in rs} >= {A_ADDR, CLI_ADDR})
        recs = [r for r in recs if r["lport"] == PORT]
        self.assertTrue(recs)
        for r in recs:
            self.assertEqual(self.names(r), (self.server, self.pod_b, self.uid_b, "podman"), r)
            self.assertEqual(r["netns_pod_name"], self.pod_b, r)

    def test_close_names_both_ends(self):
        mine = lambda r: PORT in (r["lport"], r["rport"]) and r["pid"] != 0
        recs = self.trace("tcpclose", until=lambda rs: len({(r["laddr"], r["lport"] == PORT)
                                                            for r in rs if mine(r)}) >= 3)
        recs = [r for r in recs if mine(r)]
        seen = self.assert_ends(recs, lambda r: r["laddr"] == A_ADDR, lambda r: r["lport"] == PORT,
                                lambda r: r["laddr"] == CLI_ADDR)
        self.assertEqual(seen, {"a", "b", "host"}, recs)

    def test_podnet_names_the_namespace(self):
        ours = {self.netns_a, self.netns_b, self.netns_cli}
        recs = self.trace("podnet", "--proto", "tcp", "--port", str(PORT),
                          until=lambda rs: {r.get("netns") for r in rs} >= ours)
        recs = [r for r in recs if r["type"] == "packet"]
        # the test's own namespace is no pod's: its records carry no name keys
        want = {self.netns_a: (self.pod_a, self.uid_a), self.netns_b: (self.pod_b, self.uid_b),
                self.netns_cli: ("absent", "absent")}
        got = {r["netns"] for r in recs if r["netns"] in ours}
        self.assertEqual(got, ours)
        for r in recs:
            if r["netns"] in want:
                self.assertEqual((r.get("pod_name", "absent"), r.get("pod_uid", "absent")), want[r["netns"]], r)
                self.assertNotIn("netns_pod_name", r)

    def test_podnet_counts_name_the_namespaces_pod(self):
        ours = {self.netns_a, self.netns_b, self.netns_cli}
        recs = self.trace("podnet", "-c", "-i", "1", "--proto", "tcp", "--port", str(PORT),
                          until=lambda rs: {r.get("netns") for r in rs} >= ours)
        rows = [r for r in recs if r["type"] == "count" and r["netns"] in ours]
        self.assertEqual({r["netns"] for r in rows}, ours, recs)
        want = {self.netns_a: self.pod_a, self.netns_b: self.pod_b, self.netns_cli: "absent"}
        for r in rows:  # as the packet records name them; no pod: no keys
            self.assertEqual(r.get("pod_name", "absent"), want[r["netns"]], r)
            self.assertIsNone(r.get("pod_namespace"), r)  # Podman pods: no Kubernetes namespace
            self.assertNotIn("container_name", r)

    def test_filters_keep_exactly_their_records(self):
        recs = self.trace("tcpconnect", "--pod", self.pod_a, until=lambda rs: len(rs) >= 3)
        self.assertTrue(recs)
        # pod A's client (and a later container of pod A), never the host process
        self.assertEqual({r["pod_name"] for r in recs}, {self.pod_a})
        self.assertIn(B_ADDR, {r["raddr"] for r in recs})
        self.assertNotIn(B_CLI_ADDR, {r["raddr"] for r in recs})
        recs = self.trace("tcpaccept", "--container", self.server, until=lambda rs: len(rs) >= 3)
        self.assertTrue(recs)
        self.assertEqual({r["container_name"] for r in recs}, {self.server})
        recs = self.trace("tcpclose", "--pod", self.pod_b, until=lambda rs: len(rs) >= 3)
        self.assertTrue(recs)
        self.assertEqual({r["pod_name"] for r in recs if r["pid"]}, {self.pod_b})
        recs = self.trace("podnet", "--pod", self.pod_b, until=lambda rs: len(rs) >= 3)
        recs = [r for r in recs if r["type"] == "packet"]
        self.assertTrue(recs)
        self.assertEqual({r["netns"] for r in recs}, {self.netns_b})

    def test_metrics_label_the_pods_and_containers(self):
        # the label sets Prometheus stores are the pods' and containers' own
        # names; the host process's series has none
        with promrig.PromRig() as rig:
            tracers = [Tracer(tool, "--metrics-dir", rig.textfile_dir, "--metrics-interval", "1",
                              "--metrics-only", ready_timeout=120)
                       for tool in ("tcpconnect", "tcpclose", "podnet")]

            def labels(query):
                return {(r["metric"].get("pod", ""), r["metric"].get("container", ""))
                        for r in rig.query(query)}

            client, server = (self.pod_a, self.client), (self.pod_b, self.server)
            rig.wait_for('sum(socklens_tcp_connects_total{pod="%s",container="%s"})' % (self.pod_a, self.client),
                         lambda v: v and v[0] > 0)
            self.assertIn(client, labels("socklens_tcp_connects_total"))
            self.assertIn(("", ""), labels("socklens_tcp_connects_total"))  # the host process
            self.assertNotIn(server, labels("socklens_tcp_connects_total"))  # the server makes none
            rig.wait_for('sum(socklens_tcp_closes_total{pod="%s",container="%s"})' % server,
                         lambda v: v and v[0] > 0)
            self.assertTrue({client, server} <= labels("socklens_tcp_closes_total"))
            # podnet: the pod of the namespace; a pod's namespace holds two
            # containers (infra and one of ours), so no container label
            rig.wait_for('sum(socklens_pod_packets_total{pod="%s"})' % self.pod_b, lambda v: v and v[0] > 0)
            self.assertTrue({(self.pod_a, ""), (self.pod_b, "")} <= labels("socklens_pod_packets_total"))
            for t in tracers:
                self.assertEqual(t.stop(), 0, "".join(t.err))

    def test_container_started_later_is_traced(self):
        late = f"sl-late-{self.tag}"
        t = Tracer("tcpconnect", "-j", "--container", late, ready_timeout=120)
        self.assertIn("nothing matches yet", "".join(t.err))
        self.run_in(self.pod_a, late, loop("nc -w1 127.0.0.1 9"))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not t.out:
            time.sleep(0.5)
        t.stop()
        recs = [json.loads(l) for l in t.out]
        self.assertTrue(recs, "".join(t.err))
        self.assertEqual({(r["container_name"], r["pod_name"]) for r in recs}, {(late, self.pod_a)})

    def test_recreated_pod_is_followed(self):
        pod, ctr = f"sl-r-{self.tag}", f"sl-rc-{self.tag}"
        self.make_pod(pod)
        self.run_in(pod, ctr, loop("nc -w1 127.0.0.1 9"))
        first = self.pod_id(pod)
        t = Tracer("tcpconnect", "-j", "--pod", pod, "-r", ready_timeout=120)

        def wait_uid(uid):
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if any(json.loads(l)["pod_uid"] == uid for l in list(t.out)):
                    return True
                time.sleep(0.5)
            return False

        self.assertTrue(wait_uid(first), "".join(t.err))
        self.podman("pod", "rm", "-f", "-t", "0", pod)
        self.make_pod(pod)
        self.run_in(pod, ctr, loop("nc -w1 127.0.0.1 9"))
        second = self.pod_id(pod)
        self.assertNotEqual(first, second)
        self.assertTrue(wait_uid(second), "".join(t.err))
        t.stop()
        self.assertEqual({json.loads(l)["pod_name"] for l in t.out}, {pod})


if __name__ == "__main__":
    unittest.main()
