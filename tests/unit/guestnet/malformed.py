#!/usr/bin/python3
"""malformed.py: sends scapy-crafted malformed frames to the guest and checks its drop counters.

Each case is a list of frames and the counter(s) that must rise by at least that many frames
(counter names as served by netd's stats port, docs/guestnet.md). Prints TAP lines numbered
from --first; exit status 0 only when every case passed.
"""
import argparse
import socket
import sys
import time

import random

from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, Raw, conf, fuzz, sendp  # noqa: E402

conf.verb = 0


def stats(ip, port):
    """The guest's counters as a dict, via its stats port (one request per connection)."""
    s = socket.create_connection((ip, port), timeout=20)
    s.settimeout(20)
    s.sendall(b"stats\n")
    buf = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        buf += b
    s.close()
    out = {}
    for line in buf.decode().splitlines():
        k, _, v = line.partition(" ")
        if v.isdigit():
            out[k] = int(v)
    return out


def cases(gmac, hmac, gip, hip):
    e = Ether(dst=gmac, src=hmac, type=0x0800)  # IEEE 802.3 / RFC 894: IPv4
    good_ip = IP(src=hip, dst=gip)
    raw_ip = bytes(good_ip / ICMP())

    def ip_bytes(pkt):
        return bytes(pkt)

    def patch(b, off, val):
        b = bytearray(b)
        b[off] = val
        return bytes(b)

    c = []
    # Linux will not send a frame shorter than the 14-byte Ethernet header through a tap, so the
    # shortest frames here are a bare header of an unknown type and a bare IPv4 header start.
    c.append(("bare Ethernet header with an unknown EtherType",
              [bytes(Ether(dst=gmac, src=hmac, type=0x88b5))] * 5, ["stack.eth_drop_ethertype"]))
    c.append(("truncated IPv4 header (10 bytes)", [bytes(e / Raw(b"\x45" + b"\0" * 9))] * 5,
              ["stack.ip_drop_short"]))
    c.append(("IPv4 version 6 in an IPv4 frame",
              [bytes(e) + patch(ip_bytes(good_ip / ICMP()), 0, 0x65)] * 5,
              ["stack.ip_drop_version"]))
    c.append(("IPv4 IHL 4 (below the 5-word minimum)",
              [bytes(e) + patch(raw_ip, 0, 0x44)] * 5, ["stack.ip_drop_hdrlen"]))
    c.append(("IPv4 total length beyond the frame",
              [bytes(e / IP(src=hip, dst=gip, len=1400) / ICMP())] * 5, ["stack.ip_drop_totlen"]))
    c.append(("IPv4 bad header checksum",
              [bytes(e / IP(src=hip, dst=gip, chksum=0x1234) / ICMP())] * 5,
              ["stack.ip_drop_checksum"]))
    c.append(("IPv4 fragments (MF set, and a non-zero offset)",
              [bytes(e / IP(src=hip, dst=gip, flags="MF") / ICMP() / Raw(b"x" * 32)),
               bytes(e / IP(src=hip, dst=gip, frag=4) / Raw(b"y" * 32))] * 3,
              ["stack.ip_drop_fragment"]))
    c.append(("IPv4 TTL 0", [bytes(e / IP(src=hip, dst=gip, ttl=0) / ICMP())] * 5,
              ["stack.ip_drop_ttl"]))
    c.append(("ICMP bad checksum", [bytes(e / good_ip / ICMP(chksum=0xbeef))] * 5,
              ["stack.icmp_drop_checksum"]))
    c.append(("truncated TCP header (10 bytes)",
              [bytes(e / IP(src=hip, dst=gip, proto=6) / Raw(b"\x9c\x40\x00\x07" + b"\0" * 6))] * 5,
              ["stack.tcp_drop_short"]))
    c.append(("TCP bad checksum", [bytes(e / good_ip / TCP(sport=40001, dport=7, flags="S",
                                                          chksum=0x4242))] * 5,
              ["stack.tcp_drop_checksum"]))
    c.append(("TCP data offset 3 (below 5)",
              [bytes(e / good_ip / TCP(sport=40002, dport=7, flags="S", dataofs=3))] * 5,
              ["stack.tcp_drop_offset"]))
    c.append(("TCP data offset beyond the segment",
              [bytes(e / good_ip / TCP(sport=40003, dport=7, flags="S", dataofs=15))] * 5,
              ["stack.tcp_drop_offset"]))
    bad_opts = [
        b"\x02\x00\x00\x00",          # MSS with length 0
        b"\x02\x03\x05\xb4",          # MSS with length 3 (RFC 9293 3.2: length 4)
        b"\x08\x0a\x00\x00",          # timestamps option running past the area
        b"\x03\x02\x00\x00",          # window scale with length 2 (RFC 7323 2.2: length 3)
        b"\x05\x05\x00\x00\x00\x00\x00\x00",  # SACK with a length that is not 2 + 8n
    ]
    c.append(("TCP malformed options (bad lengths, overruns)",
              [bytes(e / good_ip / TCP(sport=40004 + i, dport=7, flags="S", seq=1,
                                       dataofs=5 + len(o) // 4) / Raw(o))
               for i, o in enumerate(bad_opts)],
              ["stack.tcp_drop_bad_option"]))
    c.append(("truncated ARP", [bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src=hmac, type=0x0806) /
                                      Raw(b"\x00\x01\x08\x00\x06\x04\x00\x01"))] * 5,
              ["stack.arp_drop_malformed"]))
    c.append(("ARP with a bad hardware type",
              [bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src=hmac) /
                     ARP(hwtype=6, psrc=hip, pdst=gip, hwsrc=hmac))] * 5,
              ["stack.arp_drop_malformed"]))
    return c


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--iface", required=True)
    ap.add_argument("--guest-mac", required=True)
    ap.add_argument("--guest-ip", required=True)
    ap.add_argument("--host-ip", required=True)
    ap.add_argument("--stats-port", type=int, default=7070)
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fuzz-frames", type=int, default=1000)
    a = ap.parse_args()
    with open("/sys/class/net/%s/address" % a.iface) as f:
        hmac = f.read().strip()
    n = a.first
    failed = 0
    total_sent = 0
    before_all = stats(a.guest_ip, a.stats_port)
    for name, frames, counters in cases(a.guest_mac, hmac, a.guest_ip, a.host_ip):
        before = stats(a.guest_ip, a.stats_port)
        sendp(frames, iface=a.iface)
        total_sent += len(frames)
        time.sleep(0.3)
        after = stats(a.guest_ip, a.stats_port)
        delta = {k: after.get(k, 0) - before.get(k, 0) for k in counters}
        ok = all(d >= len(frames) for d in delta.values())
        print("%s %d - malformed: %s: %d frame(s) dropped and counted (%s)" %
              ("ok" if ok else "not ok", n, name, len(frames),
               ", ".join("%s +%d" % kv for kv in delta.items())))
        failed += 0 if ok else 1
        n += 1
    # Robustness: seeded random IPv4/TCP/ICMP/UDP headers (scapy's fuzz()), never a crash.
    random.seed(a.seed)
    e = Ether(dst=a.guest_mac, src=hmac, type=0x0800)
    layers = [lambda: fuzz(IP(dst=a.guest_ip, src=a.host_ip) / TCP(dport=7)),
              lambda: fuzz(IP(dst=a.guest_ip, src=a.host_ip, proto=6) / TCP()),
              lambda: IP(dst=a.guest_ip, src=a.host_ip) / fuzz(TCP(dport=7)),
              lambda: fuzz(IP(dst=a.guest_ip, src=a.host_ip) / ICMP()),
              lambda: fuzz(IP(dst=a.guest_ip, src=a.host_ip) / UDP())]
    frames = []
    for i in range(a.fuzz_frames):
        frames.append(bytes(e / layers[i % len(layers)]())[:1514])
    before = stats(a.guest_ip, a.stats_port)
    sendp(frames, iface=a.iface)
    time.sleep(0.5)
    try:
        after = stats(a.guest_ip, a.stats_port)
        rx = after.get("nic0.rx_frames", 0) - before.get("nic0.rx_frames", 0)
        ok = rx >= len(frames)
        why = "nic0.rx_frames +%d" % rx
    except OSError as ex:
        ok, why = False, "stats port unreachable afterwards: %s" % ex
    print("%s %d - %d seeded fuzz()ed IPv4 frames received, guest still answers (%s)" %
          ("ok" if ok else "not ok", n, len(frames), why))
    failed += 0 if ok else 1
    total_sent += len(frames)
    after_all = stats(a.guest_ip, a.stats_port)
    print("# %d malformed frames sent; nic0.rx_frames +%d" %
          (total_sent, after_all.get("nic0.rx_frames", 0) - before_all.get("nic0.rx_frames", 0)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
