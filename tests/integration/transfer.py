#!/usr/bin/env python3
"""Two ends of one TCP connection that move a known number of bytes.

  transfer.py server FAMILY M [--reset] [--name COMM]
      listens on loopback, prints {"ready": pid, "port": P}; accepts one
      connection, reads until the client's FIN, answers M bytes and closes
      (with --reset: aborts with an RST instead of answering);
      prints {"pid", "received", "lport", "rport", "retrans"}.
  transfer.py client FAMILY PORT N [--name COMM]
      connects, sends N bytes, shuts down its side, reads until EOF (or a
      reset) and closes; prints {"pid", "received", "lport", "start_ns",
      "end_ns", "error", "retrans"} (CLOCK_MONOTONIC, as the kernel's ts_ns;
      retrans: the socket's retransmits just before close).
"""
import ctypes
import json
import os
import socket
import struct
import sys
import time

PR_SET_NAME = 15


def setup(args):
    if "--name" in args:
        name = args[args.index("--name") + 1].encode()
        ctypes.CDLL(None).prctl(PR_SET_NAME, name, 0, 0, 0)
    fam = args[1]
    return (socket.AF_INET6, "::1") if fam == "6" else (socket.AF_INET, "127.0.0.1")


def total_retrans(sock):
    """The kernel's retransmit count of this socket so far (tcp_info's
    tcpi_total_retrans, at byte 100): on a slow machine (an emulated CPU)
    even loopback retransmits when a timer fires before the peer runs."""
    return struct.unpack_from("I", sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104), 100)[0]


def read_all(sock):
    n = 0
    while True:
        data = sock.recv(65536)
        if not data:
            return n
        n += len(data)


def server(args):
    af, addr = setup(args)
    answer = int(args[2])
    lsock = socket.socket(af, socket.SOCK_STREAM)
    lsock.bind((addr, 0))
    lsock.listen(4)
    print(json.dumps({"ready": os.getpid(), "port": lsock.getsockname()[1]}), flush=True)
    conn, peer = lsock.accept()
    received = read_all(conn)
    if "--reset" in args:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    else:
        conn.sendall(b"s" * answer)
    local = conn.getsockname()
    retrans = total_retrans(conn)
    conn.close()
    print(json.dumps({"pid": os.getpid(), "received": received, "lport": local[1],
                      "rport": peer[1], "retrans": retrans}), flush=True)


def client(args):
    af, addr = setup(args)
    port, size = int(args[2]), int(args[3])
    start = time.monotonic_ns()
    sock = socket.socket(af, socket.SOCK_STREAM)
    sock.connect((addr, port))
    lport = sock.getsockname()[1]
    sock.sendall(b"c" * size)
    sock.shutdown(socket.SHUT_WR)
    error = None
    try:
        received = read_all(sock)
    except ConnectionResetError:
        received, error = 0, "ECONNRESET"
    retrans = total_retrans(sock)
    sock.close()
    print(json.dumps({"pid": os.getpid(), "received": received, "lport": lport,
                      "start_ns": start, "end_ns": time.monotonic_ns(), "error": error,
                      "retrans": retrans}),
          flush=True)


if __name__ == "__main__":
    {"server": server, "client": client}[sys.argv[1]](sys.argv[1:])
