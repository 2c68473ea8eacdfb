#!/usr/bin/env python3
"""rpc_bad.py: checks rpcd's error behaviour (docs/protocol.md §4) with an independent client.

Sends one good request, one with a flipped payload byte, one with an unknown flag, then a header
with a bad magic; prints one JSON line with what came back. Exit status 0 when rpcd answered
status 0, 1 (BAD_PAYLOAD), 2 (BAD_FLAGS) with intact response payloads, and reset or closed the
connection after the bad magic without answering.
"""
import json
import socket
import struct
import sys

MASK = (1 << 64) - 1
HDR = struct.Struct(">IBBBBQIIQ")  # §2: magic, version, flags, status, reserved, id, lens, send_ns


def pattern(rid, direction, n):
    """§3: SplitMix64 finalizer over (2*id + dir + 1) * golden + block index."""
    out = bytearray()
    seed = (2 * rid + direction) & MASK
    k = 0
    while len(out) < n:
        z = ((seed + 1) * 0x9E3779B97F4A7C15 + k) & MASK
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z ^= z >> 31
        out += z.to_bytes(8, "little")
        k += 1
    return bytes(out[:n])


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("closed after %d of %d bytes" % (len(b), n))
        b += c
    return b


def ask(s, rid, req_len, resp_len, flags=0, flip=None):
    body = bytearray(pattern(rid, 0, req_len))
    if flip is not None:
        body[flip] ^= 0xFF
    s.sendall(HDR.pack(0x4E535250, 1, flags, 0, 0, rid, req_len, resp_len, 42) + bytes(body))
    h = HDR.unpack(recv_exact(s, HDR.size))
    payload = recv_exact(s, h[7])
    return {"id": h[5], "flags": h[2], "status": h[3], "payload_ok": payload == pattern(rid, 1, resp_len)}


def main():
    ip, port = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 7100
    s = socket.create_connection((ip, port), timeout=20)
    r = {"good": ask(s, 1000, 300, 500), "bad_payload": ask(s, 1001, 300, 50, flip=123),
         "bad_flags": ask(s, 1002, 10, 10, flags=0x40)}
    # §4 step 1: a header that does not parse ends the connection with nothing more answered.
    s.sendall(HDR.pack(0x4E535251, 1, 0, 0, 0, 1003, 0, 10, 0))
    try:
        extra = s.recv(100)
        r["after_bad_magic"] = "closed" if extra == b"" else "answered %d bytes" % len(extra)
    except ConnectionResetError:
        r["after_bad_magic"] = "reset"
    print(json.dumps(r))
    ok = (r["good"]["status"] == 0 and r["bad_payload"]["status"] == 1 and
          r["bad_flags"]["status"] == 2 and all(r[k]["payload_ok"] for k in ("good", "bad_payload", "bad_flags"))
          and all(r[k]["flags"] & 1 for k in ("good", "bad_payload", "bad_flags"))
          and r["after_bad_magic"] in ("reset", "closed"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
