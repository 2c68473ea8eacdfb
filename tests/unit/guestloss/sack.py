"""sack.py: counts the guest's retransmissions that straddle an edge of what the client had SACKed
(RFC 2018 section 3), judged only with what the guest can have known when it sent them.

The guest keeps a scoreboard of every block reported (RFC 6675 section 3: merged, not just the
latest ACK's blocks), so the reference here is the union of the blocks of the client frames it
had processed, less what lies at or below their cumulative ACK (D-SACK, RFC 2883, or stale).

Which frames had it processed? The capture is taken at the guest's netdev: guest segments in
send order, client frames in arrival order, each seen before the guest sees it. A guest segment
whose TSecr is v shows the guest had processed some client frame with TSval v (RFC 7323 section
4.3); its receive ring is first in, first out, so it had processed every client frame up to the
first one carrying TSval v ("proven"), and none captured after the segment itself. Linux's TSval
ticks in milliseconds, so several frames can share one: the guest's knowledge lies anywhere from
the proven frame to the last client frame before the segment, and a retransmission counts as a
straddle only when it straddles an edge at every one of those points. A connection without
timestamps is judged at the last point only. `straddle_order` counts the plain capture-order
judgement (the last point alone), which over-counts frames that had arrived, not yet processed."""

M32 = 0xFFFFFFFF
# The guest remembers 16 SACKed ranges and drops the highest when full (kernel/net/tcp_priv.h
# TCP_SACK_BOARD, tcp_out.c tcp_sack_board_update): past that, the union over-states what it
# knew, so a subflow whose union ever held more live ranges is no longer judged.
GUEST_SACK_BOARD = 16


class _Board:
    """The union of SACKed ranges and the highest cumulative ACK, as offsets from the ISN."""

    def __init__(self):
        self.ack = 0
        self.blocks = []  # sorted, disjoint, merged [left, right)

    def copy(self):
        b = _Board()
        b.ack, b.blocks = self.ack, list(self.blocks)
        return b

    def apply(self, ack, blocks):
        if ack is not None and ack > self.ack:
            self.ack = ack
        for left, right in blocks or ():
            if right <= left:
                continue  # malformed: not evidence (RFC 2018 section 4)
            keep = []
            for bl, br in self.blocks:
                if br < left or bl > right:
                    keep.append((bl, br))
                else:
                    left, right = min(left, bl), max(right, br)
            keep.append((left, right))
            self.blocks = sorted(keep)
        return len(self.live())

    def live(self):
        return [(bl, br) for bl, br in self.blocks if br > self.ack]

    def straddled(self, seq, end):
        """The first live block with an edge strictly inside (seq, end), or None."""
        for bl, br in self.live():
            if seq < bl < end or seq < br < end:
                return bl, br
        return None


class Straddle:
    """Per subflow: feed client frames and guest data segments in capture order."""

    def __init__(self, isn):
        self.isn = isn           # the guest's ISN: sequence numbers become offsets from it
        self.frames = []         # (index, ack offset or None, [(left, right)] offsets or None)
        self.first_by_ts = {}    # TSval -> position in frames of the first frame carrying it
        self.proven = -1         # position in frames up to which the guest surely processed
        self.board = _Board()    # the scoreboard at `proven`
        self.applied = 0
        self.high = None
        self.rexmit = 0
        self.straddle = 0
        self.straddle_order = 0
        self.judged = 0          # retransmissions judged against at least one live block
        self.overflowed = False  # the union once held more ranges than the guest keeps
        self.unjudged = 0        # retransmissions not judged because of that
        self.examples = []
        self.order_examples = []

    def rel(self, x):
        return (x - self.isn) & M32

    def client_frame(self, s):
        ack = self.rel(s.ack) if s.flags & 0x10 else None  # RFC 9293 section 3.1: ACK flag
        blocks = [(self.rel(a), self.rel(b)) for a, b in s.opts.get("sack") or ()]
        self.frames.append((s.idx, ack, blocks))
        ts = s.opts.get("ts")
        if ts is not None:
            self.first_by_ts.setdefault(ts[0], len(self.frames) - 1)

    def server_segment(self, s):
        ts = s.opts.get("ts")
        last = len(self.frames) - 1
        if ts is None:
            self.proven = last
        elif ts[1] in self.first_by_ts:
            self.proven = max(self.proven, self.first_by_ts[ts[1]])
        while self.applied <= self.proven:
            _i, ack, blocks = self.frames[self.applied]
            if self.board.apply(ack, blocks) > GUEST_SACK_BOARD:
                self.overflowed = True
            self.applied += 1
        seq = self.rel(s.seq)
        end = seq + len(s.payload)
        if self.high is not None and seq < self.high:
            self.rexmit += 1
            self.judge(s, ts, seq, end, last)
        if self.high is None or end > self.high:
            self.high = end

    def judge(self, s, ts, seq, end, last):
        if self.overflowed:
            self.unjudged += 1
            return
        board = self.board.copy()
        if board.live():
            self.judged += 1
        hit = board.straddled(seq, end)
        first_hit = hit
        for k in range(self.applied, last + 1):  # every point the guest's knowledge may be at
            _i, ack, blocks = self.frames[k]
            if board.apply(ack, blocks) > GUEST_SACK_BOARD:
                hit = None  # beyond what the guest keeps: no verdict at this point
            if hit is not None:
                hit = board.straddled(seq, end)
        in_order = board.straddled(seq, end)
        abs_ = (lambda x: (x + self.isn) & M32)
        if in_order:
            self.straddle_order += 1
            if hit is None and len(self.order_examples) < 2:
                self.order_examples.append(
                    f"frame {s.idx + 1}: retransmission {abs_(seq)}..{abs_(end)} (TSecr "
                    f"{ts[1] if ts else '-'}) vs SACKed {abs_(in_order[0])}..{abs_(in_order[1])}"
                    f" in capture order; not at proven frame "
                    f"{self.frames[self.proven][0] + 1 if self.proven >= 0 else '-'}")
        if hit is not None:
            self.straddle += 1
            if len(self.examples) < 3:
                self.examples.append(
                    f"frame {s.idx + 1}: retransmission {abs_(seq)}..{abs_(end)} straddles "
                    f"SACKed {abs_(first_hit[0])}..{abs_(first_hit[1])} known from frame "
                    f"{self.frames[self.proven][0] + 1} on (TSecr {ts[1] if ts else '-'}) through "
                    f"frame {self.frames[last][0] + 1}")
