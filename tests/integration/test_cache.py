"""The compiled-program cache, as root: a second start loads the stored
program without the compiler and traces the same; a different program text
never reuses an entry; a damaged, foreign or unsafe entry is ignored, never
loaded, and the tool still works. Every test uses a cache directory of its
own (SOCKLENS_CACHE_DIR), removed afterwards. Timing is never asserted."""
import hashlib
import os
import shutil
import struct
import socket
import tempfile

from lib import Netns, ToolTest, Tracer, WaitingConnector, connect, listener, user_space_only

LOADED = "cache: loading the compiled program"
STORED = "cache: stored the compiled program"


def compiler_mapped(pid):
    """Whether the process has libbcc or LLVM mapped."""
    with open(f"/proc/{pid}/maps") as f:
        maps = f.read()
    return any(lib in maps for lib in ("libbcc", "libLLVM", "libclang"))


class CacheTest(ToolTest):
    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix="socklens-cache.")
        self.saved_env = os.environ.get("SOCKLENS_CACHE_DIR")
        os.environ["SOCKLENS_CACHE_DIR"] = self.dir

    def tearDown(self):
        super().tearDown()
        if self.saved_env is None:
            del os.environ["SOCKLENS_CACHE_DIR"]
        else:
            os.environ["SOCKLENS_CACHE_DIR"] = self.saved_env
        shutil.rmtree(self.dir, ignore_errors=True)

    def entries(self):
        return sorted(n for n in os.listdir(self.dir) if n.endswith(".bpf"))

    def entry(self):
        (name,) = self.entries()
        return os.path.join(self.dir, name)

    def trace_connect(self, *args):
        """tcpconnect -j -v ARGS around one loopback connect from a child:
        (stderr, the child's (pid, port), what the tool reported as such)."""
        t = Tracer("tcpconnect", "-j", "-v", *args)
        mapped = compiler_mapped(t.proc.pid)
        port = listener().getsockname()[1]
        seen = connect(4, "127.0.0.1", port)
        t.stop()
        err = "".join(t.err)
        got = [(e["pid"], e["rport"], e["daddr"] if "daddr" in e else e.get("raddr"))
               for e in t.events("connect") if e["rport"] == port]
        return err, mapped, (seen["pid"], port), got

    def assert_traced(self, want, got):
        self.assertEqual([want], [(pid, port) for pid, port, _ in got])

    def test_second_start_loads_the_stored_program_without_the_compiler(self):
        err, mapped, want, got = self.trace_connect()
        self.assertIn(STORED, err)
        self.assertNotIn(LOADED, err)
        self.assertTrue(mapped, "a compile maps libbcc: else the check below proves nothing")
        self.assert_traced(want, got)
        first = got

        err, mapped, want, got = self.trace_connect()
        self.assertIn(LOADED, err)
        self.assertNotIn(STORED, err)
        self.assertFalse(mapped, "a start from the cache must not map libbcc or LLVM")
        self.assert_traced(want, got)
        # the same record, field for field, but for the child's pid
        self.assertEqual([g[2] for g in first], [g[2] for g in got])
        self.assertEqual(1, len(self.entries()))

    def test_every_tool_hits_on_its_second_start(self):
        with Netns(f"slcache{os.getpid() % 100000}") as ns:
            for name, args in (("tcpconnect", ()), ("tcpaccept", ()), ("tcpclose", ()),
                               ("podnet", ("--netns", ns.path, "--drops"))):
                with self.subTest(tool=name):
                    for want in (STORED, LOADED):
                        t = Tracer(name, "-j", "-v", *args)
                        mapped = compiler_mapped(t.proc.pid)
                        t.stop()
                        self.assertIn(want, "".join(t.err))
                        if want == LOADED:
                            self.assertFalse(mapped)
        self.assertEqual(4, len(self.entries()))

    def test_records_are_the_same_with_and_without_the_cache(self):
        srv = listener()
        for how in ((), (), ("--no-cache",)):
            t = Tracer("tcpaccept", "-j", *how)
            with socket.create_connection(srv.getsockname()) as c:
                srv.accept()[0].close()
                cport = c.getsockname()[1]
            t.stop()
            rows = [(e["pid"], e["lport"], e["rport"]) for e in t.events("accept")
                    if (e["lport"], e["rport"]) == (srv.getsockname()[1], cport)]
            self.assertEqual([(os.getpid(), srv.getsockname()[1], cport)], rows, how)

    @user_space_only
    def test_another_filter_does_not_reuse_the_entry(self):
        self.trace_connect()
        keep = WaitingConnector(4, "127.0.0.1", listener().getsockname()[1])
        t = Tracer("tcpconnect", "-j", "-v", "-p", str(keep.pid))
        other = connect(4, "127.0.0.1", listener().getsockname()[1])
        mine = keep.go()
        t.stop()
        err = "".join(t.err)
        self.assertNotIn(LOADED, err)
        self.assertIn(STORED, err)
        self.assertEqual([mine["pid"]], [e["pid"] for e in t.events("connect")])
        self.assertNotEqual(mine["pid"], other["pid"])
        self.assertEqual(2, len(self.entries()))

    def damaged_entry_is_ignored(self, damage, reason):
        self.trace_connect()
        path = self.entry()
        damage(path)
        err, mapped, want, got = self.trace_connect()
        self.assertNotIn(LOADED, err)
        self.assertIn("cache: ignoring", err)
        self.assertIn(reason, err)
        self.assert_traced(want, got)
        # replaced by a good one: the next start loads it
        st = os.stat(self.entry())
        self.assertEqual((0, 0o600), (st.st_uid, st.st_mode & 0o777))
        err, *_ = self.trace_connect()
        self.assertIn(LOADED, err)

    @user_space_only
    def test_truncated_entry_is_ignored(self):
        def truncate(path):
            os.truncate(path, os.path.getsize(path) // 2)
        self.damaged_entry_is_ignored(truncate, "truncated")

    @user_space_only
    def test_flipped_byte_is_ignored(self):
        def flip(path):
            with open(path, "r+b") as f:
                f.seek(os.path.getsize(path) - 9)  # inside the last instruction
                b = f.read(1)
                f.seek(-1, os.SEEK_CUR)
                f.write(bytes([b[0] ^ 0x01]))
        self.damaged_entry_is_ignored(flip, "checksum mismatch")

    def test_program_the_kernel_refuses_is_compiled_again(self):
        """An entry that passes every check of the cache (its checksum made
        to match) but holds a program the verifier rejects: the tool says
        so, compiles, traces, and the next start loads the replacement."""
        self.trace_connect()
        path = self.entry()
        with open(path, "rb") as f:
            data = bytearray(f.read())
        # header: magic[8] format body_len key[32] body_sum[32]; the body is
        # progimage.c's: license[32] kern_version ndeps deps[280 each]
        # nmaps maps[52 each] nprogs, then per program name[64] ninsns
        # nrelocs insns[8 each] relocs[8 each]
        body = 80
        off = body + 32 + 4
        (ndeps,) = struct.unpack_from("<I", data, off)
        off += 4 + 280 * ndeps
        (nmaps,) = struct.unpack_from("<I", data, off)
        off += 4 + 52 * nmaps
        (nprogs,) = struct.unpack_from("<I", data, off)
        off += 4
        target = None
        for _ in range(nprogs):
            name = data[off:off + 64].split(b"\0")[0]
            ninsns, nrelocs = struct.unpack_from("<II", data, off + 64)
            if name == b"tracepoint__syscalls__sys_exit_connect":
                target = off + 72 + 8 * (ninsns - 1)  # its last instruction
            off += 72 + 8 * (ninsns + nrelocs)
        self.assertIsNotNone(target)
        data[target] = 0xff  # an opcode no kernel knows (ALU64 op 0xf0): the verifier refuses it
        data[48:80] = hashlib.sha256(bytes(data[body:])).digest()
        with open(path, "wb") as f:
            f.write(data)
        err, mapped, want, got = self.trace_connect()
        self.assertIn(LOADED, err)
        self.assertIn("cache: the kernel refused the cached program for tracepoint:syscalls:sys_exit_connect", err)
        self.assert_traced(want, got)
        err, *_ = self.trace_connect()
        self.assertIn(LOADED, err)
        self.assertNotIn("the kernel refused the cached program", err)

    @user_space_only
    def test_another_programs_entry_is_ignored(self):
        """A valid entry of another program under this one's name (a copy)."""
        t = Tracer("tcpaccept", "-v")
        t.stop()
        (foreign,) = self.entries()
        self.trace_connect()
        mine = [n for n in self.entries() if n != foreign][0]
        shutil.copy(os.path.join(self.dir, foreign), os.path.join(self.dir, mine))
        err, mapped, want, got = self.trace_connect()
        self.assertIn("made for another key", err)
        self.assertNotIn(LOADED, err)
        self.assert_traced(want, got)

    @user_space_only
    def test_entry_owned_by_another_user_is_ignored(self):
        self.damaged_entry_is_ignored(lambda p: os.chown(p, 65534, 65534), "not owned by root")

    @user_space_only
    def test_group_writable_entry_is_ignored(self):
        self.damaged_entry_is_ignored(lambda p: os.chmod(p, 0o620), "writable by group or others")

    @user_space_only
    def test_symbolic_link_is_not_followed(self):
        def link(path):
            os.rename(path, path + ".real")
            os.symlink(path + ".real", path)
        self.damaged_entry_is_ignored(link, "symbolic links")

    @user_space_only
    def test_unsafe_directory_is_neither_used_nor_written(self):
        self.trace_connect()
        before = self.entries()
        for mode, owner, reason in ((0o770, 0, "writable by group or others"),
                                    (0o700, 65534, "not owned by root")):
            with self.subTest(mode=oct(mode), owner=owner):
                os.chown(self.dir, owner, 0)
                os.chmod(self.dir, mode)
                os.unlink(os.path.join(self.dir, before[0]))  # anything stored now would show
                err, mapped, want, got = self.trace_connect()
                self.assertNotIn(LOADED, err)
                self.assertIn(f"not using {self.dir}: {reason}", err)
                self.assertIn(f"not storing in {self.dir}: {reason}", err)
                self.assertEqual([], self.entries())
                self.assert_traced(want, got)
                os.chown(self.dir, 0, 0)
                os.chmod(self.dir, 0o700)
                self.trace_connect()

    @user_space_only
    def test_no_cache_neither_uses_nor_stores(self):
        err, mapped, want, got = self.trace_connect("--no-cache")
        self.assertIn("cache: not used (--no-cache)", err)
        self.assertEqual([], self.entries())
        self.assert_traced(want, got)
        self.trace_connect()
        err, *_ = self.trace_connect("--no-cache")
        self.assertNotIn(LOADED, err)

    @user_space_only
    def test_least_recently_used_entries_are_pruned(self):
        """Each filter is an entry: the directory keeps the 64 most recently
        used, and temporary files a crash left behind go after an hour."""
        self.trace_connect()
        (mine,) = self.entries()
        old = 1_000_000_000  # 2001: older than anything stored now
        for i in range(70):
            path = os.path.join(self.dir, f"tcpconnect-{i:064x}.bpf")
            with open(path, "wb") as f:
                f.write(b"x")
            os.utime(path, (old + i, old + i))
        os.utime(os.path.join(self.dir, mine), (old - 1, old - 1))
        tmp = os.path.join(self.dir, ".tcpconnect-crashed.bpf.1.tmp")
        open(tmp, "wb").close()
        os.utime(tmp, (old, old))
        err, *_ = self.trace_connect()  # loads mine: it becomes the newest
        self.assertIn(LOADED, err)
        self.trace_connect("-P", "1")   # stores another, which prunes
        names = self.entries()
        self.assertEqual(64, len(names))
        self.assertIn(os.path.basename(mine), names)
        self.assertNotIn(f"tcpconnect-{0:064x}.bpf", names)  # the oldest went
        self.assertIn(f"tcpconnect-{69:064x}.bpf", names)
        self.assertFalse(os.path.exists(tmp))

    @user_space_only
    def test_missing_directory_is_created_private(self):
        os.rmdir(self.dir)
        self.trace_connect()
        st = os.stat(self.dir)
        self.assertEqual((0, 0o700), (st.st_uid, st.st_mode & 0o777))
        self.assertEqual(1, len(self.entries()))
