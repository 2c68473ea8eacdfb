#!/usr/bin/env python3
"""stream_check.py: rebuilds the byte streams of a request port's connections from a pcap taken
where the guest's NIC meets its netdev (QEMU filter-dump: the guest's own send order, every frame
it sent, the client's frames as delivered) and checks them independently of the client.

TCP level, per connection (each MPTCP subflow too): every copy of a subflow byte is equal, the
capture holds every byte up to the peer's cumulative ACK; and it counts guest retransmissions
that straddle an edge of what the client had SACKed and the guest surely knew (sack.py).
MPTCP level (RFC 8684), per connection and direction: subflows are grouped by the MP_CAPABLE
keys' tokens and MP_JOIN's token, subflow bytes are placed at their DSNs through the DSS
mappings, every data-level byte sent more than once (retransmission or reinjection, on any
subflow) is equal, and the stream has no gap up to the peer's DATA_ACK.
The guest-to-client stream (data level for MPTCP, TCP level otherwise) must be valid rpcd
responses. Prints one JSON line; exit 0 when the streams are consistent and valid, 1 when not,
2 on usage errors. Straddles do not change the exit code: the caller checks their count.

usage: stream_check.py PCAP SERVER_PORT [--skip N] [--expect mptcp|tcp]
       stream_check.py --count PCAP      (prints the number of complete records)
--skip N ignores the first N records and connections whose SYN is not after them (one capture,
several phases). --expect requires every connection to have negotiated MPTCP, or none."""
import json
import sys

import mptcpopt
import pcapread
import sack
from rpcdproto import check_responses
from streamstore import ByteStore, RangeMap, StreamTooLong

M32 = 0xFFFFFFFF
C2S, S2C = 0, 1  # directions: client to server (guest), server to client
INFINITE = 1 << 32  # an infinite mapping (RFC 8684 section 3.7) covers the rest of the subflow


def seq_lt(a, b):
    return ((a - b) & M32) >= 0x80000000


def near(ref, low, bits):
    """The value with these low `bits` bits that is nearest to ref (RFC 8684 section 3.3: a
    4-octet DSN or DATA_ACK carries the low 32 bits of the 64-bit number)."""
    mod = 1 << bits
    d = (low - ref) % mod
    if d >= mod // 2:
        d -= mod
    return ref + d


class Subflow:
    """One TCP connection (an MPTCP subflow or a plain connection) seen from its client SYN."""

    def __init__(self, key, seg):
        self.key = key
        self.name = f"{key[0]}:{key[1]}"
        self.isn = [seg.seq, None]
        self.mp_syn = False      # the client's SYN offered MP_CAPABLE
        self.join_token = None   # the client's SYN was an MP_JOIN for this token
        self.key_b = None        # the server's key from its SYN/ACK MP_CAPABLE
        self.mp = False          # MPTCP negotiated on this subflow (initial or join)
        self.fallback = False    # an infinite mapping: plain TCP from then on
        self.conn = None
        self.tcp = [ByteStore(), ByteStore()]
        self.maps = [RangeMap(), RangeMap()]
        self.data = [[], []]     # (tcp offset, payload, frame index) per direction
        self.acked = [0, 0]      # highest cumulative ACK (relative) of each direction's bytes
        self.fin = [None, None]  # relative offset of each direction's FIN
        self.sack = None         # sack.Straddle, from the SYN/ACK (it needs the guest's ISN)


class Conn:
    """One MPTCP connection: its keys and the data-level streams of both directions."""

    def __init__(self, sf, key_a, key_b):
        self.name = sf.name
        self.subflows = [sf]
        tok_a, idsn_a = mptcpopt.key_token_idsn(key_a)
        tok_b, idsn_b = mptcpopt.key_token_idsn(key_b)
        self.token = [tok_a, tok_b]
        self.idsn = [idsn_a, idsn_b]  # by sending direction: C2S uses Key-A, S2C Key-B
        self.ref = [0, 0]             # last data offset per direction (4-octet DSN expansion)
        self.dl = [ByteStore(), ByteStore()]
        # Per direction, data offset -> (subflow, DSN - SSN) of its first copy: a later copy
        # with another value was reinjected (RFC 8684 section 3.3.6) rather than retransmitted.
        self.origin = [RangeMap(), RangeMap()]
        self.data_acked = [0, 0]      # highest DATA_ACK (as a data offset) of each direction
        self.data_fin = [None, None]  # data offset of each direction's DATA_FIN


