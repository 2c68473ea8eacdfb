#!/usr/bin/env python3
"""conn_info.py: holds a connection to the guest's echo service open and reads its TCP facts.

Reads the guest's view ("conns" on the counters port) of the connection this script holds, and
checks what Linux and the guest negotiated: MSS 1460 (RFC 9293 3.7.1 over a 1500-byte MTU;
1448 once 12 bytes of timestamps ride on every segment),
window scaling both ways (RFC 7323 2), timestamps (RFC 7323 3), SACK-permitted (RFC 2018), an
RTT sample and state ESTABLISHED. Prints the guest's line; exit status 0 when all hold.
"""
import re
import socket
import sys


def main():
    ip, stats_port = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 7070
    s = socket.create_connection((ip, 7), timeout=20)
    s.sendall(b"x" * 100000)
    got = 0
    while got < 100000:
        b = s.recv(65536)
        if not b:
            break
        got += len(b)
    q = socket.create_connection((ip, stats_port), timeout=20)
    q.sendall(b"conns\n")
    text = b""
    while True:
        b = q.recv(65536)
        if not b:
            break
        text += b
    q.close()
    port = s.getsockname()[1]
    mine = " remote=%s:%d " % (s.getsockname()[0], port)
    line = next((ln for ln in text.decode().splitlines() if mine in ln), None)
    s.close()
    print(line or "no connection with remote port %d in: %r" % (port, text[:300]))
    if line is None or got != 100000:
        return 1
    f = dict(kv.split("=", 1) for kv in line.split()[1:])
    snd_ws, rcv_ws = (int(x) for x in f["wscale"].split("/"))
    ok = (f["state"] == "ESTABLISHED" and f["mss"] in ("1460", "1448") and snd_ws > 0 and rcv_ws > 0 and
          f["ts"] == "1" and f["sack"] == "1" and int(f["srtt_us"]) > 0 and
          re.match(r"\d+\.\d+\.\d+\.\d+:7$", f["local"]) is not None)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
