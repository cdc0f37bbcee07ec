#!/usr/bin/env python3
"""A test client: optionally renames itself and waits for a line on stdin,
then makes one TCP connect and prints what its socket saw as JSON:
{"pid", "tid", "comm", "laddr", "lport", "raddr", "rport", "errno"}.

usage: connector.py FAMILY(4|6) ADDR PORT [--name COMM] [--wait] [--count N]
                    [--seconds S [--interval I]]
                    [--mode timeout|blocking|nonblocking|sendto|sendmsg]

With --count N it makes N connects, one socket each, and reports the last;
with --seconds S it connects for S seconds instead, pausing I seconds
between connects (a steady storm of a known rate). "connects" in the
report says how many it made.
--mode: how connect() is called: timeout (the default: Python's 5 s
timeout, a non-blocking connect() and poll underneath), blocking (one
connect() that waits), nonblocking (connect(), then poll and SO_ERROR, as
event loops do), sendto or sendmsg (TCP Fast Open: one byte sent with
MSG_FASTOPEN to the destination, which connects). errno is what the
application got either way.
"""
import ctypes
import errno
import json
import os
import select
import socket
import sys
import threading
import time

PR_SET_NAME = 15


def connect(s, addr, port, mode):
    """connect() the way mode says; the errno the application ends up with."""
    if mode == "blocking":
        s.setblocking(True)
        return s.connect_ex((addr, port))
    if mode == "nonblocking":
        s.setblocking(False)
        err = s.connect_ex((addr, port))
        if err != errno.EINPROGRESS:
            return err
        p = select.poll()
        p.register(s, select.POLLOUT)
        p.poll(5000)
        return s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if mode in ("sendto", "sendmsg"):
        try:
            if mode == "sendto":
                s.sendto(b"x", socket.MSG_FASTOPEN, (addr, port))
            else:
                s.sendmsg([b"x"], [], socket.MSG_FASTOPEN, (addr, port))
        except OSError as e:
            return e.errno
        return 0
    s.settimeout(5)
    return s.connect_ex((addr, port))


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
    mode = args[args.index("--mode") + 1] if "--mode" in args else "timeout"
    end = time.monotonic() + float(args[args.index("--seconds") + 1]) if "--seconds" in args else None
    interval = float(args[args.index("--interval") + 1]) if "--interval" in args else 0
    i = 0
    while True:
        s = socket.socket(af, socket.SOCK_STREAM)
        err = connect(s, addr, port, mode)
        local = s.getsockname()
        i += 1
        if (i >= count) if end is None else (time.monotonic() >= end):
            break
        s.close()
        time.sleep(interval)
    print(json.dumps({
        "pid": os.getpid(), "tid": threading.get_native_id(),
        "comm": open("/proc/self/comm").read().strip(),
        "laddr": local[0], "lport": local[1], "raddr": addr, "rport": port,
        "errno": errno.errorcode.get(err, "0") if err else "0", "connects": i,
    }), flush=True)
    s.close()


if __name__ == "__main__":
    main()
