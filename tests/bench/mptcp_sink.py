#!/usr/bin/env python3
"""mptcp_sink.py: goodput client for the MPTCP benches: streams BYTES zeros to a discard server
(RFC 863) over IPPROTO_MPTCP (or plain TCP), waits for the server's close, and prints one JSON line
with the goodput, whether the kernel ran the connection as MPTCP, and the per-subflow byte split.

Not executable on purpose: tests/bench.sh runs every executable in tests/bench/, this is a helper.
Usage: python3 tests/bench/mptcp_sink.py IP PORT BYTES [--tcp] [--timeout S]
"""
import argparse
import ctypes
import errno
import json
import socket
import struct
import sys
import time

# Constants of include/uapi/linux/mptcp.h and include/linux/socket.h (Linux 5.16+).
IPPROTO_MPTCP = 262  # include/uapi/linux/in.h
SOL_MPTCP = 284  # include/linux/socket.h
MPTCP_INFO = 1  # struct mptcp_info
MPTCP_TCPINFO = 2  # struct mptcp_subflow_data + one struct tcp_info per subflow
MPTCP_SUBFLOW_ADDRS = 3  # struct mptcp_subflow_data + one struct mptcp_subflow_addrs per subflow
MPTCP_INFO_FLAG_FALLBACK = 1 << 0  # mptcpi_flags bit: the connection runs as plain TCP
# struct mptcp_info: u8 subflows, add_addr_signal, add_addr_accepted, subflows_max,
# add_addr_signal_max, add_addr_accepted_max; then (aligned) u32 flags at offset 8.
MI_SUBFLOWS, MI_ADD_ADDR_ACCEPTED, MI_FLAGS = 0, 2, 8
# struct mptcp_subflow_data: u32 size_subflow_data, num_subflows, size_kernel, size_user.
SFD = struct.Struct("=IIII")
# struct tcp_info (include/uapi/linux/tcp.h): u32 tcpi_total_retrans at 100, u64 tcpi_bytes_acked
# at 120, u64 tcpi_bytes_received at 128 (checked with offsetof against the uapi header).
TI_RETRANS, TI_ACKED, TI_RECEIVED, TI_WANT = 100, 120, 128, 232
# struct mptcp_subflow_addrs: two unions the size of struct __kernel_sockaddr_storage (128).
SA_SIZE = 128
MAX_SF = 8

_libc = ctypes.CDLL(None, use_errno=True)


def _getsockopt_in(fd, opt, elem_size):
    """getsockopt with an input mptcp_subflow_data header (Python's own getsockopt passes a
    zeroed buffer, which the kernel refuses). Returns (num_subflows, stride, bytes) or None."""
    buf = ctypes.create_string_buffer(SFD.size + elem_size * MAX_SF)
    SFD.pack_into(buf, 0, SFD.size, 0, 0, elem_size)
    ln = ctypes.c_uint32(len(buf))
    if _libc.getsockopt(fd, SOL_MPTCP, opt, buf, ctypes.byref(ln)) != 0:
        return None
    _, num, _, stride = SFD.unpack_from(buf, 0)
    return num, stride, buf.raw[: ln.value]


def _addr(raw, off):
    fam = struct.unpack_from("=H", raw, off)[0]
    if fam == socket.AF_INET:
        port = struct.unpack_from("!H", raw, off + 2)[0]
        return "%s:%d" % (socket.inet_ntoa(raw[off + 4 : off + 8]), port)
    return "family%d" % fam


def subflows(fd):
    """Per-subflow {local, remote, bytes_acked, bytes_received, retrans}, or None if not MPTCP."""
    ti = _getsockopt_in(fd, MPTCP_TCPINFO, TI_WANT)
    if ti is None:
        return None
    num, stride, raw = ti
    addrs = _getsockopt_in(fd, MPTCP_SUBFLOW_ADDRS, 2 * SA_SIZE)
    out = []
    for i in range(min(num, MAX_SF)):
        base = SFD.size + i * stride
        if base + TI_RECEIVED + 8 > len(raw):
            break
        sf = {
            "bytes_acked": struct.unpack_from("=Q", raw, base + TI_ACKED)[0],
            "bytes_received": struct.unpack_from("=Q", raw, base + TI_RECEIVED)[0],
            "retrans": struct.unpack_from("=I", raw, base + TI_RETRANS)[0],
        }
        if addrs is not None:
            an, astride, araw = addrs
            abase = SFD.size + i * astride
            if i < an and abase + 2 * SA_SIZE <= len(araw):
                sf["local"] = _addr(araw, abase)
                sf["remote"] = _addr(araw, abase + SA_SIZE)
        out.append(sf)
    return out


