#!/usr/bin/env python3
"""make_glue_seeds.py: writes seed inputs for fuzz_glue (the record format is described at the top
of fuzz_glue.c): the paths a Linux client takes (data on both subflows, DATA_FIN, ADD_ADDR echo)
and the abrupt ones (MP_FASTCLOSE, MP_TCPRST, bad checksums, fallback, reinjection after a stall).
Usage: make_glue_seeds.py <dir>"""
import os
import sys

JOIN, CSUM, ECHO, MPC_DATA, ABORT_AT_END = 1, 2, 4, 8, 16
KEY = bytes([1, 2, 3, 4, 5, 6, 7, 8])  # the reference notes' Key-A


def seg(ctl=0, seqd=0, ackd=0, opt=0, var=0, dsnd=0, plen8=0):
    """op 0: one segment; ctl bits: 0 subflow 1, 1 FIN, 2 RST, 3 no ACK, 4 SYN, 5 big, 6 PSH;
    7 alone: the subflow's path loses what the stack sends (toggle)."""
    return bytes([0, ctl, seqd & 0xff, ackd & 0xff, opt, var, dsnd & 0xff, plen8])


def tick(n):
    return bytes([1, n])


def app(n):
    return bytes([2, n])


def close(abort=False):
    return bytes([3, 1 if abort else 0])


def join(v):
    return bytes([4, v])


def raw(ctl, opts, plen=0):
    return bytes([5, ctl, len(opts), plen]) + bytes(opts)


def ack(k):
    return bytes([6, k])


def data(k, n8):
    return bytes([7, k, n8])


def accepting(on):
    return bytes([8, 1 if on else 0])


def seed(hdr, *recs, join_v=1):
    b = bytes([hdr]) + KEY
    if hdr & JOIN:
        b += bytes([join_v])
    return b + b"".join(recs)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    s = {}
    # a whole echo exchange on two subflows ending with DATA_FIN both ways
    s["echo-two-subflows"] = seed(
        JOIN | ECHO, data(0, 100), ack(0), data(1, 100), ack(1), tick(10), ack(0), ack(1),
        seg(ctl=2, opt=3), ack(0), tick(50), ack(0), ack(1), tick(200), ack(0), ack(1))
    s["checksums"] = seed(
        JOIN | ECHO | CSUM | MPC_DATA, data(0, 50), data(1, 50), ack(0), ack(1),
        seg(opt=1, var=8, plen8=20), tick(20), ack(0), data(0, 10), ack(0))
    s["fastclose"] = seed(JOIN | ECHO, data(0, 40), ack(0), seg(ctl=4, opt=5), tick(5))
    # RST + MP_FASTCLOSE on the joined subflow (what Linux sends on every subflow when it aborts):
    # the whole connection is over: the stack resets the initial subflow too (RFC 8684 3.5); the
    # client's model keeps counting the subflow it reset itself, so "(1 up)" in the trace
    s["fastclose-rst-join"] = seed(JOIN | ECHO, data(0, 40), ack(0), seg(ctl=1 | 4, opt=5), tick(5))
    s["fastclose-on-ack"] = seed(JOIN | ECHO, data(1, 40), seg(ctl=1, opt=5), tick(5), ack(0))
    s["tcprst-join"] = seed(JOIN | ECHO, data(1, 40), seg(ctl=1 | 4, opt=6, dsnd=5), data(0, 40),
                            ack(0), tick(100), ack(0))
    s["app-close"] = seed(JOIN, data(0, 30), app(20), ack(0), app(40), close(), ack(0), tick(30),
                          ack(0), ack(1), seg(ctl=2, opt=3), seg(ctl=3, opt=3), tick(200))
    s["app-abort"] = seed(JOIN, data(0, 30), app(200), close(abort=True), ack(0), tick(5))
    s["add-addr-echo"] = seed(ECHO, tick(150), tick(150), ack(0), join(1), data(1, 30), ack(1))
    s["fallback-no-dss"] = seed(ECHO, seg(opt=0, plen8=20), ack(0), data(0, 10), tick(30), ack(0))
    s["infinite-map"] = seed(ECHO, seg(opt=3, var=0x20, plen8=30), seg(opt=0, plen8=30), ack(0))
    s["reorder"] = seed(
        JOIN | ECHO, seg(ctl=0, opt=1, dsnd=100, plen8=10), seg(ctl=1, opt=1, dsnd=50, plen8=5),
        data(0, 10), seg(ctl=1, opt=1, dsnd=-40, plen8=5), ack(0), ack(1), tick(40))
    s["stall-reinject"] = seed(JOIN, app(255), app(255), app(255), tick(60), tick(120), tick(250),
                               ack(1), tick(250), ack(0), ack(1))
    # path 0 goes down while it holds data: the DSN the client waits for sits only on a subflow in
    # RTO back-off, and the glue sends it again on subflow 1
    s["path-down-reinject"] = seed(JOIN, seg(ctl=0x80), app(255), app(255), app(255), tick(10),
                                   ack(1), tick(60), ack(1), tick(120), ack(1), tick(250), ack(1),
                                   tick(250), ack(1), seg(ctl=0x80), ack(0), ack(1))
    # a busy service that does not accept: three joins in a row must all be taken up (a joined
    # subflow is not a connection for the service: not held to, nor kept in, its backlog of 2)
    s["joins-busy-service"] = seed(ECHO, accepting(False), join(1), join(0), join(1), data(0, 20),
                                   ack(0), accepting(True), data(1, 20), ack(1))
    s["bad-join"] = seed(ECHO, join(1 | 2), join(1 | 4), join(1 | 16), tick(100), join(0 | 8))
    s["raw-options"] = seed(JOIN | ECHO, raw(0, [30, 4, 0x20, 0x01]), raw(1, [30, 3, 0x70], 10),
                            raw(0, [30, 40] + [0] * 38), data(0, 4), ack(0))
    # inputs fuzz_glue found, minimized (tests/unit/mptcp/test_fuzz_regress.c has the module-level
    # tests): an RTO retransmission running from DATA_ACKed bytes into unmapped new data, and an
    # unsent reinjection losing its mapping to a DATA_ACK
    s["regress-retransmit-into-new-data"] = bytes.fromhex(
        "0f0102030405060708010023010000" "00ffffffcf8bfffeffffff")
    s["regress-unsent-reinjection"] = bytes.fromhex(
        "04ffffff01104e0100fffffffffe7e49611ad6d2b9b9b9ffffffffffff06070101b9b9000000b9b9b9b9b9")
    # a join accepted after the service closed; with memory reuse (header bit 5) its pcb took the
    # freed handle's address and reached the service as a new connection
    s["regress-join-after-close"] = bytes.fromhex("2f010201005d0607010033060609140106feffff8a14007272")
    for name, b in s.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(b)


if __name__ == "__main__":
    main()