class Checker:
    def __init__(self, port):
        self.port = port
        self.subflows = {}
        self.order = []
        self.conns = []
        self.by_token = {}
        self.r = {"connections": 0, "mptcp_connections": 0, "subflows": 0, "responses": 0,
                  "bytes": 0, "conflicts": 0, "tcp_gaps": 0, "dl_bytes": 0, "dl_repeated": 0, "dl_reinjected": 0,
                  "dl_conflicts": 0, "dl_gaps": 0, "unmapped_bytes": 0, "mapping_conflicts": 0,
                  "retransmissions": 0, "straddling_sack_edge": 0, "straddle_by_order": 0, "rexmit_judged_with_sack": 0, "rexmit_unjudged_board_full": 0,
                  "option_errors": 0, "invalid": [], "straddles": [], "order_only_straddles": []}

    def problem(self, what):
        if len(self.r["invalid"]) < 20:
            self.r["invalid"].append(what)

    # ---- pass 1: every frame in capture order ----
    def frame(self, s):
        from_server = s.sport == self.port
        key = (s.dst, s.dport, s.src, s.sport) if from_server else (s.src, s.sport, s.dst, s.dport)
        d = S2C if from_server else C2S
        syn, ack = s.flags & pcapread.TH_SYN, s.flags & pcapread.TH_ACK
        sf = self.subflows.get(key)
        if syn and not ack and not from_server:
            if sf is None or sf.isn[C2S] != s.seq:
                sf = Subflow(key, s)
                self.subflows[key] = sf
                self.order.append(sf)
        if sf is None:
            return  # began before the records this check looks at
        opts = [mptcpopt.parse(o) for o in s.opts["mptcp"]]
        for o in opts:
            if "bad" in o:
                self.r["option_errors"] += 1
                self.problem(f"{sf.name}: frame {s.idx + 1}: {o['bad']}")
        opts = [o for o in opts if "bad" not in o]
        if s.opts.get("bad"):
            self.r["option_errors"] += 1
            self.problem(f"{sf.name}: frame {s.idx + 1}: malformed TCP option list")
        if syn:
            self.handshake(sf, s, d, ack, opts)
            return
        if sf.isn[S2C] is None:
            return
        if d == C2S:
            self.keys_from_client(sf, opts)
        self.dss(sf, s, d, opts)
        off = (s.seq - sf.isn[d] - 1) & M32
        if ack:
            o = d ^ 1
            a = (s.ack - sf.isn[o] - 1) & M32
            if a < 0x80000000 and a > sf.acked[o]:
                sf.acked[o] = a
        if s.flags & pcapread.TH_FIN:
            sf.fin[d] = (off + len(s.payload)) & M32
        if d == C2S:
            sf.sack.client_frame(s)
        elif s.payload:
            sf.sack.server_segment(s)
        if s.payload:
            try:
                _rep, diff, first = sf.tcp[d].add(off, s.payload)
            except StreamTooLong as e:
                self.problem(f"{sf.name}: frame {s.idx + 1}: {e}")
                return
            self.r["conflicts"] += diff
            if diff:
                self.problem(f"{sf.name}: frame {s.idx + 1}: {diff} bytes differ from an earlier "
                             f"copy, the first at subflow offset {first}")
            sf.data[d].append((off, s.payload, s.idx))

    def handshake(self, sf, s, d, ack, opts):
        cap = [o for o in opts if o["sub"] == mptcpopt.MP_CAPABLE]
        join = [o for o in opts if o["sub"] == mptcpopt.MP_JOIN]
        if not ack:  # the client's SYN
            sf.mp_syn = bool(cap)
            if join and "token" in join[0]:
                sf.join_token = join[0]["token"]
            return
        if d != S2C:
            return
        sf.isn[S2C] = s.seq
        if sf.sack is None:
            sf.sack = sack.Straddle(s.seq)
        if sf.mp_syn and cap and len(cap[0]["keys"]) == 1:
            sf.key_b = cap[0]["keys"][0]
        if sf.join_token is not None and join:
            conn = self.by_token.get(sf.join_token)
            if conn is None:
                self.problem(f"{sf.name}: MP_JOIN for unknown token {sf.join_token:08x}")
                return
            if sf.conn is None:
                sf.conn, sf.mp = conn, True
                conn.subflows.append(sf)

    def keys_from_client(self, sf, opts):
        # RFC 8684 section 3.1: the third ACK (and the first data) echo both keys.
        if sf.conn is not None or sf.key_b is None:
            return
        for o in opts:
            if o["sub"] == mptcpopt.MP_CAPABLE and len(o["keys"]) == 2:
                if o["keys"][1] != sf.key_b:
                    self.problem(f"{sf.name}: third ACK echoes key B {o['keys'][1]:016x}, "
                                 f"SYN/ACK sent {sf.key_b:016x}")
                    return
                conn = Conn(sf, o["keys"][0], sf.key_b)
                sf.conn, sf.mp = conn, True
                self.conns.append(conn)
                self.by_token[conn.token[S2C]] = conn  # MP_JOIN SYNs name the server's token
                return

    def dss(self, sf, s, d, opts):
        conn = sf.conn
        if conn is None:
            return
        for o in opts:
            if o["sub"] == mptcpopt.MP_CAPABLE and o.get("dll") is not None and d == C2S:
                # RFC 8684 section 3.1: MP_CAPABLE on the first data is an implicit mapping of
                # DSN = IDSN-A + 1 (data offset 0) at subflow sequence number 1.
                self.add_map(sf, d, 0, 1, o["dll"], False, s)
            if o["sub"] != mptcpopt.DSS:
                continue
            if "ack" in o:
                o_dir = d ^ 1  # a DATA_ACK acknowledges the other direction's data
                base = conn.idsn[o_dir] + 1
                full = o["ack"] if o["ack_bits"] == 64 else \
                    near(base + conn.data_acked[o_dir], o["ack"], 32)
                a = (full - base) % (1 << 64)
                if a < 1 << 62 and a > conn.data_acked[o_dir]:
                    conn.data_acked[o_dir] = a
            if "dsn" in o:
                base = conn.idsn[d] + 1
                full = o["dsn"] if o["dsn_bits"] == 64 else near(base + conn.ref[d], o["dsn"], 32)
                doff = (full - base) % (1 << 64)
                if doff >= 1 << 62:
                    self.problem(f"{sf.name}: frame {s.idx + 1}: DSN {full:x} precedes IDSN+1")
                    continue
                conn.ref[d] = doff
                self.add_map(sf, d, doff, o["ssn"], o["dll"], o["fin"], s)

    def add_map(self, sf, d, doff, ssn, dll, fin, s):
        # RFC 8684 section 3.3.3: a DATA_FIN takes the last DSN of its mapping and no subflow
        # byte; a lone DATA_FIN has subflow sequence number 0 and data-level length 1.
        conn = sf.conn
        if fin:
            conn.data_fin[d] = doff + dll - 1 if dll else doff
            if ssn == 0:
                return
        if dll == 0:  # RFC 8684 section 3.7: infinite mapping, the connection falls back
            sf.fallback = True
            cover = INFINITE
        else:
            cover = dll - 1 if fin else dll
        if cover <= 0:
            return
        c = sf.maps[d].add(ssn, ssn + cover, doff - ssn)
        if c:
            self.r["mapping_conflicts"] += 1
            self.problem(f"{sf.name}: frame {s.idx + 1}: mapping DSN offset {doff} at subflow "
                         f"sequence number {ssn} contradicts an earlier mapping for {c} bytes")

    # ---- pass 2: the data-level streams and the verdicts ----
    def finish(self, expect):
        for sf in self.order:
            if sf.isn[S2C] is None:
                continue
            self.r["subflows"] += 1
            self.r["retransmissions"] += sf.sack.rexmit
            self.r["straddling_sack_edge"] += sf.sack.straddle
            self.r["straddle_by_order"] += sf.sack.straddle_order
            self.r["rexmit_judged_with_sack"] += sf.sack.judged
            self.r["rexmit_unjudged_board_full"] += sf.sack.unjudged
            self.r["straddles"] += [f"{sf.name}: {ex}" for ex in sf.sack.examples]
            self.r["order_only_straddles"] += [f"{sf.name}: {ex}" for ex in sf.sack.order_examples]
            for d in (C2S, S2C):
                need = sf.acked[d]
                if sf.fin[d] is not None and need == sf.fin[d] + 1:
                    need -= 1  # the FIN takes a sequence number, no byte
                have = sf.tcp[d].prefix()
                if have < need:
                    self.r["tcp_gaps"] += 1
                    self.problem(f"{sf.name}: {'c2s' if d == C2S else 's2c'} subflow bytes "
                                 f"{have}..{need} acknowledged but not in the capture")
        for conn in self.conns:
            self.rebuild(conn)
        for sf in self.order:
            if sf.isn[S2C] is None or (sf.conn is not None and sf is not sf.conn.subflows[0]):
                continue
            self.r["connections"] += 1
            if sf.conn is not None:
                self.r["mptcp_connections"] += 1
                store = sf.conn.dl[S2C]
            else:
                store = sf.tcp[S2C]
            n = store.prefix()
            self.r["bytes"] += n
            got, err = check_responses(store.bytes_upto(n))
            self.r["responses"] += got
            if err:
                self.problem(f"{sf.name}: {err}")
        if expect == "mptcp" and self.r["mptcp_connections"] != self.r["connections"]:
            self.problem(f"{self.r['connections'] - self.r['mptcp_connections']} connections did "
                         f"not negotiate MPTCP")
        if expect == "tcp" and self.r["mptcp_connections"]:
            self.problem(f"{self.r['mptcp_connections']} connections negotiated MPTCP")
        r = self.r
        return (r["connections"] > 0 and not r["invalid"] and r["conflicts"] == 0 and
                r["dl_conflicts"] == 0 and r["dl_gaps"] == 0 and r["tcp_gaps"] == 0 and
                r["mapping_conflicts"] == 0 and r["unmapped_bytes"] == 0)

    def rebuild(self, conn):
        for n, sf in enumerate(conn.subflows):
            if sf.fallback:
                self.problem(f"{sf.name}: infinite mapping (fallback to TCP): data level not rebuilt")
                return
            for d in (C2S, S2C):
                for off, data, idx in sf.data[d]:
                    ssn = off + 1  # RFC 8684 section 3.3.1: relative to the subflow's ISN
                    for a, b, delta in sf.maps[d].lookup(ssn, ssn + len(data)):
                        if delta is None:
                            self.r["unmapped_bytes"] += b - a
                            self.problem(f"{sf.name}: frame {idx + 1}: {b - a} bytes at subflow "
                                         f"sequence number {a} have no DSS mapping")
                            continue
                        try:
                            rep, diff, first = conn.dl[d].add(a + delta, data[a - ssn:b - ssn])
                        except StreamTooLong as e:
                            self.problem(f"{sf.name}: frame {idx + 1}: {e}")
                            continue
                        self.r["dl_repeated"] += rep
                        self.r["dl_reinjected"] += conn.origin[d].add(a + delta, b + delta,
                                                                      (n, delta))
                        self.r["dl_conflicts"] += diff
                        if diff:
                            self.problem(f"{conn.name}: frame {idx + 1} on {sf.name}: {diff} bytes "
                                         f"differ from an earlier copy, the first at data "
                                         f"offset {first}")
        for d in (C2S, S2C):
            need = conn.data_acked[d]
            if conn.data_fin[d] is not None and need == conn.data_fin[d] + 1:
                need -= 1  # RFC 8684 section 3.3.3: the DATA_FIN takes one DSN, no byte
            have = conn.dl[d].prefix()
            self.r["dl_bytes"] += conn.dl[d].covered()
            if have < need:
                self.r["dl_gaps"] += 1
                self.problem(f"{conn.name}: {'c2s' if d == C2S else 's2c'} data offsets "
                             f"{have}..{need} DATA_ACKed but not rebuilt from any subflow")


