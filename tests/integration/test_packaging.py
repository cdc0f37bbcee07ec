"""cmake --install into an empty prefix and cpack -G DEB work, and lay out
what a standard Linux tool has: sbin, man8, bash completion, headers."""
import os
import shutil
import subprocess
import tempfile
import unittest

import lib

BUILD = os.environ.get("SOCKLENS_BUILD", os.path.join(os.path.dirname(__file__), "../../build"))
TOOLS = ["tcpconnect", "tcpaccept", "tcpclose", "podnet"]


class PackagingTest(unittest.TestCase):
    def test_install_into_an_empty_prefix(self):
        prefix = tempfile.mkdtemp(prefix="socklens-prefix-")
        self.addCleanup(shutil.rmtree, prefix)
        subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix], check=True,
                       capture_output=True)
        for t in TOOLS:
            self.assertTrue(os.access(f"{prefix}/sbin/{t}", os.X_OK), t)
            self.assertTrue(os.path.isfile(f"{prefix}/share/man/man8/{t}.8"), t)
            self.assertTrue(os.path.isfile(f"{prefix}/share/bash-completion/completions/{t}"), t)
            self.assertTrue(os.path.isfile(f"{prefix}/include/socklens/{t}.h"), t)
        self.assertTrue(os.path.isfile(f"{prefix}/include/socklens/event_common.h"))
        self.assertFalse(os.path.exists(f"{prefix}/include/socklens/kernel"))
        # the installed binary carries its BPF program: it runs without the source tree
        r = subprocess.run([f"{prefix}/sbin/tcpconnect", "--ebpf"], capture_output=True, cwd="/")
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"RAW_TRACEPOINT_PROBE(inet_sock_set_state)", r.stdout)

    def test_installed_headers_decode_raw_output_alone(self):
        prefix = tempfile.mkdtemp(prefix="socklens-prefix-")
        self.addCleanup(shutil.rmtree, prefix)
        subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix], check=True,
                       capture_output=True)
        src = os.path.join(prefix, "t.c")
        with open(src, "w") as f:
            f.write("#include <socklens/tcpconnect.h>\n#include <socklens/tcpaccept.h>\n"
                    "#include <socklens/tcpclose.h>\n#include <socklens/podnet.h>\n"
                    "int main(void) { return sizeof(struct podnet_event) % 8; }\n")
        subprocess.run(["cc", "-I", f"{prefix}/include", src, "-o", f"{prefix}/t"], check=True)
        self.assertEqual(subprocess.run([f"{prefix}/t"]).returncode, 0)

    def test_install_keeps_the_plain_names(self):
        prefix = tempfile.mkdtemp(prefix="socklens-prefix-")
        self.addCleanup(shutil.rmtree, prefix)
        subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix], check=True,
                       capture_output=True)
        self.assertEqual(sorted(os.listdir(f"{prefix}/sbin")), sorted(TOOLS))
        r = subprocess.run([f"{prefix}/sbin/tcpclose", "--version"], capture_output=True, text=True)
        self.assertRegex(r.stdout, r"^tcpclose \(socklens\) \d")

    @unittest.skipUnless(shutil.which("dpkg-shlibdeps"), "cpack's Depends needs dpkg-dev")
    def test_debian_package(self):
        deb = build_deb(self)
        info = subprocess.run(["dpkg-deb", "-I", deb], check=True,
                              capture_output=True, text=True).stdout
        depends = [l for l in info.splitlines() if l.strip().startswith("Depends:")]
        self.assertTrue(depends, info)
        for lib in ("libbpfcc", "libbpf1", "libc6"):
            self.assertIn(lib, depends[0])
        self.assertIn("Package: socklens", info)
        self.assertIn("Architecture: amd64", info)
        files = subprocess.run(["dpkg-deb", "-c", deb], check=True,
                               capture_output=True, text=True).stdout
        for t in TOOLS:
            self.assertIn(f"./usr/sbin/{t}-socklens\n", files)
            self.assertNotIn(f"./usr/sbin/{t}\n", files)
            self.assertIn(f"./usr/share/man/man8/{t}-socklens.8", files)
            self.assertIn(f"./usr/share/bash-completion/completions/{t}-socklens\n", files)
        with tempfile.TemporaryDirectory() as root:
            subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
            page = open(f"{root}/usr/share/man/man8/tcpconnect-socklens.8").read()
            # every example names the installed command, never another package's tcpconnect
            self.assertIn(r".TH TCPCONNECT\-SOCKLENS 8", page[:400])
            self.assertNotRegex(page, r"(?m)^tcpconnect \\-")
            self.assertRegex(page, r"(?m)^tcpconnect\\-socklens \\-p 181$")
            self.assertIn("<socklens/tcpconnect.h>", page)
            self.assertIn("tcpconnect\\-bpfcc", page)
            completion = open(f"{root}/usr/share/bash-completion/completions/tcpconnect-socklens").read()
            self.assertRegex(completion, r"complete -F \w+ tcpconnect-socklens\n")


