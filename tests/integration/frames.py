#!/usr/bin/env python3
"""Ethernet frames of the shapes real pod traffic takes (VLAN tags, IPv4
options, tunnels: IPIP, GRE, Geneve; with IPv6 addresses also an IPv6
atomic fragment: a Fragment header with offset 0 and M=0, a whole
datagram), built by hand and sent on one interface through a packet
socket, for the podnet tests. The addresses are those of the test's own
namespaces: nothing leaves them.

usage: frames.py IFNAME DST_MAC SRC_IP DST_IP INNER_SRC INNER_DST PORT [SRC_IP6 DST_IP6]
Sends one frame of each shape; prints {"shape": source port, ...} as JSON.
"""
import json
import socket
import struct
import sys

ETH_P_IP, ETH_P_8021Q, ETH_P_TEB, ETH_P_IPV6 = 0x0800, 0x8100, 0x6558, 0x86DD
NEXTHDR_FRAGMENT, IPPROTO_UDP = 44, 17


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4(src, dst, proto, payload, options=b""):
    ihl = 5 + len(options) // 4
    header = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 4 * ihl + len(payload), 1, 0, 64, proto, 0,
                         socket.inet_aton(src), socket.inet_aton(dst)) + options
    return header[:10] + struct.pack("!H", checksum(header)) + header[12:] + payload


def udp(sport, dport, payload=b"podnet"):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def ipv6_atomic_fragment(src, dst, sport, dport):
    """A UDP datagram behind a Fragment header with offset 0 and M=0."""
    src, dst = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    datagram = udp(sport, dport)
    pseudo = src + dst + struct.pack("!I3xB", len(datagram), IPPROTO_UDP)
    datagram = datagram[:6] + struct.pack("!H", checksum(pseudo + datagram) or 0xFFFF) + datagram[8:]
    body = struct.pack("!BBHI", IPPROTO_UDP, 0, 0, 0x5eed) + datagram
    return struct.pack("!IHBB", 6 << 28, len(body), NEXTHDR_FRAGMENT, 64) + src + dst + body


def ethernet(dst_mac, src_mac, ethertype, payload):
    return dst_mac + src_mac + struct.pack("!H", ethertype) + payload


def shapes(src_mac, dst_mac, a, b, inner_a, inner_b, port, a6=None, b6=None):
    """(name, source port, frame) for each shape; every frame carries one
    UDP datagram to port, inside whatever the shape puts around it."""
    def inner(sport):
        return ipv4(inner_a, inner_b, 17, udp(sport, port))

    def eth(ethertype, payload):
        return ethernet(dst_mac, src_mac, ethertype, payload)

    yield "vlan", 41001, eth(ETH_P_8021Q, struct.pack("!HH", 100, ETH_P_IP) +
                             ipv4(a, b, 17, udp(41001, port)))
    yield "options", 41002, eth(ETH_P_IP, ipv4(a, b, 17, udp(41002, port), options=b"\x01" * 8))
    yield "ipip", 41003, eth(ETH_P_IP, ipv4(a, b, 4, inner(41003)))
    yield "gre", 41004, eth(ETH_P_IP, ipv4(a, b, 47, struct.pack("!HH", 0, ETH_P_IP) + inner(41004)))
    geneve = struct.pack("!BBHI", 0, 0, ETH_P_TEB, 42 << 8) + ethernet(dst_mac, src_mac, ETH_P_IP,
                                                                        inner(41005))
    yield "geneve", 41005, eth(ETH_P_IP, ipv4(a, b, 17, udp(41005, 6081, geneve)))
    if a6:
        yield "atomic6", 41006, eth(ETH_P_IPV6, ipv6_atomic_fragment(a6, b6, 41006, port))


def main():
    ifname, dst_mac, a, b, inner_a, inner_b, port = sys.argv[1:8]
    a6, b6 = sys.argv[8:10] if len(sys.argv) > 9 else (None, None)
    with open(f"/sys/class/net/{ifname}/address") as f:
        src_mac = bytes.fromhex(f.read().strip().replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    sent = {}
    for name, sport, frame in shapes(src_mac, bytes.fromhex(dst_mac.replace(":", "")), a, b,
                                     inner_a, inner_b, int(port), a6, b6):
        s.send(frame)
        sent[name] = sport
    print(json.dumps(sent))


if __name__ == "__main__":
    main()
