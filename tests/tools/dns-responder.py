#!/usr/bin/env python3
"""A tiny authoritative DNS responder for tests: answers A queries for the
names given as NAME=IPV4 arguments (TTL 60), NXDOMAIN for anything else.
Listens on UDP port 53 of every address until killed; standard library only."""
import socket
import struct
import sys

names = {}
for arg in sys.argv[1:]:
    n, ip = arg.split("=", 1)
    names[n.lower().rstrip(".")] = socket.inet_aton(ip)

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("0.0.0.0", 53))
print("listening", flush=True)
while True:
    q, peer = sock.recvfrom(1500)
    if len(q) < 12:
        continue
    qid, flags, qd = struct.unpack(">HHH", q[:6])
    o, labels = 12, []
    while o < len(q) and q[o]:
        labels.append(q[o + 1:o + 1 + q[o]].decode("ascii", "replace"))
        o += 1 + q[o]
    qend = o + 5
    qtype = struct.unpack(">H", q[o + 1:o + 3])[0] if o + 3 <= len(q) else 0
    name = ".".join(labels).lower()
    question = q[12:qend]
    addr = names.get(name)
    rcode = 0 if addr else 3
    answers = b""
    if addr and qtype == 1:
        answers = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + addr
    hdr = struct.pack(">HHHHHH", qid, 0x8180 | (flags & 0x0100) | rcode, 1,
                      1 if answers else 0, 0, 0)
    try:
        sock.sendto(hdr + question + answers, peer)
    except OSError as e:        # a firewall refusing the reply is not our end
        print("reply to %s: %s" % (peer, e), flush=True)
