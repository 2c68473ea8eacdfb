#!/usr/bin/env bash
# Installs every Debian package NetSync needs, only those missing; safe to run again and again.
set -euo pipefail

# One list for the whole project. Add a package here when a new part needs it; say why in a comment.
PKGS=(
  build-essential nasm clang llvm               # host + freestanding i686 guest, libFuzzer (clang), llvm-symbolizer
  libclang-rt-14-dev                            # ASan/UBSan/libFuzzer runtimes for clang
  gcc-multilib                                  # -m32 freestanding guest build with gcc (libgcc for 64-bit division)
  qemu-system-x86                               # the guest runs here (TCG, or KVM when usable)
  grub-pc-bin grub-common xorriso mtools        # make iso (grub-mkrescue)
  libcmocka-dev                                 # host unit tests
  libnl-3-dev libnl-route-3-dev libnl-genl-3-dev # netem backend (tc through libnl-route)
  libmnl-dev                                    # hostgen: mptcp_pm generic netlink
  iproute2 iputils-ping iptables                # namespaces, veth, taps, ping tests
  gnuplot-nox                                   # plots in results/
  mptcpd mptcpize socat ncat sockperf           # real Linux MPTCP peers (mptcpize) and stock tools
  tshark tcpdump python3-scapy                  # wire-level checks, crafted malformed packets
  gdb                                           # make debug
  python3                                       # small test helpers (scapy)
  jq bc                                         # scripts: manifest checks, arithmetic
)

missing=()
for p in "${PKGS[@]}"; do
  # dpkg-query prints "install ok installed" only for a fully installed package.
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  [ "${DEPS_QUIET:-0}" = 1 ] || echo "deps: all ${#PKGS[@]} packages present"
  exit 0
fi

echo "deps: missing: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: not root; run as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root may capture; answer once, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
# apt-get update only when the package lists are absent or older than a day.
stamp=/var/lib/apt/periodic/update-success-stamp
if [ ! -d /var/lib/apt/lists ] || [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
  apt-get update -q || { echo "deps: apt-get update failed" >&2; exit 1; }
fi
: "$stamp"
apt-get install -y -q --no-install-recommends "${missing[@]}" || { echo "deps: apt-get install failed" >&2; exit 1; }
echo "deps: installed ${#missing[@]} packages"
