#!/usr/bin/env python3
"""tapcheck.py: plays the guest on linkem's unix end: sends an ARP request through linkem into its tap and waits for the kernel's ARP reply coming back."""
import socket
import struct
import sys
import time

# ARP over Ethernet (RFC 826): htype 1, ptype 0x0800, hlen 6, plen 4, op 1 request / 2 reply.
GUEST_MAC = bytes.fromhex("525400123456")
GUEST_IP = socket.inet_aton(sys.argv[3])
HOST_IP = socket.inet_aton(sys.argv[4])


def main():
    mine, linkem = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(mine)
    s.settimeout(0.2)
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, GUEST_MAC, GUEST_IP, b"\0" * 6, HOST_IP)
    frame = b"\xff" * 6 + GUEST_MAC + b"\x08\x06" + arp
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            s.sendto(frame, linkem)
        except OSError as e:
            print("# send:", e)
        try:
            while True:
                f = s.recv(2048)
                if len(f) >= 42 and f[12:14] == b"\x08\x06":
                    op = struct.unpack("!H", f[20:22])[0]
                    if op == 2 and f[28:32] == HOST_IP and f[0:6] == GUEST_MAC:
                        print("ARP reply from", socket.inet_ntoa(f[28:32]), "at", f[22:28].hex(":"))
                        return 0
        except socket.timeout:
            pass
    print("no ARP reply within 10 s")
    return 1


sys.exit(main())
