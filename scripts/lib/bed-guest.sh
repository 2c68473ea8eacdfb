# bed-guest.sh: the guest target: accelerator probe, QEMU with two NICs behind linkem, readiness, COM1/COM2.
# QEMU's NIC i is "-netdev dgram" on unix sockets; linkem i joins that socket to tap h<i> in the
# point's namespace (linkem binds lk<i>.sock and sends to q<i>.sock; QEMU the reverse).

BED_READY_RE='^READY netsync'
# With services, readiness is netd's line (kernel/services/services.c): NICs up, servers listening.
BED_NETD_RE='^NETD UP'
# What the kernel prints when it stops (kernel/core/panic.c, arch/exception.c).
BED_PANIC_RE='PANIC|panic:|unexpected CPU exception|^EXCEPTION'

# accel auto: KVM only when a probe boot under KVM reaches the guest's READY line; records why.
bed_pick_accel() {
  local log rc
  if [ "$BED_ACCEL" = tcg ]; then BED_ACCEL_USED=tcg BED_ACCEL_WHY="asked for"; return 0; fi
  if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
    [ "$BED_ACCEL" = kvm ] && bed_die "--accel kvm: no usable /dev/kvm here; use --accel tcg or auto"
    BED_ACCEL_USED=tcg BED_ACCEL_WHY="auto: no usable /dev/kvm"
    return 0
  fi
  log=$(mktemp /tmp/bed-kvmprobe.XXXXXX) || bed_die "mktemp failed"
  # A nested KVM may open /dev/kvm yet be unable to run a 32-bit guest: only a real boot tells.
  timeout --kill-after=5 25 bash "$BED_ROOT/scripts/guest.sh" --accel kvm --timeout 20 \
    --serial1 "$log" --cmdline "loglevel=1" >/dev/null 2>&1 &
  local pid=$! i
  rc=1
  for ((i = 0; i < 200; i++)); do
    if grep -qE "$BED_READY_RE" "$log" 2>/dev/null; then rc=0; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -TERM "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rm -f "$log"
  if [ "$rc" -eq 0 ]; then
    BED_ACCEL_USED=kvm BED_ACCEL_WHY="${BED_ACCEL}: a KVM probe boot reached READY"
  elif [ "$BED_ACCEL" = kvm ]; then
    bed_die "--accel kvm: a KVM probe boot did not reach the guest's READY line within 20 s"
  else
    BED_ACCEL_USED=tcg BED_ACCEL_WHY="auto: /dev/kvm opens but a KVM probe boot did not reach READY in 20 s"
  fi
}

# Kernel command line of a point: the scheduler, the addresses the bed assigns, the seed.
bed_guest_cmdline() {
  local line="sched=$PT_SCHED panic=exit"
  # Keys the guest does not register are reported on COM1 and ignored: pass only known ones.
  grep -aq 'ip0' "$BED_ELF" && line+=" ip0=10.1.0.2/24"
  grep -aq 'ip1' "$BED_ELF" && [ "$PT_NLINKS" -ge 2 ] && line+=" ip1=10.2.0.2/24"
  echo "$line"
}

bed_com1_has() { grep -qE "$1" "$PT_DIR/com1.log" 2>/dev/null; }

