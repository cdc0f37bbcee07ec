"""Podman on this host for the tests that run real containers
(test_identity, test_names): runc and no default ulimits in a
containers.conf of the test's own, a static busybox as the rootfs. Nothing
is written outside the test's temporary directory."""
import os
import shutil
import subprocess
import unittest

from lib import IN_VM

PODMAN = shutil.which("podman")
BUSYBOX = shutil.which("busybox") or "/bin/busybox"


def needs_podman(cls):
    """Skips the class where Podman, runc, busybox or root is missing."""
    for ok, why in ((os.geteuid() == 0, "needs root (Podman as root, /proc of other processes)"),
                    (PODMAN and os.path.exists("/usr/sbin/runc"),
                     "podman and runc are not installed (scripts/install-deps --test installs them)"),
                    (os.path.exists(BUSYBOX), "no static busybox for the rootfs (Debian busybox-static)"),
                    # names come from the node's files, not the kernel: the host suite runs these
                    (not IN_VM,
                     "kernel matrix VM: Podman's overlay storage cannot run over the guest's overlay root")):
        cls = unittest.skipUnless(ok, why)(cls)
    return cls


def podman_setup(tmp, applets):
    """(env for podman, rootfs) under tmp: the rootfs has busybox and these applets."""
    conf = os.path.join(tmp, "containers.conf")
    # crun fails on this host's hybrid cgroup layout; raising RLIMIT_NOFILE is refused here
    with open(conf, "w") as f:
        f.write('[engine]\nruntime = "runc"\n[containers]\ndefault_ulimits = []\n')
    rootfs = os.path.join(tmp, "rootfs")
    os.makedirs(os.path.join(rootfs, "bin"))
    shutil.copy(BUSYBOX, os.path.join(rootfs, "bin/busybox"))
    for applet in applets:
        os.symlink("busybox", os.path.join(rootfs, "bin", applet))
    return dict(os.environ, CONTAINERS_CONF=conf), rootfs


def podman(env, *args):
    """podman ARGS with env; its stdout, or an AssertionError with its stderr."""
    r = subprocess.run([PODMAN, *args], env=env, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


def remove(env, containers, pods):
    """Removes what a test made (also half-made), quietly."""
    for name in containers:
        subprocess.run([PODMAN, "rm", "-f", "-t", "0", name], env=env, capture_output=True)
    for name in pods:
        subprocess.run([PODMAN, "pod", "rm", "-f", "-t", "0", name], env=env, capture_output=True)
