"""Makes one loopback TCP connect from each of many cgroups, fast: for each
cgroup directory given (one per line on stdin), forks a child that moves
itself into it (writes 0 to its cgroup.procs) and connects to
127.0.0.1:PORT, then exits; at most --batch children at a time. Prints one
JSON line per child, {"cgroup": DIR, "pid": PID, "ok": BOOL}, once it has
exited. Only loopback.

usage: cgroup_connector.py PORT [--batch N] < dirs"""
import argparse
import json
import os
import socket
import sys


def child(cgroup, port):
    try:
        fd = os.open(os.path.join(cgroup, "cgroup.procs"), os.O_WRONLY)
        os.write(fd, b"0")
        os.close(fd)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.connect(("127.0.0.1", port))
        s.close()
        os._exit(0)
    except BaseException:
        os._exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--batch", type=int, default=32)
    a = ap.parse_args()
    dirs = [l.strip() for l in sys.stdin if l.strip()]
    running = {}
    out = sys.stdout

    def reap():
        pid, status = os.wait()
        cg = running.pop(pid)
        out.write(json.dumps({"cgroup": cg, "pid": pid, "ok": os.waitstatus_to_exitcode(status) == 0}) + "\n")

    for cg in dirs:
        while len(running) >= a.batch:
            reap()
        pid = os.fork()
        if pid == 0:
            child(cg, a.port)
        running[pid] = cg
    while running:
        reap()
    out.flush()


if __name__ == "__main__":
    main()
