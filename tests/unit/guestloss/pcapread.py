"""pcapread.py: reads a classic libpcap file and decodes its Ethernet/IPv4/TCP frames, options
included (MSS, SACK, timestamps, MPTCP), for the guest-loss stream checks. Bad input raises
PcapError with the reason; a record cut short at the end of the file (a capture still being
written) ends the read without error."""
import struct

# libpcap file format (draft-ietf-opsawg-pcap section 4): magic per byte order and resolution.
MAGIC_US = 0xA1B2C3D4
MAGIC_NS = 0xA1B23C4D
LINKTYPE_ETHERNET = 1  # draft-ietf-opsawg-pcaplinktype: IEEE 802.3 Ethernet
ETH_IPV4 = 0x0800      # IEEE 802 EtherType for IPv4 (RFC 894)
ETH_VLAN = 0x8100      # IEEE 802.1Q tag: 4 more bytes before the real EtherType
IPPROTO_TCP = 6        # RFC 9293 section 3.1 / IANA protocol numbers

# TCP option kinds (IANA "TCP Option Kind Numbers").
OPT_EOL, OPT_NOP, OPT_MSS, OPT_WS, OPT_SACK_PERM, OPT_SACK, OPT_TS = 0, 1, 2, 3, 4, 5, 8
OPT_MPTCP = 30  # RFC 8684 section 3

# TCP header flags (RFC 9293 section 3.1).
TH_FIN, TH_SYN, TH_RST, TH_ACK = 0x01, 0x02, 0x04, 0x10


class PcapError(Exception):
    """A pcap file or frame this reader cannot decode, with the reason."""