def main(argv):
    if len(argv) == 3 and argv[1] == "--count":
        try:
            print(pcapread.count_records(argv[2]))
        except pcapread.PcapError as e:
            print(f"stream_check.py: {e}", file=sys.stderr)
            return 1
        return 0
    args, skip, expect = [], 0, None
    i = 1
    while i < len(argv):
        if argv[i] in ("--skip", "--expect") and i + 1 < len(argv):
            if argv[i] == "--skip":
                if not argv[i + 1].isdigit():
                    print(f"stream_check.py: --skip needs a record count, not '{argv[i + 1]}'",
                          file=sys.stderr)
                    return 2
                skip = int(argv[i + 1])
            elif argv[i + 1] in ("mptcp", "tcp"):
                expect = argv[i + 1]
            else:
                print("stream_check.py: --expect takes mptcp or tcp", file=sys.stderr)
                return 2
            i += 2
        else:
            args.append(argv[i])
            i += 1
    if len(args) != 2 or not args[1].isdigit() or not 0 < int(args[1]) < 65536:
        print(__doc__.split("\n\n")[-1], file=sys.stderr)
        return 2
    chk = Checker(int(args[1]))
    try:
        segs, truncated = pcapread.read_tcp(args[0], int(args[1]), skip)
        for s in segs:
            chk.frame(s)
    except pcapread.PcapError as e:
        print(json.dumps({"error": str(e)}))
        return 1
    ok = chk.finish(expect)
    chk.r["truncated_tail"] = truncated
    print(json.dumps(chk.r))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
