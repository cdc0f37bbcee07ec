#!/usr/bin/env python3
"""A test client: optionally renames itself and waits for a line on stdin,
then makes one TCP connect and prints what its socket saw as JSON:
{"pid", "tid", "comm", "laddr", "lport", "raddr", "rport", "errno"}.

usage: connector.py FAMILY(4|6) ADDR PORT [--name COMM] [--wait] [--count N]

With --count N it makes N connects, one socket each, and reports the last.
"""
import ctypes
import errno
import json
import os
import socket
import sys
import threading

PR_SET_NAME = 15


def main():
    family, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    args = sys.argv[4:]
    if "--name" in args:
        name = args[args.index("--name") + 1].encode()
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_NAME, name, 0, 0, 0)
    if "--wait" in args:
        print(json.dumps({"ready": os.getpid()}), flush=True)
        sys.stdin.readline()
    af = socket.AF_INET6 if family == "6" else socket.AF_INET
    count = int(args[args.index("--count") + 1]) if "--count" in args else 1
    for i in range(count):
        s = socket.socket(af, socket.SOCK_STREAM)
        s.settimeout(5)
        err = s.connect_ex((addr, port))
        local = s.getsockname()
        if i < count - 1:
            s.close()
    print(json.dumps({
        "pid": os.getpid(), "tid": threading.get_native_id(),
        "comm": open("/proc/self/comm").read().strip(),
        "laddr": local[0], "lport": local[1], "raddr": addr, "rport": port,
        "errno": errno.errorcode.get(err, "0") if err else "0",
    }), flush=True)
    s.close()


if __name__ == "__main__":
    main()
