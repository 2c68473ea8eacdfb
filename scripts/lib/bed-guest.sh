# bed-guest.sh: the guest target: accelerator probe, QEMU with two NICs behind linkem, readiness, COM1/COM2.
# shellcheck shell=bash disable=SC2034,SC2153  # BED_*/PT_*/GN_* globals are shared by the sourced bed-*.sh files
# QEMU's NIC i is "-netdev dgram" on unix sockets; linkem i joins that socket to tap h<i> in the
# point's namespace (linkem binds lk<i>.sock and sends to q<i>.sock; QEMU the reverse).
# Boot, readiness, counters and shutdown are scripts/lib/guestnet.sh's (gn_* functions).

# accel auto: KVM only when a probe boot under KVM reaches the guest's READY line; records why.
bed_pick_accel() {
  if [ "$BED_ACCEL" = tcg ]; then BED_ACCEL_USED=tcg BED_ACCEL_WHY="asked for"; return 0; fi
  # guest.sh owns the probe: under auto it boots the guest under KVM and requires READY.
  local out ACCEL="" ACCEL_WHY=""
  out=$(bash "$BED_ROOT/scripts/guest.sh" --accel "$BED_ACCEL" --probe-accel 2>/dev/null) ||
    bed_die "--accel $BED_ACCEL: KVM does not work here (no usable /dev/kvm, or a KVM probe boot did not reach READY); use --accel tcg or auto"
  eval "$out"
  [ -n "$ACCEL" ] || bed_die "guest.sh --probe-accel printed nothing"
  BED_ACCEL_USED=$ACCEL BED_ACCEL_WHY="$BED_ACCEL: $ACCEL_WHY"
}

# Kernel words of a point beyond guestnet's addresses: the scheduler, and panics end QEMU.
bed_guest_cmdline() { echo "sched=$PT_SCHED panic=exit rpcd_port=$BED_RPC_PORT${BED_GUEST_ARGS:+ $BED_GUEST_ARGS}"; }

bed_com1_has() { grep -qE "$1" "$PT_STATE/com1.log" 2>/dev/null; }

# The guest target: linkem per link, then guestnet's gn_guest_start boots QEMU in the point's
# namespace with NIC i on a dgram socket to linkem i (GN_NETDEV), and waits for "NETD UP".
bed_point_guest() {
  local i
  bed_ns_add "$PT_NS_C" || { PT_REASON="cannot create namespace $PT_NS_C"; return 1; }
  GN_NS=$PT_NS_C GN_STATE=$PT_STATE GN_ACCEL=$BED_ACCEL_USED GN_CMDLINE=$(bed_guest_cmdline)
  GN_LIFETIME=$BED_POINT_TIMEOUT GN_BOOT_WAIT=60 GN_MEM=$BED_GUEST_MEM
  GN_NETDEV=()
  # NIC n of the guest gets link i's addresses and MAC (guestnet passes ip0=/ip1= from these; an
  # unused NIC keeps guestnet's defaults and a dgram socket without a peer).
  local nic
  for ((i = 0; i < 2; i++)); do
    GN_NETDEV[$i]="dgram,id=gn$i,local.type=unix,local.path=$PT_STATE/q$i.sock,remote.type=unix,remote.path=$PT_STATE/nopeer$i.sock"
  done
  for ((i = 0; i < PT_NLINKS; i++)); do
    nic=${BED_LINK_NIC[$i]}
    [ "$nic" -le 1 ] || { PT_REASON="link $i uses guest NIC $nic; the guest has NICs 0 and 1"; return 1; }
    GN_NETDEV[$nic]="dgram,id=gn$nic,local.type=unix,local.path=$PT_STATE/q$nic.sock,remote.type=unix,remote.path=$PT_STATE/lk$i.sock"
    GN_HOST_IP[$nic]=${BED_LINK_HOST[$i]} GN_GUEST_IP[$nic]=${BED_LINK_GUEST[$i]} GN_MAC[$nic]=${BED_LINK_MAC[$i]}
    bed_linkem_start "$PT_NS_C" "$i" "unix:$PT_STATE/lk$i.sock,$PT_STATE/q$nic.sock"
    bed_wait_for "linkem link $i" 100 test -S "$PT_STATE/lk$i.sock" || {
      PT_REASON="linkem for link $i did not start: $(head -c 200 "$PT_DIR/linkem$i.log")"; return 1; }
  done
  bed_addr_links && bed_pm_setup || return 1
  gn_guest_start 2>>"$PT_STATE/guestnet.log"
  local up=$?
  # guestnet records the pids; the point's cleanup must stop them whatever happens next.
  for i in guest-sh.pid qemu.pid; do [ -s "$PT_STATE/$i" ] && bed_track "$(cat "$PT_STATE/$i")"; done
  if [ "$up" -ne 0 ]; then
    if bed_com1_has "$GN_FAIL_RE"; then
      PT_REASON="guest failed on COM1: $(grep -m1 -E "$GN_FAIL_RE" "$PT_STATE/com1.log" | head -c 200)"
    else
      PT_REASON="guest not ready: no 'NETD UP' line on COM1 within ${GN_BOOT_WAIT}s ($(grep -v '^$' "$PT_STATE/guestnet.log" | tail -n1 | head -c 160))"
    fi
    return 1
  fi
  PT_T_UP=$(date +%s.%N)
  bed_hostgen_run "$BED_POINT_TIMEOUT"
  PT_T_DONE=$(date +%s.%N)
  bed_guest_await_records
  # Counters, then a clean stop through netd's port (guestnet's gn_stats / gn_shutdown).
  # Bounded: a guest still drowning in a lossy point's backlog must not stretch the tear-down.
  bed_bounded 8 gn_stats >"$PT_DIR/guest-stats.txt" 2>/dev/null
  if bed_bounded 8 gn_shutdown; then echo "guest_stop=shutdown" >>"$PT_DIR/point.env"; else echo "guest_stop=killed" >>"$PT_DIR/point.env"; fi
  if bed_com1_has "$GN_FAIL_RE"; then
    PT_REASON="guest failed on COM1: $(grep -m1 -E "$GN_FAIL_RE" "$PT_STATE/com1.log" | head -c 200)"; return 1; fi
  bed_hostgen_verdict || {
    # Say what the guest itself said last: it is usually why nobody answered.
    PT_REASON="$PT_REASON; guest COM1 last: $(grep -v '^$' "$PT_STATE/com1.log" | tail -n1 | sed 's/^\[[^]]*\] //' | head -c 120)"
    return 1; }
  bed_guest_records
}

