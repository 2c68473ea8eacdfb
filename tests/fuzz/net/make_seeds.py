#!/usr/bin/env python3
"""make_seeds.py: writes seed inputs for the net-frames fuzzer (record format of fuzz_frames.c):
a handshake, data, out-of-order data with SACK, and a FIN, so fuzzing starts from ESTABLISHED."""
import os
import struct
import sys

M = 2**32


def lcg(state):
    # fuzz_frames.c's ns_port_random: rnd = rnd * 1103515245 + 12345 (mod 2^32), starting at 1.
    return (state * 1103515245 + 12345) % M


def isn():
    r = 1
    r = lcg(r)  # ns_stack_init: ip_id
    r = lcg(r)  # ns_stack_init: next_port
    return lcg(r)  # the SYN-ACK's ISN


def tcp(seq, ack, flags, data=b"", opts=b"", sport=40000, dport=7, wnd=65535):
    off = (20 + len(opts)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq % M, ack % M, off << 4, flags, wnd, 0, 0)
    return hdr + opts + data


def rec(seg):
    return bytes([1]) + struct.pack("!H", len(seg)) + seg


SYN, ACK, FIN, PSH = 0x02, 0x10, 0x01, 0x08


def main(out):
    os.makedirs(out, exist_ok=True)
    s = isn() + 1
    syn_opts = bytes([2, 4, 5, 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7])
    ts = lambda v: bytes([1, 1, 8, 10]) + struct.pack("!II", v, 0)
    hs = rec(tcp(1000, 0, SYN, opts=syn_opts)) + rec(tcp(1001, s, ACK, opts=ts(2)))
    data = rec(tcp(1001, s, ACK | PSH, b"hello world", ts(3)))
    ooo = rec(tcp(1100, s, ACK, b"x" * 50, ts(4))) + rec(tcp(1012, s, ACK, b"y" * 88, ts(5)))
    app = bytes([4, 20, 3, 10])  # echo 20 bytes back, advance the clock
    fin = rec(tcp(1150, s, ACK | FIN, b"", ts(6))) + bytes([5, 0, 3, 200])
    seeds = {
        "handshake": hs,
        "data": hs + data + app,
        "ooo_sack": hs + ooo + app,
        "close": hs + data + app + fin,
        "plain_syn": rec(tcp(5, 0, SYN)),
    }
    for name, blob in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "seeds"))