def read_records(path, skip=0):
    """Returns (records, truncated): records is a list of (index, data) for every complete record
    after the first `skip` (index counts from 0 over the whole file)."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise PcapError(f"{path}: {e.strerror}") from e
    if len(raw) < 24:
        raise PcapError(f"{path}: {len(raw)} bytes, shorter than a pcap file header (24)")
    for order in ("<", ">"):
        magic, major, _minor, _tz, _sig, _snap, link = struct.unpack(order + "IHHiIII", raw[:24])
        if magic in (MAGIC_US, MAGIC_NS):
            break
    else:
        raise PcapError(f"{path}: not a pcap file (magic {raw[:4].hex()}; pcapng is not read)")
    if major != 2:
        raise PcapError(f"{path}: pcap major version {major}, expected 2")
    if link & 0xFFFF != LINKTYPE_ETHERNET:
        raise PcapError(f"{path}: link type {link & 0xFFFF}, only Ethernet (1) is read")
    recs = []
    pos, idx, truncated = 24, 0, False
    hdr = struct.Struct(order + "IIII")  # ts_sec, ts_frac, incl_len, orig_len (section 5)
    while pos < len(raw):
        if pos + 16 > len(raw):
            truncated = True
            break
        _s, _f, incl, _orig = hdr.unpack_from(raw, pos)
        if incl > 0x40000:
            raise PcapError(f"{path}: record {idx} claims {incl} bytes (corrupt file)")
        if pos + 16 + incl > len(raw):
            truncated = True
            break
        if idx >= skip:
            recs.append((idx, raw[pos + 16:pos + 16 + incl]))
        pos += 16 + incl
        idx += 1
    return recs, truncated


def count_records(path):
    """The number of complete records in the file."""
    recs, _ = read_records(path)
    return len(recs)


class Seg:
    """One decoded TCP segment."""
    __slots__ = ("idx", "src", "dst", "sport", "dport", "seq", "ack", "flags", "win", "opts",
                 "payload")


def parse_tcp_options(b):
    """Decodes a TCP option list (RFC 9293 section 3.2). Returns a dict with whichever of mss, ws,
    sack_perm, sack (list of (left, right)), ts ((tsval, tsecr)), mptcp (list of option bytes)
    are present, and 'bad' set when the list is malformed (the rest is then not read)."""
    o = {"mptcp": []}
    i = 0
    while i < len(b):
        kind = b[i]
        if kind == OPT_EOL:
            break
        if kind == OPT_NOP:
            i += 1
            continue
        if i + 2 > len(b) or b[i + 1] < 2 or i + b[i + 1] > len(b):
            o["bad"] = True
            break
        ln = b[i + 1]
        body = b[i + 2:i + ln]
        if kind == OPT_MSS and ln == 4:
            o["mss"] = struct.unpack(">H", body)[0]
        elif kind == OPT_WS and ln == 3:
            o["ws"] = body[0]
        elif kind == OPT_SACK_PERM and ln == 2:
            o["sack_perm"] = True
        elif kind == OPT_SACK and ln >= 10 and (ln - 2) % 8 == 0:
            # RFC 2018 section 3: pairs of 32-bit left and right edges.
            o["sack"] = [struct.unpack(">II", body[k:k + 8]) for k in range(0, ln - 2, 8)]
        elif kind == OPT_TS and ln == 10:
            o["ts"] = struct.unpack(">II", body)  # RFC 7323 section 3: TSval, TSecr
        elif kind == OPT_MPTCP:
            o["mptcp"].append(bytes(b[i:i + ln]))
        i += ln
    return o


def decode_tcp(idx, frame):
    """A Seg for an Ethernet/IPv4/TCP frame, None for any other frame; PcapError when a TCP frame
    is malformed. Payload length comes from the IPv4 total length: Ethernet pads short frames."""
    if len(frame) < 14:
        return None
    etype = struct.unpack(">H", frame[12:14])[0]
    off = 14
    if etype == ETH_VLAN:
        if len(frame) < 18:
            return None
        etype = struct.unpack(">H", frame[16:18])[0]
        off = 18
    if etype != ETH_IPV4 or len(frame) < off + 20:
        return None
    vihl = frame[off]
    if vihl >> 4 != 4:
        return None
    ihl = (vihl & 0x0F) * 4  # RFC 791 section 3.1: header length in 32-bit words
    total = struct.unpack(">H", frame[off + 2:off + 4])[0]
    frag = struct.unpack(">H", frame[off + 6:off + 8])[0]
    if frame[off + 9] != IPPROTO_TCP:
        return None
    if ihl < 20 or total < ihl or off + total > len(frame):
        raise PcapError(f"frame {idx}: IPv4 header length {ihl} / total {total} do not fit "
                        f"the {len(frame)}-byte frame")
    if frag & 0x3FFF:
        raise PcapError(f"frame {idx}: IPv4 fragment of a TCP segment (not reassembled)")
    ip = frame[off:off + total]
    t = ip[ihl:]
    if len(t) < 20:
        raise PcapError(f"frame {idx}: TCP header cut short ({len(t)} bytes)")
    doff = (t[12] >> 4) * 4  # RFC 9293 section 3.1: data offset in 32-bit words
    if doff < 20 or doff > len(t):
        raise PcapError(f"frame {idx}: TCP data offset {doff} outside the {len(t)}-byte segment")
    s = Seg()
    s.idx = idx
    s.src, s.dst = ".".join(map(str, ip[12:16])), ".".join(map(str, ip[16:20]))
    s.sport, s.dport, s.seq, s.ack = struct.unpack(">HHII", t[:12])
    s.flags = t[13]
    s.win = struct.unpack(">H", t[14:16])[0]
    s.opts = parse_tcp_options(t[20:doff])
    s.payload = bytes(t[doff:])
    return s


def read_tcp(path, port, skip=0):
    """(segments, truncated): the TCP segments to or from `port` among the records after `skip`."""
    recs, truncated = read_records(path, skip)
    segs = []
    for idx, data in recs:
        s = decode_tcp(idx, data)
        if s is not None and port in (s.sport, s.dport):
            segs.append(s)
    return segs, truncated