# Runs "$2..." (a shell function is fine) for at most $1 seconds; status 124 when cut off.
bed_bounded() {
  local secs=$1 pid i
  shift
  "$@" &
  pid=$!
  bed_track "$pid"
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid"; return $?; }
    sleep 0.1
  done
  kill -TERM "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 124
}

# Keeps the guest's serial logs with the point's results (state/ is removed at the end).
bed_guest_collect() {
  local f
  for f in com1.log com2.log guest.out guestnet.log; do [ -f "$PT_STATE/$f" ] && cp -f "$PT_STATE/$f" "$PT_DIR/$f"; done
  return 0
}

# COM2 records -> points/<k>/guest.csv (id,p2p_ns,hol_ns,sched_delay_ns,subflow) once the guest's
# record format and its decoder exist (build/com2dec or build/p2pdecode FILE > CSV, the
# instrumentation issue); until then the
# raw bytes stay in com2.log and guest_records is 0 in summary.csv.
bed_guest_records() {
  local dec="" d
  # The decoder's name is the instrumentation issue's choice: either is accepted.
  for d in com2dec p2pdecode; do [ -x "$BED_ROOT/build/$d" ] && { dec=$BED_ROOT/build/$d; break; }; done
  [ -n "$dec" ] && [ -s "$PT_STATE/com2.log" ] || return 0
  "$dec" "$PT_STATE/com2.log" >"$PT_DIR/guest.csv.tmp" 2>"$PT_DIR/com2dec.log" &&
    mv -f "$PT_DIR/guest.csv.tmp" "$PT_DIR/guest.csv" ||
    { PT_REASON="COM2 records did not decode: $(head -n1 "$PT_DIR/com2dec.log")"; return 1; }
}

# The guest drains its records to COM2 off the measured path, so they trail the replies: before
# stopping it, wait (at most 20 s) until COM2 holds a record per request hostgen sent.
bed_guest_await_records() {
  local dec=$BED_ROOT/build/com2dec js=$PT_DIR/hostgen/summary.json want n i
  [ -x "$dec" ] && [ -s "$js" ] && [ -s "$PT_STATE/com2.log" ] || return 0
  want=$(jq -r '.requests_total // 0' "$js" 2>/dev/null) || return 0
  for ((i = 0; i < 40; i++)); do
    n=$("$dec" "$PT_STATE/com2.log" 2>/dev/null | wc -l)
    [ $((n - 1)) -ge "$want" ] && return 0
    sleep 0.5
  done
  return 0
}

# --up / --down: the interactive bed of scripts/lib/guestnet.sh.
bed_updown() {
  [ "$(id -u)" -eq 0 ] || bed_die "--$1 needs root (namespaces, taps)"
  if [ "$1" = up ]; then gn_up; else gn_down; fi
}
