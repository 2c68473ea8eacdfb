"""mptcpopt.py: decodes the MPTCP v1 options the stream rebuild needs (MP_CAPABLE, MP_JOIN, DSS;
RFC 8684) from one TCP option's bytes, and derives a key's token and IDSN. A malformed option
decodes to {"sub": ..., "bad": reason} so the caller can report it."""
import hashlib
import struct

# RFC 8684 section 3, Figure 3: subtype in the high nibble of the third byte.
MP_CAPABLE, MP_JOIN, DSS = 0, 1, 2
# RFC 8684 section 3.1: MP_CAPABLE flags byte; A = checksum required.
CAP_FLAG_A = 0x80
# RFC 8684 section 3.3, Figure 9: DSS flags byte.
DSS_A = 0x01  # DATA_ACK present
DSS_a = 0x02  # DATA_ACK is 8 octets
DSS_M = 0x04  # DSN, subflow sequence number, data-level length (and checksum) present
DSS_m = 0x08  # DSN is 8 octets
DSS_F = 0x10  # DATA_FIN


def key_token_idsn(key):
    """RFC 8684 section 3.2: token = most significant 32 bits of SHA-256(key); section 3.1: IDSN =
    least significant 64 bits of the same hash. The key is hashed as its 8 network-order bytes."""
    h = hashlib.sha256(struct.pack(">Q", key)).digest()
    return struct.unpack(">I", h[:4])[0], struct.unpack(">Q", h[24:])[0]


def parse(opt):
    """Decodes one kind-30 option (its whole bytes, kind and length included)."""
    if len(opt) < 3:
        return {"sub": -1, "bad": f"MPTCP option of {len(opt)} bytes"}
    sub, ln = opt[2] >> 4, len(opt)
    if sub == MP_CAPABLE:
        return _capable(opt, ln)
    if sub == MP_JOIN:
        return _join(opt, ln)
    if sub == DSS:
        return _dss(opt, ln)
    return {"sub": sub}


def _capable(opt, ln):
    # RFC 8684 section 3.1, Figure 4: length 4 (SYN), 12 (SYN/ACK: the sender's key), 20 (third
    # ACK: both keys), 22 (first data: both keys and the data-level length), 24 (plus checksum).
    o = {"sub": MP_CAPABLE, "ver": opt[2] & 0x0F}
    if ln < 4:
        return dict(o, bad=f"MP_CAPABLE length {ln}")
    o["flags"] = opt[3]
    if o["ver"] != 1:
        return dict(o, bad=f"MP_CAPABLE version {o['ver']} (only v1, RFC 8684, is rebuilt)")
    if ln == 4:
        o["keys"] = []
    elif ln == 12:
        o["keys"] = [struct.unpack(">Q", opt[4:12])[0]]
    elif ln in (20, 22, 24):
        o["keys"] = list(struct.unpack(">QQ", opt[4:20]))
        if ln >= 22:
            o["dll"] = struct.unpack(">H", opt[20:22])[0]
    else:
        return dict(o, bad=f"MP_CAPABLE length {ln}")
    return o


def _join(opt, ln):
    # RFC 8684 section 3.2, Figures 5-7: SYN 12 (token, nonce), SYN/ACK 16, third ACK 24.
    o = {"sub": MP_JOIN}
    if ln == 12:
        o["addr_id"] = opt[3]
        o["token"] = struct.unpack(">I", opt[4:8])[0]
    elif ln not in (16, 24):
        return dict(o, bad=f"MP_JOIN length {ln}")
    return o


def _dss(opt, ln):
    # RFC 8684 section 3.3, Figure 9: kind, length, subtype|reserved, flags, then the optional
    # DATA_ACK (4 or 8), then the mapping: DSN (4 or 8), subflow sequence number (4), data-level
    # length (2) and, when checksums were negotiated, the DSS checksum (2).
    if ln < 4:
        return {"sub": DSS, "bad": f"DSS length {ln}"}
    fl = opt[3]
    o = {"sub": DSS, "fin": bool(fl & DSS_F)}
    need = 4
    if fl & DSS_A:
        need += 8 if fl & DSS_a else 4
    if fl & DSS_M:
        need += (8 if fl & DSS_m else 4) + 4 + 2
    if ln not in (need, need + 2) or (ln == need + 2 and not fl & DSS_M):
        return dict(o, bad=f"DSS length {ln} does not match flags 0x{fl:02x}")
    p = 4
    if fl & DSS_A:
        w = 8 if fl & DSS_a else 4
        o["ack"] = int.from_bytes(opt[p:p + w], "big")
        o["ack_bits"] = 8 * w
        p += w
    if fl & DSS_M:
        w = 8 if fl & DSS_m else 4
        o["dsn"] = int.from_bytes(opt[p:p + w], "big")
        o["dsn_bits"] = 8 * w
        p += w
        o["ssn"], o["dll"] = struct.unpack(">IH", opt[p:p + 6])
    return o
