"""'Pods' for the podnet tests: network namespaces this test makes,
joined by veth pairs or a bridge, with addresses that exist only inside
them. Everything is removed on exit, also when a test fails."""
import os
import subprocess
import time


def ip(*args, check=True):
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


class Pods:
    """Namespaces named <prefix>-<name>; links between them."""

    def __init__(self, prefix):
        self.prefix = f"{prefix}{os.getpid() % 100000}"
        self.names = []

    def ns(self, name):
        return f"{self.prefix}-{name}"

    def path(self, name):
        return f"/run/netns/{self.ns(name)}"

    def exec_prefix(self, name):
        return ["ip", "netns", "exec", self.ns(name)]

    def add(self, name):
        ip("netns", "add", self.ns(name))
        self.names.append(name)
        ip("-n", self.ns(name), "link", "set", "lo", "up")

    def veth(self, a, a_if, a_addr, b, b_if, b_addr):
        """A veth pair: a_if in pod a, b_if in pod b; addresses 'v4/len,v6/len' (or None)."""
        ip("link", "add", a_if, "netns", self.ns(a), "type", "veth", "peer", "name", b_if,
           "netns", self.ns(b))
        for pod, ifname, addrs in ((a, a_if, a_addr), (b, b_if, b_addr)):
            for addr in (addrs or "").split(","):
                if addr:
                    ip("-n", self.ns(pod), "addr", "add", addr, "dev", ifname,
                       *(["nodad"] if ":" in addr else []))
            ip("-n", self.ns(pod), "link", "set", ifname, "up")

    def settle(self, timeout=10):
        """Waits until no IPv6 address of any pod is tentative (the
        link-local ones run duplicate address detection for about a second
        after the link comes up). A tool that starts within that second
        would otherwise see the test's first IPv6 packets take another path
        than the test expects."""
        deadline = time.monotonic() + timeout
        while any(ip("-n", self.ns(n), "-6", "addr", "show", "tentative").stdout.strip()
                  for n in self.names):
            if time.monotonic() > deadline:
                raise AssertionError(f"IPv6 addresses of {self.prefix} still tentative after {timeout} s")
            time.sleep(0.1)

    def bridge(self, pod, name, ports):
        """A bridge in pod with these interfaces (already in pod) as ports."""
        ip("-n", self.ns(pod), "link", "add", name, "type", "bridge")
        for port in ports:
            ip("-n", self.ns(pod), "link", "set", port, "master", name)
        ip("-n", self.ns(pod), "link", "set", name, "up")

    def close(self):
        for name in reversed(self.names):
            ip("netns", "del", self.ns(name), check=False)
        self.names = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
