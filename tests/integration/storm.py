#!/usr/bin/env python3
"""A steady connect storm on loopback for the soak test: connects to its
own listener for SECONDS, closing each with an RST (no TIME_WAIT pile-up),
and prints {"port", "connects", "accepts", "unclosed"} when done.

"unclosed" counts connections whose close() did not close them: their
accepted side never saw the RST (as in bench/storm.c, which says why). A
close tracer accounts for connects - unclosed.

usage: storm.py SECONDS [--ready]   (--ready: print the port first, wait for a line)
"""
import json
import select
import socket
import struct
import sys
import time

LINGER_RST = struct.pack("ii", 1, 0)
TCP_ESTABLISHED = 1


def established(conn):
    """The accepted socket's peer has not reset it (tcp_info's first byte is the state)."""
    return conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0] == TCP_ESTABLISHED


def main():
    seconds = float(sys.argv[1])
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(4096)
    port = lsock.getsockname()[1]
    if "--ready" in sys.argv:
        print(json.dumps({"port": port}), flush=True)
        sys.stdin.readline()

    accepts = unclosed = n = 0

    def take():
        """Accepts what is waiting; each accepted socket must have the RST
        of a client already closed (allowing for its delivery)."""
        nonlocal accepts, unclosed
        while accepts < n:   # the rest are still queued
            try:
                conn, _ = lsock.accept()
            except BlockingIOError:
                return
            accepts += 1
            if established(conn):
                select.select([conn], [], [], 0.2)
                unclosed += established(conn)
            conn.close()

    # One thread, in order (as bench/storm.c): connect, close, accept. A
    # connection's accepted side is checked only after its client closed.
    lsock.setblocking(False)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        c = socket.socket()
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
        if c.connect_ex(("127.0.0.1", port)) == 0:
            n += 1
        c.close()
        take()
    for _ in range(1000):   # whatever is still on its way to the queue
        if accepts == n:
            break
        time.sleep(0.001)
        take()
    print(json.dumps({"port": port, "connects": n, "accepts": accepts, "unclosed": unclosed}), flush=True)


if __name__ == "__main__":
    main()