def build_deb(test):
    out = tempfile.mkdtemp(prefix="socklens-deb-")
    test.addCleanup(shutil.rmtree, out)
    subprocess.run(["cpack", "-G", "DEB", "-B", out], check=True, cwd=BUILD, capture_output=True)
    [deb] = [f for f in os.listdir(out) if f.endswith(".deb")]
    return os.path.join(out, deb)


def installed(package):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
    return r.returncode == 0 and "install ok installed" in r.stdout


DEBIAN_PEERS = ("libbpf-tools", "bpfcc-tools")


@unittest.skipUnless(os.geteuid() == 0, "dpkg -i runs as root")
class InstalledPackageTest(unittest.TestCase):
    """The .deb installs with dpkg beside Debian's libbpf-tools (its own
    /usr/sbin/tcpconnect) and bpfcc-tools, the tools it installs trace for
    real, and removing it leaves both Debian packages whole."""

    def setUp(self):
        if not shutil.which("dpkg-shlibdeps"):
            self.skipTest("cpack's Depends needs dpkg-dev")
        if installed("socklens"):
            self.skipTest("a socklens package is installed on this machine: not replaced by a test")
        missing = [p for p in DEBIAN_PEERS if not installed(p)]
        if missing:
            self.fail(f"{' '.join(missing)} not installed: scripts/install-deps --test installs them")

    def dpkg(self, *args):
        r = subprocess.run(["dpkg", *args], capture_output=True, text=True,
                           env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        self.assertEqual(r.returncode, 0, f"dpkg {' '.join(args)}: {r.stdout}{r.stderr}")

    def peers_whole(self):
        """Every file of both Debian packages is theirs and unchanged."""
        r = subprocess.run(["dpkg", "--verify", *DEBIAN_PEERS], capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stdout), (0, ""), r.stderr)
        self.assertEqual(subprocess.run(["dpkg", "-S", "/usr/sbin/tcpconnect"], capture_output=True,
                                        text=True).stdout.split(":")[0], "libbpf-tools")
        r = subprocess.run(["/usr/sbin/tcplife", "--help"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_installs_traces_and_removes_beside_the_debian_tools(self):
        deb = build_deb(self)
        self.addCleanup(subprocess.run, ["dpkg", "--purge", "socklens"], capture_output=True)
        self.dpkg("-i", deb)
        for t in TOOLS:
            path = f"/usr/sbin/{t}-socklens"
            r = subprocess.run([path, "--version"], capture_output=True, text=True)
            self.assertRegex(r.stdout, rf"^{t}-socklens \(socklens\) \d+\.\d+\.\d+\n$")
            r = subprocess.run([path, "--help"], capture_output=True, text=True)
            self.assertIn(f"Usage: {t}-socklens", r.stdout)
            self.assertNotRegex(r.stdout, rf"(?m)^  {t} ")
            r = subprocess.run(["man", "-w", f"{t}-socklens"], capture_output=True, text=True)
            self.assertEqual(r.stdout.strip(), f"/usr/share/man/man8/{t}-socklens.8")
        lib.trace_each_installed_tool(self, {t: f"/usr/sbin/{t}-socklens" for t in TOOLS})

        # Debian's packages installed after it (reinstalled over it) clash with nothing.
        with tempfile.TemporaryDirectory() as cache:
            os.chmod(cache, 0o755)  # apt's download user writes here
            subprocess.run(["apt-get", "download", *DEBIAN_PEERS], cwd=cache, check=True,
                           capture_output=True)
            self.dpkg("-i", *[os.path.join(cache, f) for f in os.listdir(cache)])
        self.dpkg("-r", "socklens")
        for t in TOOLS:
            self.assertFalse(os.path.exists(f"/usr/sbin/{t}-socklens"))
        self.assertFalse(os.path.exists("/usr/share/bash-completion/completions/socklens-common.bash"))
        self.peers_whole()


if __name__ == "__main__":
    unittest.main()
