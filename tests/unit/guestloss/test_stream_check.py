#!/usr/bin/python3
"""test_stream_check.py: unit tests of stream_check.py on small pcaps written with scapy at run
time (MPTCP reinjection with equal and with different bytes, data-level gaps, 4-octet DSNs,
mappings spanning segments, SACK straddles with and without the timestamp proof, bad files and
mutated captures). Prints one "PASS name" or "FAIL name :: why" line per test; exit 1 on any FAIL."""
import contextlib
import io
import json
import os
import random
import shutil
import struct
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mptcpopt  # noqa: E402
import stream_check  # noqa: E402
from rpcdproto import payload  # noqa: E402

from scapy.all import IP, TCP, Ether, Raw, wrpcap  # noqa: E402

PORT = 7100
KEY_A, KEY_B = 0x0102030405060708, 0x1112131415161718
TOKEN_B, IDSN_B = mptcpopt.key_token_idsn(KEY_B)
_, IDSN_A = mptcpopt.key_token_idsn(KEY_A)
TMP = tempfile.mkdtemp(prefix="gl-unit.")


def response(rid, n):
    """docs/protocol.md: a response header (RESPONSE flag) and its payload."""
    hdr = struct.pack(">IBBBBQIIQ", 0x4E535250, 1, 0x01, 0, 0, rid, 256, n, 0)
    return hdr + payload(rid, 1, n)


# MPTCP option bodies (after kind and length; scapy adds those). RFC 8684 sections 3.1-3.3.
def cap_syn():
    return b"\x01\x01"


def cap_synack(kb):
    return b"\x01\x01" + struct.pack(">Q", kb)


def cap_ack(ka, kb, dll=None):
    return b"\x01\x01" + struct.pack(">QQ", ka, kb) + (b"" if dll is None else struct.pack(">H", dll))


def join_syn(token):
    return b"\x10\x01" + struct.pack(">II", token, 0x5A5A5A5A)


def join_synack():
    return b"\x10\x01" + bytes(8) + struct.pack(">I", 0xA5A5A5A5)


def join_ack():
    return b"\x10\x00" + bytes(20)


def dss(ack=None, dsn=None, ssn=0, dll=0, dsn32=False, fin=False):
    fl, body = 0, b""
    if ack is not None:
        fl |= 0x03  # A, a: 8-octet DATA_ACK
        body += struct.pack(">Q", ack & ((1 << 64) - 1))
    if dsn is not None:
        fl |= 0x04 | (0 if dsn32 else 0x08)
        body += struct.pack(">I" if dsn32 else ">Q", dsn & (0xFFFFFFFF if dsn32 else (1 << 64) - 1))
        body += struct.pack(">IH", ssn, dll)
    if fin:
        fl |= 0x10
    return bytes([0x20, fl]) + body


class Cap:
    """A capture being written: frames in the order given."""

    def __init__(self):
        self.pkts = []

    def write(self, name):
        path = os.path.join(TMP, name + ".pcap")
        wrpcap(path, self.pkts)
        return path


