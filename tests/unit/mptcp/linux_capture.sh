#!/usr/bin/env bash
# linux_capture.sh: records a real Linux MPTCP v1 exchange (MP_CAPABLE, ADD_ADDR, MP_JOIN, DSS,
# DATA_FIN) between two network namespaces it creates, and prints one line per packet for
# mptcp_xcheck: src sport dst dport flags seq ack len options-hex payload-hex.
# Usage: linux_capture.sh <out.txt> <checksum 0|1>. Needs root. Cleans up on any exit.
# Exit 3: tcpdump lost packets (a loaded machine); try again.
set -euo pipefail
out=$1
csum=${2:-0}
p="mp-$$"
c="$p-c"
s="$p-s"
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  ip netns del "$c" 2>/dev/null || true
  ip netns del "$s" 2>/dev/null || true
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
s.bind(("0.0.0.0", 5999)); s.listen(1)
c, _ = s.accept()
total = 0
while True:
    d = c.recv(65536)
    if not d:
        break
    total += len(d)
    c.sendall(d[:64])  # some data back: server-side DSS mappings too
c.shutdown(socket.SHUT_WR)
c.close()
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
while s.recv(65536):
    pass
s.close()
PY
timeout 40 ip netns exec "$s" python3 "$work/srv.py" &
srv=$!
pids+=($srv)
for _ in $(seq 100); do ip netns exec "$s" ss -Hltn 'sport = :5999' | grep -q . && break; sleep 0.1; done
timeout 30 ip netns exec "$c" python3 "$work/cli.py"
wait "$srv"
sleep 1
ip netns exec "$c" nstat -az 2>/dev/null | grep -E 'MPTcpExt(MPJoinSynAckRx|MPCapableFallbackSYNACK|MPJoinSynAckHMacFailure|AddAddr|DSSNotMatching) ' >"$out.nstat" || true
kill "${pids[0]}" 2>/dev/null || true
wait "${pids[0]}" 2>/dev/null || true
# A capture that lost packets cannot be replayed; say so (exit 3) so the caller can retry.
dropped=$(awk '/packets dropped by kernel/ { print $1 }' "$work/tcpdump.log")
if [ "${dropped:-0}" != 0 ]; then echo "capture dropped ${dropped} packets" >&2; exit 3; fi
tshark -r "$work/cap.pcap" -T fields -E separator=' ' -E occurrence=f \
  -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tcp.flags -e tcp.seq_raw -e tcp.ack_raw \
  -e tcp.len -e tcp.options -e tcp.payload 2>/dev/null |
  awk '{ if ($9 == "") $9 = "-"; if ($10 == "") $10 = "-"; print $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }' >"$out"
[ -s "$out" ]
