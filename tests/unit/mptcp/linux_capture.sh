#!/usr/bin/env bash
# linux_capture.sh: records a real Linux MPTCP v1 exchange (MP_CAPABLE, ADD_ADDR, MP_JOIN, DSS,
# DATA_FIN) between two network namespaces it creates, and prints one line per packet for
# mptcp_xcheck: src sport dst dport flags seq ack len options-hex payload-hex.
# Usage: linux_capture.sh <out.txt> <checksum 0|1>. Needs root. Cleans up on any exit
# (MPTCP_CAPTURE_KEEP=<dir> keeps the pcap and logs there).
# The capture is checked complete before it is handed on: both programs report what they sent and
# received, and every subflow's byte stream in the pcap must run without a hole from its SYN to
# its FIN and add up to at least those byte counts in each direction.
# Exit 3 (with the reason on stderr and in <out.txt>.why): the capture or the exchange came out
# short (a loaded machine: tcpdump lost or did not yet write packets, a program timed out); try
# again. Exit 1: anything else, e.g. the Linux server advertised more window than our module has.
set -euo pipefail
out=$1
csum=${2:-0}
p="mp-$$"
c="$p-c"
s="$p-s"
work=$(mktemp -d)
pids=()
rm -f "$out.why"
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  ip netns del "$c" 2>/dev/null || true
  ip netns del "$s" 2>/dev/null || true
  # MPTCP_CAPTURE_KEEP=<dir>: keep the pcap, tcpdump's log and the programs' counts (diagnosis)
  if [ -n "${MPTCP_CAPTURE_KEEP:-}" ]; then mkdir -p "$MPTCP_CAPTURE_KEEP" && cp -r "$work"/. "$MPTCP_CAPTURE_KEEP"/; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

ip netns add "$c"
ip netns add "$s"
for i in 0 1; do
  ip link add "mc$i-$$" netns "$c" type veth peer name "ms$i-$$" netns "$s"
  ip -n "$c" addr add "10.77.$i.1/24" dev "mc$i-$$"
  ip -n "$s" addr add "10.77.$i.2/24" dev "ms$i-$$"
  ip -n "$c" link set "mc$i-$$" up
  ip -n "$s" link set "ms$i-$$" up
done
ip -n "$c" link set lo up
ip -n "$s" link set lo up
for ns in "$c" "$s"; do
  ip netns exec "$ns" sysctl -qw net.mptcp.enabled=1
  ip netns exec "$ns" sysctl -qw net.mptcp.checksum_enabled="$csum"
  # 6.12+: no blackhole back-off inside these throw-away namespaces (interop pitfall 9)
  ip netns exec "$ns" sysctl -qw net.mptcp.blackhole_timeout=0 2>/dev/null || true
  ip -n "$ns" mptcp limits set subflows 2 add_addr_accepted 2
done
# A slower first path (token bucket, client to server) makes Linux's scheduler put part of the
# burst on the joined subflow, so both subflows carry data (sch_tbf; without it, still a test).
tc -n "$c" qdisc add dev "mc0-$$" root tbf rate 10mbit burst 32kb limit 2mb 2>/dev/null ||
  echo "note: no tbf qdisc, subflow split left to Linux's scheduler" >&2
# The server announces its second address; the client's in-kernel PM joins it.
ip -n "$s" mptcp endpoint add 10.77.1.2 dev "ms1-$$" id 1 signal

ip netns exec "$s" tcpdump -q -U -B 32768 -i any -s 0 -w "$work/cap.pcap" tcp port 5999 2>"$work/tcpdump.log" &
pids+=($!)
# tcpdump says "listening on" once its capture is open; a loaded machine may take a while
for _ in $(seq 100); do grep -q "listening on" "$work/tcpdump.log" && break; sleep 0.1; done
grep -q "listening on" "$work/tcpdump.log" || { echo "tcpdump did not start" >&2; exit 1; }

