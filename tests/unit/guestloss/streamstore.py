"""streamstore.py: the two interval structures the stream rebuild needs: ByteStore keeps the bytes
seen at each stream offset (the first copy; later copies are compared with it), RangeMap keeps a
value per offset range (a DSS mapping's DSN - SSN delta) and reports ranges given two values."""
import bisect

# A rebuilt stream longer than this is refused: a wrong sequence or data sequence number in bad
# input must not make the checker allocate gigabytes. Suite 37's streams are a few MiB.
MAX_STREAM = 64 << 20


class StreamTooLong(Exception):
    """A stream offset beyond MAX_STREAM."""


def _diff(a, b):
    """(how many bytes differ, index of the first that does or None)."""
    if a == b:
        return 0, None
    idx = [k for k, (x, y) in enumerate(zip(a, b)) if x != y]
    return len(idx), idx[0]


class ByteStore:
    """The bytes of one stream by offset, in sorted disjoint covered intervals."""

    def __init__(self):
        self.buf = bytearray()
        self.starts = []
        self.ends = []

    def add(self, start, data):
        """Stores data at start. Returns (repeated, differing, first): how many of its bytes were
        already stored, how many of those differ from the stored copy (which is kept), and the
        offset of the first that differs (None when none does)."""
        end = start + len(data)
        if start < 0 or end > MAX_STREAM:
            raise StreamTooLong(f"stream offset {start}+{len(data)} outside 0..{MAX_STREAM}")
        if not data:
            return 0, 0, None
        if len(self.buf) < end:
            self.buf.extend(bytes(end - len(self.buf)))
        # Intervals touching [start, end) (adjacent ones too, so they merge).
        i = bisect.bisect_left(self.ends, start)
        j = bisect.bisect_right(self.starts, end)
        repeated = differing = 0
        first = None
        pos = start
        for k in range(i, j):
            s, e = self.starts[k], self.ends[k]
            a, b = max(s, start), min(e, end)
            if a > pos:
                self.buf[pos:a] = data[pos - start:a - start]
            if a < b:
                repeated += b - a
                n, at = _diff(self.buf[a:b], data[a - start:b - start])
                differing += n
                if first is None and at is not None:
                    first = a + at
            pos = max(pos, b)
        if pos < end:
            self.buf[pos:end] = data[pos - start:]
        ns = min(start, self.starts[i]) if i < j else start
        ne = max(end, self.ends[j - 1]) if i < j else end
        self.starts[i:j] = [ns]
        self.ends[i:j] = [ne]
        return repeated, differing, first

    def prefix(self):
        """Length of the gap-free run from offset 0."""
        return self.ends[0] if self.starts and self.starts[0] == 0 else 0

    def covered(self):
        return sum(e - s for s, e in zip(self.starts, self.ends))

    def bytes_upto(self, n):
        return bytes(self.buf[:n])


class RangeMap:
    """A value per offset over sorted disjoint ranges; the first value given for an offset stays."""

    def __init__(self):
        self.starts = []
        self.ends = []
        self.vals = []

    def add(self, start, end, val):
        """Gives [start, end) the value val where it has none. Returns how many offsets already
        had a different value (a conflict)."""
        if end <= start:
            return 0
        conflicts = 0
        i = bisect.bisect_right(self.ends, start)
        pieces = []
        pos = start
        k = i
        while k < len(self.starts) and self.starts[k] < end:
            s, e, v = self.starts[k], self.ends[k], self.vals[k]
            if s > pos:
                pieces.append((pos, s))
            if v != val:
                conflicts += min(e, end) - max(s, start)
            pos = max(pos, e)
            k += 1
        if pos < end:
            pieces.append((pos, end))
        for s, e in pieces:
            self._insert(s, e, val)
        return conflicts

    def _insert(self, s, e, v):
        i = bisect.bisect_left(self.starts, s)
        # Merge with equal-valued neighbours that touch, to keep the lists short.
        if i > 0 and self.ends[i - 1] == s and self.vals[i - 1] == v:
            i -= 1
            s = self.starts[i]
            del self.starts[i], self.ends[i], self.vals[i]
        if i < len(self.starts) and self.starts[i] == e and self.vals[i] == v:
            e = self.ends[i]
            del self.starts[i], self.ends[i], self.vals[i]
        self.starts.insert(i, s)
        self.ends.insert(i, e)
        self.vals.insert(i, v)

    def lookup(self, start, end):
        """Yields (a, b, value) pieces covering [start, end); value None where nothing is mapped."""
        i = bisect.bisect_right(self.ends, start)
        pos = start
        while pos < end:
            if i < len(self.starts) and self.starts[i] < end:
                s, e, v = self.starts[i], self.ends[i], self.vals[i]
                if s > pos:
                    yield pos, s, None
                    pos = s
                b = min(e, end)
                yield pos, b, v
                pos = b
                i += 1
            else:
                yield pos, end, None
                pos = end
