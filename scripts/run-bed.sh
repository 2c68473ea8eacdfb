#!/usr/bin/env bash
# run-bed.sh: the test bed's entry point; so far --up / --down of the guest bed (scripts/lib/guestnet.sh).
set -u
cd "$(dirname "$0")/.." || exit 2
usage() {
  cat <<USAGE
Usage: scripts/run-bed.sh --up | --down | --help
  --up    create namespace \${GN_NS:-nsbed-gn} with taps gnt0 (10.1.0.1/24) and gnt1 (10.2.0.1/24),
          boot NetSync-OS in QEMU with two legacy virtio-net NICs (10.1.0.2, 10.2.0.2),
          wait for netd, print how to reach it. Idempotent: a running bed is reported, not redone.
  --down  stop QEMU and remove the namespace and its taps. Idempotent.
Environment: GN_NS, GN_STATE, GN_CMDLINE, GN_MEM, GN_ACCEL, GN_BOOT_WAIT (see scripts/lib/guestnet.sh).
USAGE
}
[ $# -eq 1 ] || { usage >&2; exit 2; }
# shellcheck source=lib/guestnet.sh
. scripts/lib/guestnet.sh
case "$1" in
  --up)
    [ "$(id -u)" -eq 0 ] || { echo "run-bed.sh: --up needs root (namespaces, taps)" >&2; exit 2; }
    gn_up ;;
  --down)
    [ "$(id -u)" -eq 0 ] || { echo "run-bed.sh: --down needs root" >&2; exit 2; }
    gn_down ;;
  -h|--help) usage ;;
  *) echo "run-bed.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
esac
