#!/usr/bin/env python3
"""echo_client.py: RFC 862 echo checker: sends seeded bytes over N TCP connections, checks SHA-256.

With --discard the peer is an RFC 863 discard server: bytes go one way and the time runs until
the server closes after reading everything (goodput), nothing comes back to check.

Prints one JSON line: connections, bytes per connection, ok count, seconds, goodput (Mbit/s,
both directions counted once), and the first error. Exit status 0 only when every connection
echoed every byte intact.
"""
import argparse
import hashlib
import json
import random
import socket
import sys
import threading
import time


def one(ip, port, nbytes, seed, timeout, res, idx, discard=False):
    # Zeros for discard (cheap to make, nothing to check); seeded random bytes for echo.
    data = bytes(nbytes) if discard else random.Random(seed).randbytes(nbytes)
    want = hashlib.sha256(data).hexdigest()
    got = hashlib.sha256()
    n = 0
    err = None
    try:
        s = socket.create_connection((ip, port), timeout=timeout)
        s.settimeout(timeout)

        def sender():
            try:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
            except OSError as e:  # the receiver reports the failure
                res[idx] = (False, "send: %s" % e)

        t = threading.Thread(target=sender, daemon=True)
        t.start()
        while True:
            b = s.recv(65536)
            if not b:
                break
            got.update(b)
            n += len(b)
        t.join(timeout)
        s.close()
    except OSError as e:
        err = "%s after %d bytes" % (e, n)
    if discard:
        if err is None and n != 0:
            err = "discard server sent %d bytes" % n
        if res[idx] is None or res[idx][0]:
            res[idx] = (err is None, err)
        return
    if err is None and n != nbytes:
        err = "echoed %d of %d bytes" % (n, nbytes)
    if err is None and got.hexdigest() != want:
        err = "SHA-256 mismatch (%s != %s)" % (got.hexdigest(), want)
    if res[idx] is None or res[idx][0]:
        res[idx] = (err is None, err)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("ip")
    ap.add_argument("--port", type=int, default=7)
    ap.add_argument("--bytes", type=int, default=10 * 1024 * 1024)
    ap.add_argument("--conns", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--discard", action="store_true", help="one-way to a discard server (port 9)")
    a = ap.parse_args()
    if a.conns < 1 or a.bytes < 0:
        ap.error("--conns must be >= 1 and --bytes >= 0")
    res = [None] * a.conns
    t0 = time.monotonic()
    th = [threading.Thread(target=one, args=(a.ip, a.port, a.bytes, a.seed + i, a.timeout, res, i, a.discard))
          for i in range(a.conns)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    dt = time.monotonic() - t0
    ok = sum(1 for r in res if r and r[0])
    first = next((r[1] for r in res if r and not r[0]), None)
    print(json.dumps({"conns": a.conns, "bytes_per_conn": a.bytes, "ok": ok, "seconds": round(dt, 3),
                      "goodput_mbit": round(a.conns * a.bytes * 8 / dt / 1e6, 3) if dt > 0 else 0,
                      "error": first}))
    return 0 if ok == a.conns else 1


if __name__ == "__main__":
    sys.exit(main())
