"""rpcdproto.py: checks that a byte stream is a sequence of valid rpcd responses (docs/protocol.md:
32-byte header with magic "NSRP" and the RESPONSE flag, then payload bytes equal to
byte(id, 1, off)), independently of the C codec."""
import struct

M64 = (1 << 64) - 1
MAGIC = 0x4E535250  # docs/protocol.md section 2: ASCII "NSRP"
F_RESPONSE = 0x01   # docs/protocol.md section 2 flags: set on every response
HDR = 32            # docs/protocol.md section 2: fixed header length


def block(seed, k):
    """docs/protocol.md section 3: SplitMix64 finalizer of (seed + 1) * golden + k."""
    z = ((seed + 1) * 0x9E3779B97F4A7C15 + k) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def payload(rid, direction, n):
    """docs/protocol.md section 3: payload bytes of request id rid (direction 0 request, 1 response)."""
    out = bytearray()
    k = 0
    while len(out) < n:
        out += block(2 * rid + direction, k).to_bytes(8, "little")
        k += 1
    return bytes(out[:n])


def check_responses(buf):
    """(responses, error): how many whole valid responses buf starts with, and None or a reason
    for the first invalid one. A response cut off by the end of buf is not an error."""
    pos = n = 0
    while pos + HDR <= len(buf):
        magic, _ver, flags = struct.unpack(">IBB", buf[pos:pos + 6])
        rid, = struct.unpack(">Q", buf[pos + 8:pos + 16])
        rlen, = struct.unpack(">I", buf[pos + 20:pos + 24])
        if magic != MAGIC or not flags & F_RESPONSE:
            return n, f"bad header at stream offset {pos}"
        if pos + HDR + rlen > len(buf):
            break
        if buf[pos + HDR:pos + HDR + rlen] != payload(rid, 1, rlen):
            return n, f"payload of id {rid} differs at stream offset {pos}"
        pos += HDR + rlen
        n += 1
    return n, None
