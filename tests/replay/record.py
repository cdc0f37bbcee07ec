#!/usr/bin/env python3
"""Records each tool's raw stream (-o raw) under real traffic and writes the
replay fixtures: OUT/<tool>.raw plus the expected replays OUT/<tool>.text,
.json and .csv (made with --read, TZ=UTC), which tests/replay/test_replay.py
compares against.

    tests/replay/record.py [--bin DIR] [--emit] OUTDIR

Run as root. Needs only the built tools (DIR, default build/bin) and python3:
the traffic runs in a network namespace of its own (loopback only, made with
unshare(2)), and every tool records with --netns of that namespace, so the
fixtures hold nothing of the host's traffic. --emit also prints every file
base64-encoded on stdout ("socklens-fixture: NAME BASE64"), for a guest whose
files do not outlive it (tests/vm/run.sh with SOCKLENS_VM_COMMAND).

Each stream holds a few records: IPv4 and IPv6 connects, accepts and closes
on loopback, a refused connect, and (podnet) UDP to a closed port, which
the kernel answers with ICMP and drops."""
import argparse
import base64
import ctypes
import fcntl
import os
import select
import socket
import struct
import subprocess
import sys
import time

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
TOOLS = ("tcpconnect", "tcpaccept", "tcpclose", "podnet")
FORMATS = {"text": [], "json": ["-o", "json"], "csv": ["-o", "csv"]}


def lo_up():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    req = struct.pack("16sH14x", b"lo", 0)
    flags = struct.unpack("16sH14x", fcntl.ioctl(s, SIOCGIFFLAGS, req))[1]
    fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))
    s.close()


def traffic():
    """TCP on IPv4 and IPv6 loopback (connect, accept, a little data, close),
    a refused connect, UDP to a closed port."""
    for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        srv = socket.socket(family, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((host, 0))
        srv.listen(8)
        port = srv.getsockname()[1]
        c = socket.create_connection((host, port))
        a, _ = srv.accept()
        c.sendall(b"x" * 3000)
        got = 0
        while got < 3000:
            got += len(a.recv(65536))
        a.sendall(b"y" * 1000)
        c.recv(65536)
        c.close()
        a.close()
        srv.close()
    try:
        socket.create_connection(("127.0.0.1", 9), timeout=2).close()
    except OSError:
        pass
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b"ping", ("127.0.0.1", 9))
    u.close()
    time.sleep(0.3)


def in_namespace():
    """A child in a new network namespace with loopback up: it makes the
    traffic each time the parent writes a byte, and exits on EOF."""
    go_r, go_w = os.pipe()
    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(go_w)
        os.close(done_r)
        if ctypes.CDLL(None, use_errno=True).unshare(CLONE_NEWNET) != 0:
            os._exit(3)
        lo_up()
        os.write(done_w, b"r")
        while os.read(go_r, 1):
            traffic()
            os.write(done_w, b"d")
        os._exit(0)
    os.close(go_r)
    os.close(done_w)
    if os.read(done_r, 1) != b"r":
        sys.exit("record.py: cannot make a network namespace (run as root)")
    return pid, go_w, done_r


def wait_tracing(proc, timeout=120):
    """Waits for the tool's "Tracing ..." line on stderr."""
    buf = b""
    end = time.monotonic() + timeout
    while b"Tracing" not in buf:
        left = end - time.monotonic()
        if left <= 0 or proc.poll() is not None:
            sys.exit(f"record.py: the tool did not start: {buf.decode(errors='replace')}")
        if select.select([proc.stderr], [], [], left)[0]:
            buf += os.read(proc.stderr.fileno(), 4096)
    return buf


def record(binary, ns_pid, go_w, done_r, path):
    with open(path, "wb") as out:
        proc = subprocess.Popen([binary, "-o", "raw", "--netns", f"/proc/{ns_pid}/ns/net"],
                                stdout=out, stderr=subprocess.PIPE)
        wait_tracing(proc)
        os.write(go_w, b"g")
        os.read(done_r, 1)
        time.sleep(0.5)
        proc.terminate()
        err = proc.communicate(timeout=60)[1]
    if proc.returncode != 0:
        sys.exit(f"record.py: {binary} failed: {err.decode(errors='replace')}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--bin", default=os.path.join(here, "..", "..", "build", "bin"))
    ap.add_argument("--emit", action="store_true", help="also print the files base64-encoded")
    ap.add_argument("outdir")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    ns_pid, go_w, done_r = in_namespace()
    env = dict(os.environ, TZ="UTC")
    written = []
    for tool in TOOLS:
        binary = os.path.join(args.bin, tool)
        raw = os.path.join(args.outdir, f"{tool}.raw")
        record(binary, ns_pid, go_w, done_r, raw)
        written.append(raw)
        for fmt, opts in FORMATS.items():
            golden = os.path.join(args.outdir, f"{tool}.{fmt}")
            with open(golden, "wb") as f:
                subprocess.run([binary, "--read", raw] + opts, stdout=f, env=env, check=True)
            written.append(golden)
    os.close(go_w)
    os.waitpid(ns_pid, 0)
    for path in written:
        print(f"wrote {path} ({os.path.getsize(path)} bytes)", file=sys.stderr)
        if args.emit:
            with open(path, "rb") as f:
                print(f"socklens-fixture: {os.path.basename(path)} {base64.b64encode(f.read()).decode()}")


if __name__ == "__main__":
    main()