cat >"$work/srv.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_MPTCP)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
# The replay is only faithful if this server advertises no more data-level window than our module
# buffers (MPTCP_RCVBUF, 64 KiB; RFC 8684 3.3.4: the sender stays below DATA_ACK + window). With
# Linux's autotuned window the client ran more than 64 KiB ahead on the joined subflow while the
# shaped first path lagged, and the replay rightly dropped those bytes (seen under load). 16 KiB
# (Linux doubles it: 32 KiB of buffer, ~24 KB window) keeps the client inside our window.
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
s.bind(("0.0.0.0", 5999)); s.listen(1)
c, _ = s.accept()
total = sent = 0
while True:
    d = c.recv(65536)
    if not d:
        break
    total += len(d)
    c.sendall(d[:64])  # some data back: server-side DSS mappings too
    sent += len(d[:64])
c.shutdown(socket.SHUT_WR)
c.close()
print("received", total, "sent", sent)
PY
cat >"$work/cli.py" <<'PY'
import socket, time
for attempt in range(100):  # the server may still be starting on a loaded machine
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_MPTCP)
    try:
        s.connect(("10.77.0.2", 5999))
        break
    except ConnectionRefusedError:
        s.close()
        time.sleep(0.1)
else:
    raise SystemExit("server never listened")
for i in range(400):  # 2 s trickle (ADD_ADDR, MP_JOIN), then a burst that needs both subflows
    s.sendall(bytes((i * 7 + k) & 0xff for k in range(3000)))
    if i < 40:
        time.sleep(0.05)
s.shutdown(socket.SHUT_WR)
got = 0
while True:
    d = s.recv(65536)
    if not d:
        break
    got += len(d)
s.close()
print("sent", 400 * 3000, "received", got)
PY
short() { # short "reason": a retryable shortfall (exit 3), the reason kept for the caller
  echo "capture short: $1" | tee "$out.why" >&2
  exit 3
}
timeout 40 ip netns exec "$s" python3 "$work/srv.py" >"$work/srv.out" &
srv=$!
pids+=("$srv")
for _ in $(seq 100); do ip netns exec "$s" ss -Hltn 'sport = :5999' | grep -q . && break; sleep 0.1; done
crc=0
timeout 30 ip netns exec "$c" python3 "$work/cli.py" >"$work/cli.out" || crc=$?
src=0
wait "$srv" || src=$?
ip netns exec "$c" nstat -az 2>/dev/null | grep -E 'MPTcpExt(MPJoinSynAckRx|MPCapableFallbackSYNACK|MPJoinSynAckHMacFailure|AddAddr|DSSNotMatching) ' >"$out.nstat" || true
# What the programs really moved: the client sent c_sent and read c_got, the server the reverse.
read -r _ c_sent _ c_got <"$work/cli.out" || true
read -r _ s_got _ s_sent <"$work/srv.out" || true
if [ "$crc" != 0 ] || [ "$src" != 0 ]; then short "client exit $crc, server exit $src (124: timed out)"; fi
if [ "${c_sent:-x}" != "${s_got:-y}" ] || [ "${s_sent:-x}" != "${c_got:-y}" ]; then
  short "exchange incomplete: client sent ${c_sent:-?} read ${c_got:-?}, server read ${s_got:-?} sent ${s_sent:-?}"
fi

# tcpdump -U writes each packet as it reads it from its ring, but a SIGTERM drops what is still
# in the ring unread (counted in "received by filter", not in "dropped by kernel"). Stop it only
# once the file has stopped growing for a second, so a starved tcpdump gets the time it needs.
last=-1
for _ in $(seq 60); do
  size=$(stat -c %s "$work/cap.pcap")
  [ "$size" = "$last" ] && break
  last=$size
  sleep 1
done
kill "${pids[0]}" 2>/dev/null || true
wait "${pids[0]}" 2>/dev/null || true
dropped=$(awk '/packets dropped by kernel/ { print $1 }' "$work/tcpdump.log")
captured=$(awk '/packets captured/ { print $1 }' "$work/tcpdump.log")
filtered=$(awk '/packets received by filter/ { print $1 }' "$work/tcpdump.log")
echo "tcpdump: ${captured:-?} captured, ${filtered:-?} received by filter, ${dropped:-?} dropped by kernel" >&2
[ "${dropped:-0}" = 0 ] || short "tcpdump: ${dropped} packets dropped by kernel"
tshark -r "$work/cap.pcap" -T fields -E separator=' ' -E occurrence=f \
  -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tcp.flags -e tcp.seq_raw -e tcp.ack_raw \
  -e tcp.len -e tcp.options -e tcp.payload 2>/dev/null |
  awk '{ if ($9 == "") $9 = "-"; if ($10 == "") $10 = "-"; print $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }' >"$out"
