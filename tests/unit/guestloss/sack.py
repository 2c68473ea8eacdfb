"""sack.py: counts the guest's retransmissions that straddle an edge of a block the client had
SACKed (RFC 2018 section 3), judged only with blocks the guest provably had when it sent.

The capture is taken at the guest's netdev, so it holds the guest's segments in send order and
the client's frames in arrival order; but a frame that has arrived may not have been processed
yet when the guest sends its next segment. The proof is the timestamp echo (RFC 7323 section
4.3): a guest segment whose TSecr is v shows the guest had processed some client frame with
TSval v; the guest's receive ring is first in, first out, so it had processed every client frame
that arrived before the first one carrying TSval v. The blocks counted are those of the latest
client frame up to that point that carried SACK blocks, less blocks at or below its cumulative
ACK (D-SACK, RFC 2883). A connection without timestamps is judged in capture order. `straddle_order` counts the same thing in plain capture order, without
the proof: it over-counts frames that had arrived but were not yet processed."""

M32 = 0xFFFFFFFF


def seq_lt(a, b):
    return ((a - b) & M32) >= 0x80000000


class _View:
    """The client's latest cumulative ACK and SACK blocks up to some client frame."""

    def __init__(self):
        self.pos = 0
        self.ack = None
        self.blocks = []
        self.block_frame = None

    def advance(self, frames, upto):
        while self.pos < len(frames) and frames[self.pos][0] <= upto:
            idx, ack, blocks = frames[self.pos]
            if ack is not None and (self.ack is None or seq_lt(self.ack, ack)):
                self.ack = ack
            if blocks:
                self.blocks, self.block_frame = blocks, idx
            self.pos += 1

    def live_blocks(self):
        """How many blocks lie above the cumulative ACK."""
        return sum(1 for _l, r in self.blocks if self.ack is None or seq_lt(self.ack, r))

    def straddled(self, seq, end):
        """The first block with an edge strictly inside (seq, end), or None."""
        for left, right in self.blocks:
            if self.ack is not None and not seq_lt(self.ack, right):
                continue  # at or below the cumulative ACK: a D-SACK or stale block
            for edge in (left, right):
                if seq_lt(seq, edge) and seq_lt(edge, end):
                    return left, right
        return None


class Straddle:
    """Per subflow: feed client frames and guest data segments in capture order."""

    def __init__(self):
        self.frames = []       # (index, ack or None, SACK blocks or None)
        self.first_by_ts = {}  # TSval -> index of the first client frame carrying it
        self.proven = -1       # index up to which the guest provably processed client frames
        self.high = None
        self.rexmit = 0
        self.straddle = 0
        self.straddle_order = 0
        self.judged = 0  # retransmissions judged against at least one proven live block
        self.examples = []
        self.order_examples = []
        self._proof = _View()
        self._order = _View()

    def client_frame(self, s):
        ack = s.ack if s.flags & 0x10 else None  # RFC 9293 section 3.1: ACK flag
        self.frames.append((s.idx, ack, s.opts.get("sack")))
        ts = s.opts.get("ts")
        if ts is not None:
            self.first_by_ts.setdefault(ts[0], s.idx)

    def server_segment(self, s):
        ts = s.opts.get("ts")
        if ts is not None and ts[1] in self.first_by_ts:
            self.proven = max(self.proven, self.first_by_ts[ts[1]])
        self._proof.advance(self.frames, self.proven)
        self._order.advance(self.frames, s.idx)
        seq, end = s.seq, (s.seq + len(s.payload)) & M32
        if self.high is not None and seq_lt(seq, self.high):
            self.rexmit += 1
            ob = self._order.straddled(seq, end)
            if ob:
                self.straddle_order += 1
                if len(self.order_examples) < 2:
                    # Evidence for the report: which frame, and what the guest had echoed.
                    self.order_examples.append(
                        f"frame {s.idx + 1}: retransmission {seq}..{end} (TSecr "
                        f"{ts[1] if ts else '-'}) vs SACK block {ob[0]}..{ob[1]} of frame "
                        f"{self._order.block_frame + 1}; proven processed up to frame "
                        f"{self.proven + 1}")
            # Without timestamps there is no proof: capture order is the best evidence left.
            view = self._proof if ts is not None else self._order
            if view.live_blocks():
                self.judged += 1
            blk = view.straddled(seq, end)
            if blk:
                self.straddle += 1
                if len(self.examples) < 3:
                    self.examples.append(
                        f"frame {s.idx + 1}: retransmission {seq}..{end} straddles SACK block "
                        f"{blk[0]}..{blk[1]} of frame {self._proof.block_frame + 1}, which the "
                        f"guest had processed (TSecr {ts[1] if ts else '-'})")
        if self.high is None or seq_lt(self.high, end):
            self.high = end
