#!/usr/bin/env python3
"""stream_check.py: rebuilds every server-to-client byte stream of a request port from a pcap
(linkem --pcap: the frames it forwarded) and checks it independently of the client: every copy
of a byte (original and retransmissions) is equal, and the stream is a sequence of valid
docs/protocol.md responses (32-byte header, magic "NSRP", RESPONSE flag, payload bytes equal
to byte(id, 1, off)). Also counts retransmissions that straddle an edge of a block the client
had SACKed in its latest ACK seen so far (the capture's order is linkem's, not the guest's, so
this is exact only while no ACK overtakes a resend in flight; suite 37 requires zero). Prints one JSON line; exit 0 when every stream is consistent and valid."""
import json
import struct
import subprocess
import sys

M64 = (1 << 64) - 1
MAGIC = 0x4E535250  # docs/protocol.md section 2: ASCII "NSRP"
F_RESPONSE = 0x01   # docs/protocol.md section 2 flags: set on every response


def block(seed, k):
    """docs/protocol.md section 3: SplitMix64 finalizer of (seed + 1) * golden + k."""
    z = ((seed + 1) * 0x9E3779B97F4A7C15 + k) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def payload(rid, direction, n):
    out = bytearray()
    k = 0
    while len(out) < n:
        out += block(2 * rid + direction, k).to_bytes(8, "little")
        k += 1
    return bytes(out[:n])


def seq_lt(a, b):
    return ((a - b) & 0xFFFFFFFF) >= 0x80000000


def main():
    if len(sys.argv) != 3:
        print("usage: stream_check.py PCAP SERVER_PORT", file=sys.stderr)
        return 2
    pcap, port = sys.argv[1], sys.argv[2]
    fields = ["frame.number", "tcp.srcport", "tcp.dstport", "tcp.seq", "tcp.flags.syn",
              "tcp.options.sack_le", "tcp.options.sack_re", "tcp.payload"]
    cmd = ["tshark", "-r", pcap, "-Y", f"tcp.port=={port}", "-o",
           "tcp.relative_sequence_numbers:FALSE", "-T", "fields"]
    for f in fields:
        cmd += ["-e", f]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        print(json.dumps({"error": "tshark failed", "stderr": res.stderr[:300]}))
        return 1
    conns = {}
    for line in res.stdout.splitlines():
        f = line.split("\t")
        f += [""] * (len(fields) - len(f))
        sport, dport, syn = f[1], f[2], f[4] in ("1", "True")
        client = dport if sport == port else sport
        c = conns.setdefault(client, {"isn": None, "bytes": {}, "conflicts": 0, "high": None,
                                      "sack": [], "rexmit": 0, "straddle": 0})
        if sport != port:  # client to server: remember its latest SACK blocks
            if f[5]:
                le = [int(x) for x in f[5].split(",")]
                re_ = [int(x) for x in f[6].split(",")]
                c["sack"] = list(zip(le, re_))
            continue
        seq = int(f[3])
        if syn:
            c["isn"] = seq
            continue
        data = bytes.fromhex(f[7]) if f[7] else b""
        if c["isn"] is None or not data:
            continue
        end = (seq + len(data)) & 0xFFFFFFFF
        if c["high"] is not None and seq_lt(seq, c["high"]):
            c["rexmit"] += 1
            for left, right in c["sack"]:
                for edge in (left, right):
                    if seq_lt(seq, edge) and seq_lt(edge, end):
                        c["straddle"] += 1
        if c["high"] is None or seq_lt(c["high"], end):
            c["high"] = end
        off = (seq - c["isn"] - 1) & 0xFFFFFFFF
        for j, b in enumerate(data):
            prev = c["bytes"].setdefault(off + j, b)
            if prev != b:
                c["conflicts"] += 1
    report = {"connections": 0, "responses": 0, "bytes": 0, "conflicts": 0, "invalid": [],
              "retransmissions": 0, "straddling_sack_edge": 0}
    for client, c in sorted(conns.items()):
        if c["isn"] is None:
            continue
        report["connections"] += 1
        report["conflicts"] += c["conflicts"]
        report["retransmissions"] += c["rexmit"]
        report["straddling_sack_edge"] += c["straddle"]
        got = c["bytes"]
        n = 0
        while n in got:
            n += 1
        buf = bytes(got[i] for i in range(n))
        report["bytes"] += n
        pos = 0
        while pos + 32 <= len(buf):
            magic, _ver, flags = struct.unpack(">IBB", buf[pos:pos + 6])
            rid, = struct.unpack(">Q", buf[pos + 8:pos + 16])
            rlen, = struct.unpack(">I", buf[pos + 20:pos + 24])
            if magic != MAGIC or not flags & F_RESPONSE:
                report["invalid"].append(f"{client}: bad header at stream offset {pos}")
                break
            if pos + 32 + rlen > len(buf):
                break  # the capture ended inside this response
            if buf[pos + 32:pos + 32 + rlen] != payload(rid, 1, rlen):
                report["invalid"].append(f"{client}: payload of id {rid} differs at {pos}")
                break
            pos += 32 + rlen
            report["responses"] += 1
    print(json.dumps(report))
    ok = report["connections"] > 0 and report["conflicts"] == 0 and not report["invalid"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
