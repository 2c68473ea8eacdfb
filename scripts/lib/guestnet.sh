# guestnet.sh: bash functions that bring the guest bed up and down: a network namespace, two taps
# (host ends 10.1.0.1/24 and 10.2.0.1/24) and NetSync-OS in QEMU with two legacy virtio-net NICs.
# Source it, set the GN_* variables you need, call gn_up / gn_down. Both are idempotent.
#   GN_ROOT     repository root (default: two levels above this file)
#   GN_STATE    directory for pid files and serial logs (default $GN_ROOT/build/bed)
#   GN_NS       namespace name (default nsbed-gn; tests use gn-$$)
#   GN_CMDLINE  extra kernel command-line words (e.g. "loglevel=1 services=echo")
#   GN_MEM      guest MiB (default 256)   GN_ACCEL auto|tcg|kvm (default auto)
#   GN_BOOT_WAIT seconds to wait for the "NETD UP" line (default 180)
#   GN_NIC_OPTS  extra virtio-net-pci options (default disable-modern=on: legacy only)
#   GN_NETDEV    array: GN_NETDEV[i] replaces NIC i's "-netdev tap,..." (id must be gn<i>)
#   GN_QEMU_EXTRA array (optional): extra QEMU arguments appended as given, e.g.
#                (-object filter-dump,id=fd1,netdev=gn1,file=nic1.pcap) to record NIC1's frames in
#                the order they pass the netdev (suite 37); unset for every other caller
#   GN_LIFETIME  seconds QEMU may run before guest.sh stops it (default 86400)

