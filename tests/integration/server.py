#!/usr/bin/env python3
"""A test server: listens on loopback, says so, waits for "go" on stdin,
then accepts and prints what each accepted socket saw as JSON:
{"pid", "laddr", "lport", "raddr", "rport"}.

usage: server.py FAMILY(4|6) [--accept N] [--backlog B] [--fork] [--eagain] [--name COMM]
                 [--bind ADDR]
  --fork    a forked worker accepts (the pre-fork server shape); "ready"
            reports both the master's and the worker's pid
  --eagain  first a non-blocking accept() that fails with EAGAIN
"""
import ctypes
import json
import os
import socket
import sys

PR_SET_NAME = 15


def opt(args, name, default):
    return args[args.index(name) + 1] if name in args else default


def serve(lsock, args, master):
    if "--name" in args:
        ctypes.CDLL(None).prctl(PR_SET_NAME, opt(args, "--name", "").encode(), 0, 0, 0)
    print(json.dumps({"ready": os.getpid(), "master": master, "port": lsock.getsockname()[1]}),
          flush=True)
    sys.stdin.readline()
    if "--eagain" in args:
        lsock.setblocking(False)
        try:
            lsock.accept()
            print(json.dumps({"eagain": False}), flush=True)
        except BlockingIOError:
            print(json.dumps({"eagain": True}), flush=True)
        lsock.setblocking(True)
    for _ in range(int(opt(args, "--accept", "1"))):
        conn, _ = lsock.accept()
        local = conn.getsockname()
        try:
            peer = conn.getpeername()
        except OSError:  # reset by the client before we accepted it
            peer = ("", 0)
        print(json.dumps({"pid": os.getpid(), "laddr": local[0], "lport": local[1],
                          "raddr": peer[0], "rport": peer[1]}), flush=True)
        conn.close()


def main():
    family, args = sys.argv[1], sys.argv[2:]
    af, addr = (socket.AF_INET6, "::1") if family == "6" else (socket.AF_INET, "127.0.0.1")
    addr = opt(args, "--bind", addr)
    lsock = socket.socket(af, socket.SOCK_STREAM)
    lsock.bind((addr, 0))
    lsock.listen(int(opt(args, "--backlog", "16")))
    if "--fork" not in args:
        serve(lsock, args, os.getpid())
        return
    master = os.getpid()
    child = os.fork()
    if child == 0:
        serve(lsock, args, master)
        os._exit(0)
    os.waitpid(child, 0)


if __name__ == "__main__":
    main()
