#!/usr/bin/env python3
"""rpc_seeds.py: writes seed inputs for the guestnet-rpcd fuzzer: valid request streams.

The fuzzer reads pieces "[len-1 | step<<6][len bytes]" (tests/fuzz/guestnet/rpcd_session.c);
these seeds cut real protocol streams (docs/protocol.md) that way, so mutation starts from
requests that parse: good ones, a bad payload byte, unknown flags, CLOSE, pipelining.
"""
import os
import sys

from rpc_bad import HDR, pattern


def req(rid, req_len, resp_len, flags=0, flip=None):
    body = bytearray(pattern(rid, 0, req_len))
    if flip is not None:
        body[flip] ^= 0xFF
    return HDR.pack(0x4E535250, 1, flags, 0, 0, rid, req_len, resp_len, 7) + bytes(body)


def pieces(stream, size=40, step=1):
    out = b""
    for i in range(0, len(stream), size):
        chunk = stream[i:i + size]
        out += bytes([(len(chunk) - 1) | (step << 6)]) + chunk
    return out


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    seeds = {
        "good": pieces(req(1, 100, 50)),
        "bad_payload": pieces(req(2, 64, 8, flip=5), step=2),
        "bad_flags": pieces(req(3, 0, 0, flags=0x10)),
        "close": pieces(req(4, 10, 10, flags=0x02), size=64, step=3),
        "pipelined": pieces(req(5, 30, 0) + req(6, 0, 30) + req(7, 5, 5), size=17),
    }
    for name, data in seeds.items():
        with open(os.path.join(d, "seed-" + name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