class Flow:
    """One TCP connection's two ends; tracks sequence numbers, acks and timestamps."""

    def __init__(self, cap, cip, cport, sip, cisn=1000, sisn=50000):
        self.cap, self.ep = cap, [(cip, cport), (sip, PORT)]
        self.isn = [cisn, sisn]
        self.nxt = [cisn, sisn]
        self.tsval = [100, 500]
        self.last_ts = [0, 0]

    def send(self, side, flags, data=b"", mp=(), seq=None, ack=None, sack=None, tsecr=None,
             same_ts=False):
        src, dst = self.ep[side], self.ep[side ^ 1]
        if seq is None:
            seq = self.nxt[side]
        if ack is None:
            ack = self.nxt[side ^ 1]
        if not same_ts:  # same_ts: within the same millisecond as the previous frame
            self.tsval[side] += 1
        ecr = self.last_ts[side ^ 1] if tsecr is None else tsecr
        opts = [("Timestamp", (self.tsval[side], ecr if "A" in flags else 0))]
        if sack:
            opts.append(("SAck", tuple(x for blk in sack for x in blk)))
        opts += [(30, o) for o in mp]
        p = Ether() / IP(src=src[0], dst=dst[0]) / TCP(sport=src[1], dport=dst[1], seq=seq,
                                                       ack=ack if "A" in flags else 0,
                                                       flags=flags, options=opts)
        if data:
            p = p / Raw(data)
        self.cap.pkts.append(p)
        self.last_ts[side] = self.tsval[side]
        adv = len(data) + (1 if "S" in flags or "F" in flags else 0)
        end = (seq + adv) & 0xFFFFFFFF
        if ((end - self.nxt[side]) & 0xFFFFFFFF) < 0x80000000:
            self.nxt[side] = end
        return self.tsval[side]

    def tcp_handshake(self, syn_mp=(), synack_mp=(), ack_mp=()):
        self.send(0, "S", mp=syn_mp)
        self.send(1, "SA", mp=synack_mp)
        self.send(0, "A", mp=ack_mp)


def mptcp_capture(name, reinject=b"same", gap=False, dsn32=False, span=False, unmapped=False,
                  conflict_map=False, bad_token=False):
    """An MPTCP connection with two subflows: a 40-byte request (implicit mapping on MP_CAPABLE),
    two responses (4064 data-level bytes) on subflow 1 with 1400-byte mappings, the second
    segment reinjected on subflow 2, DATA_ACK of everything, DATA_FIN."""
    cap = Cap()
    a = Flow(cap, "10.2.0.1", 40000, "10.2.0.2")
    b = Flow(cap, "10.1.0.1", 40001, "10.1.0.2", cisn=7000, sisn=0xFFFFFF00)  # wraps 2^32
    a.tcp_handshake([cap_syn()], [cap_synack(KEY_B)], [cap_ack(KEY_A, KEY_B)])
    req = b"Q" * 40
    a.send(0, "PA", req, [cap_ack(KEY_A, KEY_B, len(req))])
    b.tcp_handshake([join_syn(TOKEN_B + (1 if bad_token else 0))], [join_synack()], [join_ack()])
    stream = response(5, 3000) + response(6, 1000)
    base = IDSN_B + 1
    segs = [(0, 1400), (1400, 2800), (2800, len(stream))]
    for k, (lo, hi) in enumerate(segs):
        if gap and k == 2:
            a.nxt[1] += hi - lo  # the segment never appears in the capture
            continue
        mp = [dss(ack=IDSN_A + 1 + len(req), dsn=base + lo, ssn=lo + 1, dll=hi - lo, dsn32=dsn32)]
        if span and k == 1:
            # One mapping for segments 1 and 2; segment 2 below then carries only a DATA_ACK.
            mp = [dss(ack=IDSN_A + 1 + len(req), dsn=base + lo, ssn=lo + 1,
                      dll=len(stream) - lo, dsn32=dsn32)]
        if span and k == 2:
            mp = [dss(ack=IDSN_A + 1 + len(req))]
        if unmapped and k == 2:
            mp = [dss(ack=IDSN_A + 1 + len(req))]
        if conflict_map and k == 2:
            mp = [dss(ack=IDSN_A + 1 + len(req), dsn=base + lo, ssn=lo, dll=hi - lo)]
        a.send(1, "PA", stream[lo:hi], mp)
    # Data-level reinjection (RFC 8684 section 3.3.6) of data offsets 1400..2800 on subflow 2.
    re = bytearray(stream[1400:2800])
    if reinject == "differ":
        re[700] ^= 0xFF
    b.send(1, "PA", bytes(re), [dss(ack=IDSN_A + 1 + len(req), dsn=base + 1400, ssn=1, dll=1400)])
    a.send(0, "A", mp=[dss(ack=base + len(stream))])
    b.send(0, "A", mp=[dss(ack=base + len(stream))])
    # DATA_FIN alone (subflow sequence number 0, length 1) and its DATA_ACK.
    a.send(1, "A", mp=[dss(dsn=base + len(stream), ssn=0, dll=1, fin=True)])
    a.send(0, "A", mp=[dss(ack=base + len(stream) + 1)])
    return cap.write(name)


