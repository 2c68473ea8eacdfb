#!/usr/bin/env bash
# guest.sh: boots NetSync-OS in QEMU with a command line and options; exits with the guest's decoded status.
# Usage: scripts/guest.sh [--cmdline STR] [--accel auto|kvm|tcg] [--timeout S] [--serial1 FILE]
#          [--serial2 FILE] [--iso] [--mem MiB] [--elf FILE] [--until REGEX] [--debug]
#          [--probe-accel] [-- extra QEMU args...]
# --probe-accel prints ACCEL=kvm|tcg and ACCEL_WHY=... (what --accel auto would pick) and exits.
# --until REGEX stops the guest as soon as a COM1 line matches (e.g. '^READY') and exits 0.
# Exit status: 0 guest passed/shut down cleanly (isa-debug-exit 0x10 -> QEMU 33), 1 self-tests
# failed (0x11 -> 35), 2 kernel panic (0x12 -> 37), 3 unexpected CPU exception (0x13 -> 39),
# 124 timeout, 125 QEMU/usage error, 126 QEMU ended without the exit device (e.g. triple fault).
set -u
cd "$(dirname "$0")/.." || exit 125

probe=0 cmdline="" accel=auto tmo=60 s1="" s2="" iso=0 mem=128 elf=build/netsync.elf debug=0 until="" extra=()
die() { echo "guest.sh: $*" >&2; exit 125; }
while [ $# -gt 0 ]; do
  case "$1" in
    --cmdline) [ $# -ge 2 ] || die "--cmdline needs a value"; cmdline=$2; shift 2 ;;
    --accel) [ $# -ge 2 ] || die "--accel needs a value"; accel=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || die "--timeout needs a value"; tmo=$2; shift 2 ;;
    --serial1) [ $# -ge 2 ] || die "--serial1 needs a file"; s1=$2; shift 2 ;;
    --serial2) [ $# -ge 2 ] || die "--serial2 needs a file"; s2=$2; shift 2 ;;
    --mem) [ $# -ge 2 ] || die "--mem needs a value"; mem=$2; shift 2 ;;
    --elf) [ $# -ge 2 ] || die "--elf needs a file"; elf=$2; shift 2 ;;
    --until) [ $# -ge 2 ] || die "--until needs a regex"; until=$2; shift 2 ;;
    --iso) iso=1; shift ;;
    --debug) debug=1; shift ;;
    --probe-accel) probe=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
case "$accel" in auto|kvm|tcg) ;; *) die "--accel must be auto, kvm or tcg, not '$accel'" ;; esac
[[ "$tmo" =~ ^[0-9]+$ ]] && [ "$tmo" -gt 0 ] || die "--timeout must be a positive number of seconds"
[[ "$mem" =~ ^[0-9]+$ ]] && [ "$mem" -ge 16 ] || die "--mem must be >= 16 (MiB)"
[ -f "$elf" ] || die "$elf not found (run: make kernel)"
command -v qemu-system-i386 >/dev/null || die "qemu-system-i386 not installed (run: make deps)"

# KVM only when it really works. Opening /dev/kvm is not enough: a nested, paravirtual KVM can
# open it yet not run this 32-bit guest (seconds per boot, hangs). So the probe boots the guest
# itself under KVM and requires its READY line within a few seconds.
kvm_works() {
  [ -r /dev/kvm ] && [ -w /dev/kvm ] || { probe_why="no usable /dev/kvm"; return 1; }
  local log; log=$(mktemp /tmp/ns-kvmprobe.XXXXXX) || { probe_why="mktemp failed"; return 1; }
  timeout --kill-after=2 "${KVM_PROBE_SECONDS:-8}" qemu-system-i386 -accel kvm -m 64 -display none \
    -no-reboot -nodefaults -serial "file:$log" -kernel "$elf" -append "loglevel=1" </dev/null >/dev/null 2>&1 &
  local pid=$! ok=1 i
  for ((i = 0; i < ${KVM_PROBE_SECONDS:-8} * 20; i++)); do
    if grep -q '^READY' "$log" 2>/dev/null; then ok=0; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -f "$log"
  [ "$ok" = 0 ] || probe_why="/dev/kvm opens but a KVM probe boot did not reach READY in ${KVM_PROBE_SECONDS:-8} s"
  return $ok
}
probe_why="a KVM probe boot reached READY"
if [ "$accel" = auto ]; then
  if kvm_works; then accel=kvm; else accel=tcg; fi
  echo "guest.sh: accel auto -> $accel ($probe_why)" >&2