def mptcp_info(sock):
    """(is_mptcp, fallback, additional_subflows); MPTCP_INFO fails on a fallen-back socket."""
    try:
        raw = sock.getsockopt(SOL_MPTCP, MPTCP_INFO, 64)
    except OSError as e:
        if e.errno in (errno.EOPNOTSUPP, errno.ENOPROTOOPT):
            return False, True, 0
        raise
    if len(raw) < MI_FLAGS + 4:
        return False, False, 0
    flags = struct.unpack_from("=I", raw, MI_FLAGS)[0]
    fb = bool(flags & MPTCP_INFO_FLAG_FALLBACK)
    return not fb, fb, raw[MI_SUBFLOWS]


def main():
    ap = argparse.ArgumentParser(description="MPTCP discard goodput client (JSON line out)")
    ap.add_argument("ip")
    ap.add_argument("port", type=int)
    ap.add_argument("bytes", type=int)
    ap.add_argument("--tcp", action="store_true", help="plain TCP socket instead of MPTCP")
    ap.add_argument("--timeout", type=float, default=120.0, help="give up after S seconds")
    a = ap.parse_args()
    if a.bytes <= 0 or not 0 < a.port < 65536:
        print("mptcp_sink: BYTES must be > 0 and PORT in 1..65535", file=sys.stderr)
        return 2
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP if a.tcp else IPPROTO_MPTCP)
    s.settimeout(a.timeout)
    s.connect((a.ip, a.port))
    t0 = time.monotonic()
    chunk = bytes(65536)
    left = a.bytes
    best, max_sf, info = None, 0, (False, False, 0)
    last_sample = 0.0

    def sample():
        # Keep the newest subflow figures: they vanish once the connection ends.
        nonlocal best, max_sf, info
        if a.tcp:
            return
        sf = subflows(s.fileno())
        if sf is not None:
            best = sf
            max_sf = max(max_sf, len(sf))
        info = mptcp_info(s)

    while left > 0:
        n = s.send(chunk[: min(left, len(chunk))])
        left -= n
        now = time.monotonic()
        if now - last_sample > 0.05:
            sample()
            last_sample = now
        if now - t0 > a.timeout:
            print("mptcp_sink: timeout with %d bytes unsent" % left, file=sys.stderr)
            return 1
    s.shutdown(socket.SHUT_WR)  # DATA_FIN (RFC 8684 3.3.3) / FIN: the discard server then closes
    s.settimeout(0.05)
    while True:
        sample()
        try:
            d = s.recv(4096)
        except socket.timeout:
            if time.monotonic() - t0 > a.timeout:
                print("mptcp_sink: timeout waiting for the server's close", file=sys.stderr)
                return 1
            continue
        if not d:
            break
    dt = time.monotonic() - t0
    s.close()
    is_mp, fb, _ = info
    total_acked = sum(x["bytes_acked"] for x in best) if best else 0
    res = {
        "bytes": a.bytes,
        "seconds": round(dt, 4),
        "mbit_s": round(a.bytes * 8 / dt / 1e6, 2),
        "transport": "tcp" if a.tcp else "mptcp",
        "mptcp": is_mp,
        "fallback": fb,
        "subflows_max": max_sf,
        "subflows": best or [],
        # Share of subflow-acked bytes per subflow, in the kernel's subflow order.
        "split": [round(x["bytes_acked"] / total_acked, 3) for x in best] if total_acked else [],
    }
    print(json.dumps(res, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except OSError as e:
        print("mptcp_sink: %s" % e, file=sys.stderr)
        sys.exit(1)