def tcp_capture(name, corrupt_rexmit=False, bad_payload=False, straddle=None):
    """A plain TCP connection carrying two responses; optional faults. straddle: "proven" (the
    SACK's frame is echoed before the resend), "unproven" (the resend echoes an older TSval),
    "same-ms" (a second ACK with the same TSval extends the block over the resend), "union" (a
    later ACK reports only a newer block; the guest's scoreboard keeps the older one)."""
    cap = Cap()
    f = Flow(cap, "10.2.0.1", 40100, "10.2.0.2", cisn=0xFFFFFFF0)
    f.tcp_handshake()
    f.send(0, "PA", b"R" * 288)
    stream = bytearray(response(9, 4000) + response(10, 500))
    if bad_payload:
        stream[32 + 3999] ^= 1
    stream = bytes(stream)
    segs = [(0, 1000), (1000, 2000), (2000, 3000), (3000, len(stream))]
    isn = f.isn[1] + 1
    for lo, hi in segs:
        f.send(1, "PA", stream[lo:hi], seq=isn + lo)
    f.nxt[1] = isn + len(stream)
    # Segment 1000..2000 was lost on the way: the client SACKs 2000..3000.
    sack_ts = f.send(0, "A", ack=isn + 1000, sack=[(isn + 2000, isn + 3000)])
    if straddle == "same-ms":
        # The block grows to 1000..3000 at the same TSval: the resend of 1500..2500 inside it
        # straddles only the first frame's edge, and the guest may have seen the second one.
        f.send(0, "A", ack=isn + 1000, sack=[(isn + 1500, isn + 3000)], same_ts=True)
        f.send(1, "PA", stream[1500:2500], seq=isn + 1500, tsecr=sack_ts)
    elif straddle == "overflow":
        # 17 separate ranges: one more than the guest keeps (it drops the highest).
        for k in range(1, 17):
            f.send(0, "A", ack=isn + 1000, sack=[(isn + 3000 + 20 * k, isn + 3010 + 20 * k)])
        f.send(1, "PA", stream[1000:2500], seq=isn + 1000)
    elif straddle == "union":
        f.send(0, "A", ack=isn + 1000, sack=[(isn + 3500, isn + 4000)])
        f.send(1, "PA", stream[1000:2500], seq=isn + 1000)
    elif straddle:
        # Resends 1000..2500, across the block's left edge at 2000.
        ecr = sack_ts if straddle == "proven" else sack_ts - 1
        f.send(1, "PA", stream[1000:2500], seq=isn + 1000, tsecr=ecr)
    else:
        data = bytearray(stream[1000:2000])
        if corrupt_rexmit:
            data[10] ^= 0x55
        f.send(1, "PA", bytes(data), seq=isn + 1000)
    f.send(0, "A", ack=isn + len(stream))
    return cap.write(name)


