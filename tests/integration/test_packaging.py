"""cmake --install into an empty prefix and cpack -G DEB work, and lay out
what a standard Linux tool has: sbin, man8, bash completion, headers."""
import os
import shutil
import subprocess
import tempfile
import unittest

BUILD = os.environ.get("NETTRACE_BUILD", os.path.join(os.path.dirname(__file__), "../../build"))
TOOLS = ["tcpconnect", "tcpaccept", "tcpclose", "podnet"]


class PackagingTest(unittest.TestCase):
    def test_install_into_an_empty_prefix(self):
        prefix = tempfile.mkdtemp(prefix="nettrace-prefix-")
        self.addCleanup(shutil.rmtree, prefix)
        subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix], check=True,
                       capture_output=True)
        for t in TOOLS:
            self.assertTrue(os.access(f"{prefix}/sbin/{t}", os.X_OK), t)
            self.assertTrue(os.path.isfile(f"{prefix}/share/man/man8/{t}.8"), t)
            self.assertTrue(os.path.isfile(f"{prefix}/share/bash-completion/completions/{t}"), t)
            self.assertTrue(os.path.isfile(f"{prefix}/include/nettrace/{t}.h"), t)
        self.assertTrue(os.path.isfile(f"{prefix}/include/nettrace/event_common.h"))
        self.assertFalse(os.path.exists(f"{prefix}/include/nettrace/kernel"))
        # the installed binary carries its BPF program: it runs without the source tree
        r = subprocess.run([f"{prefix}/sbin/tcpconnect", "--ebpf"], capture_output=True, cwd="/")
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"TRACEPOINT_PROBE(sock, inet_sock_set_state)", r.stdout)

    def test_installed_headers_decode_raw_output_alone(self):
        prefix = tempfile.mkdtemp(prefix="nettrace-prefix-")
        self.addCleanup(shutil.rmtree, prefix)
        subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix], check=True,
                       capture_output=True)
        src = os.path.join(prefix, "t.c")
        with open(src, "w") as f:
            f.write("#include <nettrace/tcpconnect.h>\n#include <nettrace/tcpaccept.h>\n"
                    "#include <nettrace/tcpclose.h>\n#include <nettrace/podnet.h>\n"
                    "int main(void) { return sizeof(struct podnet_event) % 8; }\n")
        subprocess.run(["cc", "-I", f"{prefix}/include", src, "-o", f"{prefix}/t"], check=True)
        self.assertEqual(subprocess.run([f"{prefix}/t"]).returncode, 0)

    @unittest.skipUnless(shutil.which("dpkg-shlibdeps"), "cpack's Depends needs dpkg-dev")
    def test_debian_package(self):
        out = tempfile.mkdtemp(prefix="nettrace-deb-")
        self.addCleanup(shutil.rmtree, out)
        subprocess.run(["cpack", "-G", "DEB", "-B", out], check=True, cwd=BUILD, capture_output=True)
        [deb] = [f for f in os.listdir(out) if f.endswith(".deb")]
        info = subprocess.run(["dpkg-deb", "-I", os.path.join(out, deb)], check=True,
                              capture_output=True, text=True).stdout
        depends = [l for l in info.splitlines() if l.strip().startswith("Depends:")]
        self.assertTrue(depends, info)
        for lib in ("libbpfcc", "libbpf1", "libc6"):
            self.assertIn(lib, depends[0])
        files = subprocess.run(["dpkg-deb", "-c", os.path.join(out, deb)], check=True,
                               capture_output=True, text=True).stdout
        for t in TOOLS:
            self.assertIn(f"./usr/sbin/{t}", files)
            self.assertIn(f"./usr/share/man/man8/{t}.8", files)


if __name__ == "__main__":
    unittest.main()