[ -s "$out" ] || short "tshark read no packet from the capture"

# Completeness: per subflow and direction, a SYN, a FIN, and every byte between them; per
# direction at least as many bytes as the programs moved (more when Linux reinjected data).
cat >"$work/complete.py" <<'PY'
import sys
flows = {}
for line in open(sys.argv[1]):
    f = line.split()
    key = (f[0], f[1], f[2], f[3])
    fl, seq, n = int(f[4], 16), int(f[5]), int(f[7])
    st = flows.setdefault(key, {"isn": None, "fin": None, "rng": [], "rst": False})
    st["rst"] |= bool(fl & 0x04)
    if fl & 0x02:  # SYN: the subflow's stream starts at ISN + 1 (RFC 9293 3.4)
        st["isn"] = seq
        continue
    if n:
        st["rng"].append((seq, n))
    if fl & 0x01:  # FIN sits one past the last byte
        st["fin"] = (seq + n) & 0xffffffff
    elif fl & 0x04 and st["fin"] is None:  # a RST also ends the stream (RFC 9293 3.10.7)
        st["fin"] = seq
want = {"c2s": int(sys.argv[2]), "s2c": int(sys.argv[3])}
total = {"c2s": 0, "s2c": 0}
errs = []
for (sa, sp, da, dp), st in sorted(flows.items()):
    name = f"{sa}:{sp}>{da}:{dp}"
    back = flows.get((da, dp, sa, sp), {"rng": [], "rst": False})
    if not st["rng"] and not back["rng"] and (st["rst"] or back["rst"]):
        continue  # a connect() refused while the server started: SYN and RST, no data
    d = "c2s" if dp == sys.argv[4] else "s2c"
    if st["isn"] is None:
        errs.append(f"{name}: no SYN captured")
        continue
    if st["fin"] is None:
        errs.append(f"{name}: no FIN captured (tcpdump stopped early?)")
        continue
    base = (st["isn"] + 1) & 0xffffffff
    end = (st["fin"] - base) & 0xffffffff
    cov = 0
    for a, b in sorted((((s - base) & 0xffffffff), ((s - base) & 0xffffffff) + n) for s, n in st["rng"]):
        if a > cov:
            break
        cov = max(cov, b)
    if cov < end:
        errs.append(f"{name}: bytes {cov}..{end} of {end} missing from the capture")
    total[d] += end
for d in ("c2s", "s2c"):
    if total[d] < want[d]:
        errs.append(f"{d}: the capture holds {total[d]} subflow bytes, the programs moved {want[d]}")
if errs:
    print("; ".join(errs))
    sys.exit(1)
print(f"complete: client to server {total['c2s']} subflow bytes (sent {want['c2s']}), "
      f"server to client {total['s2c']} (sent {want['s2c']}), {len(flows)} flows")
PY
why=$(python3 "$work/complete.py" "$out" "$c_sent" "$s_sent" 5999) || short "$why"
echo "$why" >&2

# Our module buffers MPTCP_RCVBUF (64 KiB); a Linux server advertising more lets the client send
# what our replay must drop. That is a set-up error, not bad luck: exit 1, no retry.
maxwnd=$(tshark -r "$work/cap.pcap" -Y 'tcp.srcport == 5999' -T fields -e tcp.window_size 2>/dev/null |
  sort -n | tail -1)
echo "largest window the Linux server advertised: ${maxwnd:-?}" >&2
if [ -z "$maxwnd" ] || [ "$maxwnd" -gt 65536 ]; then
  echo "the Linux server advertised ${maxwnd:-no} window (> 65536, our module's buffer): the replay would drop data" |
    tee "$out.why" >&2
  exit 1
fi