# The guest target: linkem per link, QEMU (guest.sh) with COM1/COM2 to files, then hostgen.
bed_point_guest() {
  local i qargs=() wait_s
  bed_ns_add "$PT_NS_C" || { PT_REASON="cannot create namespace $PT_NS_C"; return 1; }
  for ((i = 0; i < PT_NLINKS; i++)); do
    bed_linkem_start "$PT_NS_C" "$i" "unix:$PT_STATE/lk$i.sock,$PT_STATE/q$i.sock"
    bed_wait_for "linkem link $i" 100 test -S "$PT_STATE/lk$i.sock" || {
      PT_REASON="linkem for link $i did not start: $(head -c 200 "$PT_DIR/linkem$i.log")"; return 1; }
    qargs+=(-netdev "dgram,id=n$i,local.type=unix,local.path=$PT_STATE/q$i.sock,remote.type=unix,remote.path=$PT_STATE/lk$i.sock"
            -device "virtio-net-pci,disable-modern=on,netdev=n$i,mac=52:54:00:12:34:$((56 + i))")
  done
  bed_addr_links && bed_pm_setup || return 1
  # setsid: guest.sh waits on QEMU in the foreground; the point stops the whole group.
  ip netns exec "$PT_NS_C" setsid bash "$BED_ROOT/scripts/guest.sh" --accel "$BED_ACCEL_USED" \
    --timeout "$BED_POINT_TIMEOUT" --serial1 "$PT_DIR/com1.log" --serial2 "$PT_DIR/com2.bin" \
    --cmdline "$(bed_guest_cmdline)" -- "${qargs[@]}" >"$PT_DIR/guest.out" 2>"$PT_DIR/guest.log" &
  PT_QEMU=$!
  bed_track "$PT_QEMU"
  local ready=$BED_READY_RE
  grep -aq 'NETD UP' "$BED_ELF" && ready=$BED_NETD_RE
  # TCG boots in about a second here; allow a slow, shared machine a minute.
  wait_s=600
  for ((i = 0; i < wait_s; i++)); do
    bed_com1_has "$ready" && break
    if bed_com1_has "$BED_PANIC_RE"; then break; fi
    kill -0 "$PT_QEMU" 2>/dev/null || break
    sleep 0.1
  done
  if bed_com1_has "$BED_PANIC_RE"; then
    PT_REASON="guest panic on COM1: $(grep -m1 -E "$BED_PANIC_RE" "$PT_DIR/com1.log" | head -c 200)"; return 1; fi
  if ! bed_com1_has "$ready"; then
    PT_REASON="guest not ready: no '${ready#^}' line on COM1 ($(tail -n1 "$PT_DIR/guest.log" | head -c 160))"; return 1; fi
  PT_T_UP=$(date +%s.%N)
  bed_hostgen_run "$BED_POINT_TIMEOUT"
  PT_T_DONE=$(date +%s.%N)
  bed_guest_stop
  if bed_com1_has "$BED_PANIC_RE"; then
    PT_REASON="guest panic on COM1: $(grep -m1 -E "$BED_PANIC_RE" "$PT_DIR/com1.log" | head -c 200)"; return 1; fi
  bed_hostgen_verdict || {
    # Say what the guest itself said last: it is usually why nobody answered.
    PT_REASON="$PT_REASON; guest COM1 last: $(grep -v '^$' "$PT_DIR/com1.log" | tail -n1 | sed 's/^\[[^]]*\] //' | head -c 120)"
    return 1; }
  bed_guest_records
}

# Clean stop: netd's counters port answers "stats", then "shutdown" exits QEMU with the pass code
# (kernel/services/netd_stats.c); a guest without that port is stopped by the point's cleanup.
bed_guest_stop() {
  grep -aq 'SHUTDOWN netsync' "$BED_ELF" || return 0
  ip netns exec "$PT_NS_C" timeout 10 socat -t2 - TCP:10.1.0.2:7070,connect-timeout=3 <<<stats >"$PT_DIR/guest-stats.txt" 2>/dev/null
  ip netns exec "$PT_NS_C" timeout 10 socat -t1 - TCP:10.1.0.2:7070,connect-timeout=3 <<<shutdown >/dev/null 2>&1
  local i
  for ((i = 0; i < 50; i++)); do kill -0 "$PT_QEMU" 2>/dev/null || break; sleep 0.1; done
  wait "$PT_QEMU" 2>/dev/null
  PT_GUEST_RC=$?
  kill -0 "$PT_QEMU" 2>/dev/null && PT_GUEST_RC=-1
  echo "guest_exit=$PT_GUEST_RC" >>"$PT_DIR/point.env"
  return 0
}

# COM2 records -> points/<k>/guest.csv (id,p2p_ns,hol_ns,sched_delay_ns,subflow) once the guest's
# record format and its decoder exist (build/com2dec, the instrumentation issue); until then the
# raw bytes stay in com2.bin and guest_records is 0 in summary.csv.
bed_guest_records() {
  local dec=$BED_ROOT/build/com2dec
  [ -x "$dec" ] && [ -s "$PT_DIR/com2.bin" ] || return 0
  "$dec" "$PT_DIR/com2.bin" >"$PT_DIR/guest.csv.tmp" 2>"$PT_DIR/com2dec.log" &&
    mv -f "$PT_DIR/guest.csv.tmp" "$PT_DIR/guest.csv" ||
    { PT_REASON="COM2 records did not decode: $(head -n1 "$PT_DIR/com2dec.log")"; return 1; }
}

# --up / --down: the interactive bed of scripts/lib/guestnet.sh.
bed_updown() {
  local lib=$BED_ROOT/scripts/lib/guestnet.sh
  [ -f "$lib" ] || bed_die "--$1 needs scripts/lib/guestnet.sh (guest networking), not in this tree yet"
  # shellcheck source=/dev/null
  . "$lib"
  if [ "$1" = up ]; then gn_up; else gn_down; fi
}