def run(*args):
    """stream_check's exit code and JSON report; any exception is a failure of the test."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        rc = stream_check.main(["stream_check.py"] + [str(a) for a in args])
    text = out.getvalue().strip()
    return rc, (json.loads(text) if text and not text.isdigit() else text)


TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


@test
def mptcp_reinjection_same_bytes_passes():
    rc, r = run(mptcp_capture("same"), PORT, "--expect", "mptcp")
    expect(rc == 0, f"rc {rc}: {r}")
    expect(r["mptcp_connections"] == 1 and r["subflows"] == 2, r)
    expect(r["responses"] == 2 and r["bytes"] == 4064, r)
    expect(r["dl_repeated"] == 1400 and r["dl_reinjected"] == 1400 and r["dl_conflicts"] == 0, r)


@test
def mptcp_reinjection_different_bytes_flagged():
    rc, r = run(mptcp_capture("differ", reinject="differ"), PORT)
    expect(rc == 1, f"rc {rc}")
    expect(r["dl_conflicts"] == 1, r)
    expect(any("differ from an earlier copy, the first at data offset 2100" in x for x in r["invalid"]), r)


@test
def mptcp_gap_below_data_ack_flagged():
    rc, r = run(mptcp_capture("gap", gap=True), PORT)
    expect(rc == 1 and r["dl_gaps"] == 1, f"rc {rc}: {r}")
    expect(any("s2c data offsets 2800..4064 DATA_ACKed" in x for x in r["invalid"]), r)


@test
def mptcp_dsn32_and_spanning_mapping_pass():
    rc, r = run(mptcp_capture("span32", dsn32=True, span=True), PORT)
    expect(rc == 0 and r["responses"] == 2 and r["unmapped_bytes"] == 0, f"rc {rc}: {r}")


@test
def mptcp_unmapped_bytes_flagged():
    rc, r = run(mptcp_capture("unmapped", unmapped=True), PORT)
    expect(rc == 1 and r["unmapped_bytes"] == 1264, f"rc {rc}: {r}")


@test
def mptcp_contradicting_mapping_flagged():
    rc, r = run(mptcp_capture("mapconf", conflict_map=True), PORT)
    expect(rc == 1 and r["mapping_conflicts"] == 1, f"rc {rc}: {r}")


@test
def mptcp_join_unknown_token_flagged():
    rc, r = run(mptcp_capture("badtoken", bad_token=True), PORT)
    expect(rc == 1 and any("unknown token" in x for x in r["invalid"]), f"rc {rc}: {r}")


@test
def tcp_clean_passes_and_expect_mptcp_fails():
    p = tcp_capture("tcp")
    rc, r = run(p, PORT, "--expect", "tcp")
    expect(rc == 0 and r["responses"] == 2 and r["retransmissions"] == 1, f"rc {rc}: {r}")
    expect(r["rexmit_judged_with_sack"] == 1 and r["dl_reinjected"] == 0, r)
    rc, r = run(p, PORT, "--expect", "mptcp")
    expect(rc == 1 and any("did not negotiate MPTCP" in x for x in r["invalid"]), f"rc {rc}: {r}")


@test
def tcp_retransmission_with_other_bytes_flagged():
    rc, r = run(tcp_capture("tcprex", corrupt_rexmit=True), PORT)
    expect(rc == 1 and r["conflicts"] == 1, f"rc {rc}: {r}")


@test
def tcp_bad_payload_flagged():
    rc, r = run(tcp_capture("tcpbad", bad_payload=True), PORT)
    expect(rc == 1 and any("payload of id 9 differs" in x for x in r["invalid"]), f"rc {rc}: {r}")


@test
def sack_straddle_proven_flagged():
    rc, r = run(tcp_capture("strp", straddle="proven"), PORT)
    expect(rc == 0 and r["straddling_sack_edge"] == 1 and r["straddle_by_order"] == 1,
           f"rc {rc}: {r}")
    expect(len(r["straddles"]) == 1 and "straddles SACKed" in r["straddles"][0], r)


@test
def sack_straddle_unprocessed_not_counted():
    rc, r = run(tcp_capture("stru", straddle="unproven"), PORT)
    expect(rc == 0 and r["straddling_sack_edge"] == 0 and r["straddle_by_order"] == 1,
           f"rc {rc}: {r}")


@test
def sack_same_millisecond_growth_not_counted():
    rc, r = run(tcp_capture("strms", straddle="same-ms"), PORT)
    expect(r["straddling_sack_edge"] == 0 and r["rexmit_judged_with_sack"] == 1, f"rc {rc}: {r}")


@test
def sack_scoreboard_keeps_older_blocks():
    rc, r = run(tcp_capture("strun", straddle="union"), PORT)
    expect(r["straddling_sack_edge"] == 1, f"rc {rc}: {r}")


@test
def sack_beyond_guest_scoreboard_not_judged():
    rc, r = run(tcp_capture("strov", straddle="overflow"), PORT)
    expect(r["straddling_sack_edge"] == 0 and r["rexmit_unjudged_board_full"] == 1,
           f"rc {rc}: {r}")


@test
def skip_ignores_earlier_connections():
    p1 = tcp_capture("first", bad_payload=True)
    p2 = tcp_capture("second")
    from scapy.all import rdpcap
    first, second = rdpcap(p1), rdpcap(p2)
    both = os.path.join(TMP, "both.pcap")
    wrpcap(both, list(first) + list(second))
    rc, r = run(both, PORT)
    expect(rc == 1, f"whole capture: rc {rc}")
    rc, r = run(both, PORT, "--skip", len(first))
    expect(rc == 0 and r["connections"] == 1, f"rc {rc}: {r}")
    rc, n = run("--count", both)
    expect(rc == 0 and n == str(len(first) + len(second)), f"--count: {rc} {n}")


@test
def truncated_tail_is_not_an_error():
    p = mptcp_capture("trunc")
    with open(p, "rb") as f:
        raw = f.read()
    t = os.path.join(TMP, "trunc-cut.pcap")
    with open(t, "wb") as f:
        f.write(raw + raw[24:40] + b"\x00" * 5)  # a record header and part of its data
    rc, r = run(t, PORT)
    expect(rc == 0 and r["truncated_tail"] is True, f"rc {rc}: {r}")


@test
def bad_files_give_clear_errors():
    cases = {"empty": b"", "text": b"this is not a capture at all, not even close",
             "pcapng": b"\x0a\x0d\x0d\x0a" + bytes(40)}
    for name, data in cases.items():
        p = os.path.join(TMP, name)
        with open(p, "wb") as f:
            f.write(data)
        rc, r = run(p, PORT)
        expect(rc == 1 and "error" in r, f"{name}: rc {rc}: {r}")
    rc, r = run(os.path.join(TMP, "missing.pcap"), PORT)
    expect(rc == 1 and "error" in r, f"missing: rc {rc}: {r}")
    rc, _ = run("x.pcap", "notaport")
    expect(rc == 2, f"bad port: rc {rc}")


@test
def mutated_captures_never_crash():
    """Seeded byte flips, truncations and splices of a valid capture: a verdict every time."""
    with open(mptcp_capture("seed"), "rb") as f:
        raw = f.read()
    rnd = random.Random(37)
    p = os.path.join(TMP, "mut.pcap")
    for i in range(1500):
        m = bytearray(raw)
        for _ in range(rnd.randint(1, 8)):
            k = rnd.randrange(24, len(m))
            m[k] = rnd.randrange(256)
        if i % 5 == 0:
            m = m[:rnd.randrange(24, len(m))]
        with open(p, "wb") as f:
            f.write(m)
        try:
            rc, r = run(p, PORT)
        except Exception:  # pylint: disable=broad-except
            raise AssertionError(f"mutation {i}: {traceback.format_exc(limit=3)}") from None
        expect(rc in (0, 1) and isinstance(r, dict), f"mutation {i}: rc {rc}: {r}")


def main():
    bad = 0
    for fn in TESTS:
        try:
            fn()
            print(f"PASS {fn.__name__}")
        except Exception as e:  # pylint: disable=broad-except
            bad += 1
            print(f"FAIL {fn.__name__} :: {str(e)[:400]}")
    shutil.rmtree(TMP, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