# shellcheck shell=bash
GN_ROOT=${GN_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
GN_STATE=${GN_STATE:-$GN_ROOT/build/bed}
GN_NS=${GN_NS:-nsbed-gn}
GN_CMDLINE=${GN_CMDLINE:-}
GN_MEM=${GN_MEM:-256}
GN_ACCEL=${GN_ACCEL:-auto}
GN_BOOT_WAIT=${GN_BOOT_WAIT:-180}
GN_LIFETIME=${GN_LIFETIME:-86400}
# Host and guest ends of the two links (issue 3 defaults; the guest reads ip0=/ip1=).
GN_HOST_IP=(10.1.0.1 10.2.0.1)
GN_GUEST_IP=(10.1.0.2 10.2.0.2)
GN_TAP=(gnt0 gnt1)
# Locally administered unicast MACs (IEEE 802: bit 1 of the first octet set, bit 0 clear).
GN_MAC=(52:54:00:4e:53:01 52:54:00:4e:53:02)
# PCI slots 2 and 6: INTA of both swizzles to the same PIIX PIRQ ((slot - 1 + pin - 1) mod 4,
# SeaBIOS pci_slot_get_irq), so the two NICs share one level-triggered line, as issue 3 wants.
GN_SLOT=(0x2 0x6)
# Legacy-only devices by default; "disable-modern=off" gives QEMU's transitional device, whose
# BAR0 is the same legacy I/O window (the driver handles both).
GN_NIC_OPTS=${GN_NIC_OPTS:-disable-modern=on}
GN_STATS_PORT=7070
GN_READY_RE='^NETD UP'
GN_FAIL_RE='PANIC|panic:|unexpected CPU exception|^EXCEPTION|services: netd did not start'

gn_log() { echo "guestnet: $*" >&2; }

gn_exec() { ip netns exec "$GN_NS" "$@"; }

# True when the namespace exists and the recorded QEMU still runs.
gn_is_up() {
  [ -f "$GN_STATE/qemu.pid" ] && ip netns list 2>/dev/null | grep -qw -- "$GN_NS" &&
    kill -0 "$(cat "$GN_STATE/qemu.pid")" 2>/dev/null
}

gn_info() {
  cat <<INFO
NetSync guest bed is up.
  namespace   $GN_NS   (host ends ${GN_HOST_IP[0]}/24 on ${GN_TAP[0]}, ${GN_HOST_IP[1]}/24 on ${GN_TAP[1]})
  guest       NIC0 ${GN_GUEST_IP[0]}   NIC1 ${GN_GUEST_IP[1]}
  services    echo tcp/7, rpcd tcp/7100 (docs/protocol.md), counters tcp/$GN_STATS_PORT
  COM1 log    $GN_STATE/com1.log     COM2 $GN_STATE/com2.log     QEMU pid $(cat "$GN_STATE/qemu.pid" 2>/dev/null)
Try:
  ip netns exec $GN_NS ping -c3 ${GN_GUEST_IP[0]}
  ip netns exec $GN_NS ncat ${GN_GUEST_IP[1]} 7
  ip netns exec $GN_NS bash -c 'exec 3<>/dev/tcp/${GN_GUEST_IP[0]}/$GN_STATS_PORT; echo stats >&3; cat <&3'
  scripts/run-bed.sh --down
INFO
}

# Creates the namespace and both taps (host side addressed); no-op parts that already exist.
gn_links_up() {
  local i
  ip netns list | grep -qw -- "$GN_NS" || ip netns add "$GN_NS" || return 1
  ip -n "$GN_NS" link set lo up || return 1
  for i in 0 1; do
    if ! ip -n "$GN_NS" link show "${GN_TAP[$i]}" >/dev/null 2>&1; then
      ip -n "$GN_NS" tuntap add dev "${GN_TAP[$i]}" mode tap || return 1
    fi
    ip -n "$GN_NS" addr replace "${GN_HOST_IP[$i]}/24" dev "${GN_TAP[$i]}" || return 1
    ip -n "$GN_NS" link set "${GN_TAP[$i]}" up || return 1
  done
}

# Boots the guest inside the namespace (so QEMU opens the namespace's taps) and waits for netd.
gn_guest_start() {
  local elf=$GN_ROOT/build/netsync.elf
  [ -f "$elf" ] || { gn_log "$elf missing (run: make kernel)"; return 1; }
  mkdir -p "$GN_STATE" || return 1
  rm -f "$GN_STATE/qemu.pid" "$GN_STATE/com1.log" "$GN_STATE/com2.log"
  local q=() i
  for i in 0 1; do
    # GN_NETDEV[i] (optional) replaces the tap backend, e.g. run-bed.sh's "dgram,id=gn<i>,..." to linkem.
    q+=(-netdev "${GN_NETDEV[$i]:-tap,id=gn$i,ifname=${GN_TAP[$i]},script=no,downscript=no}"
        -device "virtio-net-pci,$GN_NIC_OPTS,netdev=gn$i,mac=${GN_MAC[$i]},addr=${GN_SLOT[$i]}")
  done
  # GN_QEMU_EXTRA (optional array): appended after the NICs, so it can name their netdevs.
  [ -n "${GN_QEMU_EXTRA+x}" ] && q+=("${GN_QEMU_EXTRA[@]}")
  local cmd="ip0=${GN_GUEST_IP[0]}/24 ip1=${GN_GUEST_IP[1]}/24 $GN_CMDLINE"
  # setsid: the guest must outlive the shell that started it (run-bed.sh --up returns).
  setsid ip netns exec "$GN_NS" bash "$GN_ROOT/scripts/guest.sh" --accel "$GN_ACCEL" \
    --timeout "$GN_LIFETIME" --mem "$GN_MEM" --serial1 "$GN_STATE/com1.log" \
    --serial2 "$GN_STATE/com2.log" --cmdline "$cmd" -- -pidfile "$GN_STATE/qemu.pid" "${q[@]}" \
    >"$GN_STATE/guest.out" 2>&1 </dev/null &
  echo $! >"$GN_STATE/guest-sh.pid"
  local t=0 limit=$((GN_BOOT_WAIT * 10))
  while [ $t -lt $limit ]; do
    if grep -qE "$GN_READY_RE" "$GN_STATE/com1.log" 2>/dev/null; then
      local line
      line=$(grep -E "$GN_READY_RE" "$GN_STATE/com1.log" | head -n1)
      echo "$line" >&2
      # failed=<bits>: services that could not listen (kernel/services/services.c).
      [[ "$line" == *" failed=0"* ]] && return 0
      gn_log "a guest service failed to start"; tail -n 20 "$GN_STATE/com1.log" >&2; return 1
    fi
    if grep -qE "$GN_FAIL_RE" "$GN_STATE/com1.log" 2>/dev/null; then
      gn_log "guest failed to start; COM1 tail:"; tail -n 20 "$GN_STATE/com1.log" >&2; return 1
    fi
    if ! kill -0 "$(cat "$GN_STATE/guest-sh.pid")" 2>/dev/null; then
      gn_log "QEMU ended before netd came up:"; cat "$GN_STATE/guest.out" >&2
      tail -n 20 "$GN_STATE/com1.log" >&2 2>/dev/null; return 1
    fi
    sleep 0.1
    t=$((t + 1))
  done
  gn_log "no '$GN_READY_RE' line on COM1 within ${GN_BOOT_WAIT}s"; tail -n 20 "$GN_STATE/com1.log" >&2
  return 1
}

gn_up() {
  if gn_is_up; then gn_info; return 0; fi
  gn_down >/dev/null 2>&1 # leftovers of a half-finished bring-up
  mkdir -p "$GN_STATE" || return 1
  echo "$GN_NS" >"$GN_STATE/netns"
  gn_links_up || { gn_log "could not create namespace $GN_NS and its taps"; gn_down; return 1; }
  gn_guest_start || { gn_down; return 1; }
  gn_info
}

# Stops QEMU (by its pid file), removes the namespace with its taps; fine when nothing is up.
gn_down() {
  local pid i
  for f in qemu.pid guest-sh.pid; do
    [ -f "$GN_STATE/$f" ] || continue
    pid=$(cat "$GN_STATE/$f")
    if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
      # guest.sh waits on `timeout qemu ...` in the foreground, and bash holds a TERM until that
      # child ends: stop the child (timeout passes TERM on to QEMU) before guest.sh itself.
      [ "$f" = guest-sh.pid ] && pkill -TERM -P "$pid" 2>/dev/null
      kill -TERM "$pid" 2>/dev/null
      for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$GN_STATE/$f"
  done
  if ip netns list 2>/dev/null | grep -qw -- "$GN_NS"; then
    ip netns del "$GN_NS" || { gn_log "could not delete namespace $GN_NS"; return 1; }
  fi
  rm -f "$GN_STATE/netns"
  echo "guestnet: bed $GN_NS is down" >&2
}

# Prints the guest's counters ("name value" lines) fetched over NIC index $1 (default: NIC0,
# else NIC1); $2 is the command (stats, or conns for one line per live connection).
gn_stats() {
  local i cmd=${2:-stats}
  for i in ${1:-0 1}; do
    gn_exec timeout 20 bash -c "exec 3<>/dev/tcp/${GN_GUEST_IP[$i]}/$GN_STATS_PORT && echo $cmd >&3 && cat <&3" \
      2>/dev/null && return 0
  done
  return 1
}

# One counter's value from gn_stats output on stdin: gn_stats | gn_stat nic0.rx_frames
gn_stat() { awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print "" }'; }

# Asks the guest to log its counters on COM1 and exit; waits for QEMU to end.
gn_shutdown() {
  local pid i
  for i in 0 1; do
    gn_exec timeout 10 bash -c "exec 3<>/dev/tcp/${GN_GUEST_IP[$i]}/$GN_STATS_PORT && echo shutdown >&3" \
      2>/dev/null && break
  done
  pid=$(cat "$GN_STATE/qemu.pid" 2>/dev/null) || return 0
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}