elif [ "$accel" = kvm ] && ! kvm_works; then
  die "--accel kvm requested but KVM does not work here ($probe_why)"
fi
if [ "$probe" = 1 ]; then echo "ACCEL=$accel"; echo "ACCEL_WHY='$probe_why'"; exit 0; fi

tmpdir=$(mktemp -d /tmp/ns-guest.XXXXXX) || die "mktemp failed"
qpid=""
cleanup() { [ -n "$qpid" ] && kill "$qpid" 2>/dev/null; rm -rf "$tmpdir"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

args=(-accel "$accel" -m "$mem" -display none -no-reboot -nodefaults
      -device isa-debug-exit,iobase=0xf4,iosize=0x04)
# --until watches COM1, so it needs COM1 in a file: a private one when none was given.
if [ -n "$until" ] && [ -z "$s1" ]; then s1=$tmpdir/com1.log; fi
if [ -n "$s1" ]; then : > "$s1" || die "cannot write $s1"; args+=(-serial "file:$s1"); else args+=(-serial stdio); fi
if [ -n "$s2" ]; then args+=(-serial "file:$s2"); else args+=(-serial null); fi
if [ "$iso" = 1 ]; then
  # GRUB reads the command line from grub.cfg: a non-default line needs its own image.
  if [ -n "$cmdline" ]; then
    # The line lands in grub.cfg (GRUB's own script syntax): allow only plain key=value text.
    [[ "$cmdline" =~ ^[A-Za-z0-9_=.,:/+\ -]*$ ]] || die "--iso --cmdline may hold only letters, digits, spaces and _=.,:/+- (got '$cmdline')"
    command -v grub-mkrescue >/dev/null || die "grub-mkrescue not installed (run: make deps)"
    mkdir -p "$tmpdir/iso/boot/grub"
    cp "$elf" "$tmpdir/iso/boot/netsync.elf"
    sed "s|@CMDLINE@|$cmdline|" kernel/grub.cfg > "$tmpdir/iso/boot/grub/grub.cfg"
    grub-mkrescue -o "$tmpdir/netsync.iso" "$tmpdir/iso" >"$tmpdir/mkrescue.log" 2>&1 ||
      { cat "$tmpdir/mkrescue.log" >&2; die "grub-mkrescue failed"; }
    image=$tmpdir/netsync.iso
  else
    image=build/netsync.iso
    [ -f "$image" ] || die "$image not found (run: make iso)"
  fi
  args+=(-cdrom "$image" -boot d)
else
  args+=(-kernel "$elf" -append "$cmdline")
fi
[ "$debug" = 1 ] && args+=(-s -S)
args+=("${extra[@]}")

echo "guest.sh: accel=$accel boot=$([ "$iso" = 1 ] && echo iso || echo kernel) timeout=${tmo}s cmdline='$cmdline'" >&2

if [ "$debug" = 1 ]; then
  qemu-system-i386 "${args[@]}" &
  qpid=$!
  echo "guest.sh: QEMU paused with its GDB stub on tcp::1234; symbols: gdb -x kernel/debug.gdb" >&2
  if [ -t 0 ] && command -v gdb >/dev/null; then
    gdb -q -x kernel/debug.gdb
  else
    wait "$qpid"
  fi
  exit 0
fi

if [ -n "$until" ]; then
  timeout --kill-after=5 "$tmo" qemu-system-i386 "${args[@]}" </dev/null &
  qpid=$!
  while kill -0 "$qpid" 2>/dev/null; do
    if grep -qE "$until" "$s1" 2>/dev/null; then
      kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; qpid=""
      echo "guest.sh: COM1 matched '$until'; guest stopped" >&2
      exit 0
    fi
    sleep 0.02
  done
  wait "$qpid"
  rc=$?
  qpid=""
  grep -qE "$until" "$s1" 2>/dev/null && { echo "guest.sh: COM1 matched '$until'" >&2; exit 0; }
else
  timeout --kill-after=5 "$tmo" qemu-system-i386 "${args[@]}"
  rc=$?
fi
case $rc in
  33) st=0; what=pass ;;
  35) st=1; what="self-tests failed" ;;
  37) st=2; what="kernel panic" ;;
  39) st=3; what="unexpected CPU exception" ;;
  124|137) st=124; what="timeout after ${tmo}s" ;;
  0) st=126; what="QEMU exited without the debug-exit device (reset or triple fault)" ;;
  *) st=125; what="QEMU failed with status $rc" ;;
esac
echo "guest.sh: guest exit: $what (QEMU status $rc)" >&2
exit $st
