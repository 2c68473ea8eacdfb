# bed-args.sh: run-bed.sh's options: defaults, parsing and validation (bad input exits 2, touches nothing).
# shellcheck shell=bash disable=SC2034,SC2153  # BED_*/PT_*/GN_* globals are shared by the sourced bed-*.sh files
# Sourced by scripts/run-bed.sh; every setting lives in a BED_* variable.

BED_ROOT=${BED_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BED_PROFILE_DIR=$BED_ROOT/netem/profiles
BED_HOSTGEN=$BED_ROOT/build/hostgen
BED_LINKEM=$BED_ROOT/build/linkem
BED_SHAPE=$BED_ROOT/build/netsync-shape
BED_BEDSTAT=$BED_ROOT/build/bedstat
BED_ELF=$BED_ROOT/build/netsync.elf
BED_TOPO_TOOL=$BED_ROOT/build/netsync-topo

bed_defaults() {
  BED_MODE=run            # run | up | down | help | merge
  BED_TARGET=auto         # auto | guest | netns
  BED_TARGET_WHY=""
  BED_TOPOLOGY=5g-wifi    # topologies/<name>.topo or a path (docs/topologies.md)
  BED_PROFILES=""         # empty = the topology's own profiles (one sweep value)
  BED_DELAYS="0ms,10ms"
  BED_LOSSES="0%,1%"
  BED_SCHEDS="rr,prio"
  BED_SEEDS="1"
  BED_RATE=""             # empty = 100/s for the guest (TCG on shared cores saturates at a few hundred), 400/s for netns
  BED_REQ_SIZE=256
  BED_RESP_SIZE=4096
  BED_DURATION=5
  BED_WARMUP=1
  BED_CONNS=4
  BED_JOBS=""             # empty = 2 for netns, 1 for guest (one TCG QEMU per core pair)
  BED_OUT=$BED_ROOT/results
  BED_RUN_ID=""
  BED_SHAPER=auto
  BED_ACCEL=auto
  BED_KEEP_GOING=0
  BED_DRY_RUN=0
  BED_EMIT_JOBS=""
  BED_ONLY_POINT=""
  BED_POINT_TIMEOUT=""    # seconds; empty = duration + 90 (TCG boot, bring-up, drain)
  BED_MERGE_DIR=""
  BED_QUIET=0
  BED_GUEST_ARGS=""       # extra kernel command-line words for the guest
  BED_ARGV=()
}

bed_usage() {
  cat <<'EOF'
usage: scripts/run-bed.sh [options]          (make bed BED_ARGS="...": the same options)
  Sweeps profile x delay x loss x scheduler x seed; each point gets its own namespaces,
  shaped links, peer (guest or Linux responder) and a hostgen run; writes results/<run-id>/.
 what and where
  --target auto|guest|netns  peer: the NetSync guest in QEMU, or hostgen's Linux reference
                             responder in a namespace (baseline). auto = guest when the guest
                             build serves requests (has rpcd), else netns (default auto)
  --topology NAME|FILE       links (addresses, NICs, profiles) and guest settings:
                             topologies/NAME.topo (default 5g-wifi: 5G sub-6 + Wi-Fi 6)
  --profiles LIST            sweep over link profiles instead of the topology's: each value
                             P0+P1 (one per link; P = name, or DOWN:UP) from netem/profiles/
  --delay LIST               extra one-way delay per direction, added to each link (0ms,10ms);
                             a value A:B gives link 0 A and link 1 B (0ms:20ms,20ms:0ms)
  --loss LIST                extra random loss per direction, added to each link (0%,1%);
                             per link as for --delay (0%:1%)
  --sched LIST               guest scheduler (rr,prio); the netns target runs Linux: "linux"
  --seeds LIST               seeds for links and hostgen (1)
 load (hostgen)
  --rate R                   open-loop requests/s (guest 100, netns 400)  --conns N  (4)
  --req-size SPEC            request bytes (256)            --resp-size SPEC   (4096)
  --duration S               seconds per point (5)          --warmup S   not measured (1)
 how
  --shaper auto|netem|linkem --accel auto|kvm|tcg   --jobs N  points in parallel
  --timeout S                per-point limit (duration + 90)
  --guest-args "K=V ..."     extra guest kernel command-line words (docs/kernel.md)
  --keep-going               record a failed point and go on (default: stop launching)
  --out DIR                  results root (results)   --run-id ID  (date-time-pid)
  --dry-run                  print the plan and exit   --emit-jobs FILE  one command per point
  --merge DIR                rebuild DIR's CSVs, plots and manifest from its points/
  --quiet                    no progress lines
  --up / --down              interactive bed: namespace, two taps, the guest (idempotent;
                             environment GN_NS, GN_STATE, GN_CMDLINE, GN_MEM, GN_ACCEL,
                             GN_BOOT_WAIT: see scripts/lib/guestnet.sh)
  -h, --help
 LIST = comma-separated values. Exit status: 0 all points ok, 1 a point failed, 2 bad input.
 See docs/bed.md.
EOF
}

bed_die() { echo "run-bed.sh: error: $*" >&2; exit 2; }

# Splits a comma list into the array named $2; refuses empty items.
bed_split() {
  local list=$1 __name=$2 item
  local -a out=()
  [ -n "$list" ] || return 1
  [[ "$list" == *, || "$list" == ,* || "$list" == *,,* ]] && return 1
  IFS=, read -r -a out <<<"$list"
  for item in "${out[@]}"; do [ -n "$item" ] || return 1; done
  eval "$__name=(\"\${out[@]}\")"
}

bed_parse_args() {
  BED_ARGV=("$@")
  while [ $# -gt 0 ]; do
    local opt=$1
    case "$opt" in
      -h|--help) BED_MODE=help; shift; continue ;;
      --up) BED_MODE=up; shift; continue ;;
      --down) BED_MODE=down; shift; continue ;;
      --keep-going) BED_KEEP_GOING=1; shift; continue ;;
      --dry-run) BED_DRY_RUN=1; shift; continue ;;
      --quiet) BED_QUIET=1; shift; continue ;;
      --target|--topology|--profiles|--delay|--loss|--sched|--seeds|--rate|--req-size|--resp-size|--duration|\
      --warmup|--conns|--jobs|--out|--run-id|--shaper|--accel|--emit-jobs|--only-point|--timeout|--merge|--guest-args) ;;
      *) bed_die "unknown option '$opt' (see --help)" ;;
    esac
    [ $# -ge 2 ] || bed_die "option $opt needs a value"
    local v=$2
    shift 2
    case "$opt" in
      --target) BED_TARGET=$v ;;
      --topology) BED_TOPOLOGY=$v ;;
      --profiles) BED_PROFILES=$v ;;
      --delay) BED_DELAYS=$v ;;
      --loss) BED_LOSSES=$v ;;
      --sched) BED_SCHEDS=$v; BED_SCHED_GIVEN=1 ;;
      --seeds) BED_SEEDS=$v ;;
      --rate) BED_RATE=$v ;;
      --req-size) BED_REQ_SIZE=$v ;;
      --resp-size) BED_RESP_SIZE=$v ;;
      --duration) BED_DURATION=$v ;;
      --warmup) BED_WARMUP=$v ;;
      --conns) BED_CONNS=$v ;;
      --jobs) BED_JOBS=$v ;;
      --out) BED_OUT=$v ;;
      --run-id) BED_RUN_ID=$v ;;
      --shaper) BED_SHAPER=$v ;;
      --accel) BED_ACCEL=$v ;;
      --emit-jobs) BED_EMIT_JOBS=$v ;;
      --only-point) BED_ONLY_POINT=$v ;;
      --timeout) BED_POINT_TIMEOUT=$v ;;
      --merge) BED_MODE=merge; BED_MERGE_DIR=$v ;;
      --guest-args) BED_GUEST_ARGS=$v ;;
    esac
  done
}

# Numbers: positive decimal (rate, duration), non-negative (warmup), integers.
bed_is_pos() { [[ "$1" =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v x="$1" 'BEGIN{exit !(x > 0)}'; }
bed_is_nonneg() { [[ "$1" =~ ^[0-9]+(\.[0-9]+)?$ ]]; }
bed_is_uint() { [[ "$1" =~ ^[0-9]+$ ]] && [ "${#1}" -le 18 ]; }
# hostgen's size SPEC grammar (docs/hostgen.md): N | fixed:N | uniform:A:B | exp:MEAN | bimodal:A:B:P.
bed_is_size() {
  [[ "$1" =~ ^([0-9]+|fixed:[0-9]+|uniform:[0-9]+:[0-9]+|exp:[0-9]+(\.[0-9]+)?|bimodal:[0-9]+:[0-9]+:[0-9]*\.?[0-9]+)$ ]]
}
# netem time and percent vocabulary (tc-netem(8) units; docs/profiles.md): 10ms, 500us, 0.5s, 1%.
bed_is_time() { [[ "$1" =~ ^[0-9]+(\.[0-9]+)?(ns|us|ms|s)$ ]]; }
bed_is_pct() { [[ "$1" =~ ^[0-9]+(\.[0-9]+)?%$ ]] && awk -v x="${1%\%}" 'BEGIN{exit !(x <= 100)}'; }
# A --delay/--loss value is one setting for every link, or one per link joined by ':' (link 0
# first: "0ms:20ms"); $2 checks each part. The per-link form must name every link of the
# topology (BED_NLINKS, loaded before). BED_PL_WHY says what is wrong.
bed_check_per_link() {
  local v=$1 chk=$2 part
  local -a parts=()
  BED_PL_WHY="not a valid value"
  if [[ "$v" != *:* ]]; then "$chk" "$v"; return; fi
  [[ "$v" == :* || "$v" == *: || "$v" == *::* ]] && { BED_PL_WHY="empty per-link part"; return 1; }
  IFS=: read -r -a parts <<<"$v"
  [ "${#parts[@]}" -eq "$BED_NLINKS" ] ||
    { BED_PL_WHY="names ${#parts[@]} links; topology $BED_TOPO_NAME has $BED_NLINKS"; return 1; }
  for part in "${parts[@]}"; do "$chk" "$part" || { BED_PL_WHY="bad per-link part '$part'"; return 1; }; done
}

# Link $2's part of a --delay/--loss value $1 (the whole value when it is not per link).
bed_link_part() {
  local -a parts=()
  if [[ "$1" != *:* ]]; then printf '%s' "$1"; return 0; fi
  IFS=: read -r -a parts <<<"$1"
  printf '%s' "${parts[$2]}"
}

# Schedulers the guest registers: its "sched" key's help text lists them (kernel/core/sched.c).
bed_guest_scheds() {
  [ -f "$BED_ELF" ] || return 1
  grep -aoE 'scheduling policy: [a-z0-9 |]+' "$BED_ELF" | head -1 | sed 's/^scheduling policy: //; s/ //g; s/|/ /g'
}

# All checks that need no root and change nothing; the first failure exits 2.
bed_validate() {
  local p l s item known
  case "$BED_TARGET" in auto|guest|netns) ;; *) bed_die "--target must be auto, guest or netns, not '$BED_TARGET'" ;; esac
  case "$BED_SHAPER" in auto|netem|linkem) ;; *) bed_die "--shaper must be auto, netem or linkem, not '$BED_SHAPER'" ;; esac
  case "$BED_ACCEL" in auto|kvm|tcg) ;; *) bed_die "--accel must be auto, kvm or tcg, not '$BED_ACCEL'" ;; esac
  bed_load_topology
  if [ -z "$BED_PROFILES" ]; then
    BED_PROFILE_LIST=("$BED_TOPO_PROFILES")
  else
    bed_split "$BED_PROFILES" BED_PROFILE_LIST || bed_die "malformed --profiles list '$BED_PROFILES'"
  fi
  for p in "${BED_PROFILE_LIST[@]}"; do
    [[ "$p" =~ ^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?(\+[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?){0,3}$ ]] ||
      bed_die "malformed --profiles value '$p' (want P0+P1, P = name or DOWN:UP, names from netem/profiles/)"
    IFS='+:' read -r -a l <<<"$p"
    for s in "${l[@]}"; do
      [ -n "${BED_PROFILE_PATH[$s]:-}" ] || [ -f "$BED_PROFILE_DIR/$s.profile" ] ||
        bed_die "unknown profile '$s' (known: $(cd "$BED_PROFILE_DIR" && ls -- *.profile 2>/dev/null | sed 's/\.profile$//' | tr '\n' ' '))"
    done
    IFS=+ read -r -a l <<<"$p"
    [ "${#l[@]}" -eq "$BED_NLINKS" ] ||
      bed_die "--profiles value '$p' names ${#l[@]} link(s); topology $BED_TOPO_NAME has $BED_NLINKS"
  done
  bed_split "$BED_DELAYS" BED_DELAY_LIST || bed_die "malformed --delay list '$BED_DELAYS'"
  for item in "${BED_DELAY_LIST[@]}"; do
    bed_check_per_link "$item" bed_is_time || bed_die "malformed --delay value '$item' ($BED_PL_WHY; want e.g. 0ms, 500us, 20ms, or per link 0ms:20ms)"
  done
  bed_split "$BED_LOSSES" BED_LOSS_LIST || bed_die "malformed --loss list '$BED_LOSSES'"
  for item in "${BED_LOSS_LIST[@]}"; do
    bed_check_per_link "$item" bed_is_pct || bed_die "malformed --loss value '$item' ($BED_PL_WHY; want e.g. 0%, 0.5%, at most 100%, or per link 0%:1%)"
  done
  bed_split "$BED_SEEDS" BED_SEED_LIST || bed_die "malformed --seeds list '$BED_SEEDS'"
  for item in "${BED_SEED_LIST[@]}"; do bed_is_uint "$item" || bed_die "malformed --seeds value '$item' (want an unsigned integer)"; done
  bed_split "$BED_SCHEDS" BED_SCHED_LIST || bed_die "malformed --sched list '$BED_SCHEDS'"
  [ -n "$BED_RATE" ] || { bed_pick_target; if [ "$BED_TARGET" = guest ]; then BED_RATE=100; else BED_RATE=400; fi; }
  bed_is_pos "$BED_RATE" || bed_die "--rate wants requests/s > 0, got '$BED_RATE'"
  bed_is_pos "$BED_DURATION" || bed_die "--duration wants seconds > 0, got '$BED_DURATION'"
  bed_is_nonneg "$BED_WARMUP" || bed_die "--warmup wants seconds >= 0, got '$BED_WARMUP'"
  awk -v w="$BED_WARMUP" -v d="$BED_DURATION" 'BEGIN{exit !(w < d)}' || bed_die "--warmup must be shorter than --duration"
  bed_is_uint "$BED_CONNS" && [ "$BED_CONNS" -ge 1 ] && [ "$BED_CONNS" -le 4096 ] || bed_die "--conns wants 1..4096, got '$BED_CONNS'"
  bed_is_size "$BED_REQ_SIZE" || bed_die "malformed --req-size '$BED_REQ_SIZE' (N | fixed:N | uniform:A:B | exp:MEAN | bimodal:A:B:P)"
  bed_is_size "$BED_RESP_SIZE" || bed_die "malformed --resp-size '$BED_RESP_SIZE' (N | fixed:N | uniform:A:B | exp:MEAN | bimodal:A:B:P)"
  if [ -n "$BED_JOBS" ]; then bed_is_uint "$BED_JOBS" && [ "$BED_JOBS" -ge 1 ] && [ "$BED_JOBS" -le 64 ] || bed_die "--jobs wants 1..64, got '$BED_JOBS'"; fi
  if [ -n "$BED_POINT_TIMEOUT" ]; then bed_is_uint "$BED_POINT_TIMEOUT" && [ "$BED_POINT_TIMEOUT" -ge 1 ] || bed_die "--timeout wants whole seconds >= 1, got '$BED_POINT_TIMEOUT'"; fi
  if [ -n "$BED_RUN_ID" ]; then [[ "$BED_RUN_ID" =~ ^[A-Za-z0-9_.-]{1,40}$ ]] || bed_die "--run-id wants 1..40 of [A-Za-z0-9_.-], got '$BED_RUN_ID'"; fi
  if [ -n "$BED_ONLY_POINT" ]; then bed_is_uint "$BED_ONLY_POINT" && [ "$BED_ONLY_POINT" -ge 1 ] || bed_die "--only-point wants a point number >= 1, got '$BED_ONLY_POINT'"; fi
  [ -n "$BED_OUT" ] || bed_die "--out wants a directory"
  [[ "$BED_GUEST_ARGS" =~ ^[A-Za-z0-9_.,:=/\ -]*$ ]] && [ "${#BED_GUEST_ARGS}" -le 400 ] ||
    bed_die "--guest-args wants words of [A-Za-z0-9_.,:=/-] (at most 400 characters)"
  bed_pick_target
  if [ "$BED_TARGET" = guest ]; then
    [ -f "$BED_ELF" ] || bed_die "$BED_ELF not found (run: make)"
    known=$(bed_guest_scheds)
    for s in "${BED_SCHED_LIST[@]}"; do
      [[ " $known " == *" $s "* ]] || bed_die "unknown scheduler '$s' (the guest build has: ${known:-none})"
    done
  else
    # Linux schedules the reference responder: the guest scheduler axis does not apply.
    for s in "${BED_SCHED_LIST[@]}"; do
      [[ "$s" =~ ^[a-z0-9]+$ ]] || bed_die "malformed --sched value '$s'"
    done
    BED_SCHED_LIST=(linux)
  fi
  [ -n "$BED_JOBS" ] || { if [ "$BED_TARGET" = guest ]; then BED_JOBS=1; else BED_JOBS=2; fi; }
  [ -n "$BED_POINT_TIMEOUT" ] || BED_POINT_TIMEOUT=$(awk -v d="$BED_DURATION" 'BEGIN{printf "%d", d + 90.999}')
}

# Loads the topology through netsync-topo (which validates it and every profile it names) into
# BED_LINK_* arrays; BED_TOPO_PROFILES is its profiles as a --profiles value.
bed_load_topology() {
  local f=$BED_TOPOLOGY out i d u
  [[ "$f" == */* ]] || f=$BED_ROOT/topologies/$f.topo
  [ -f "$f" ] || bed_die "unknown topology '$BED_TOPOLOGY' (known: $(cd "$BED_ROOT/topologies" 2>/dev/null && ls -- *.topo 2>/dev/null | sed 's/\.topo$//' | tr '\n' ' '))"
  [ -x "$BED_TOPO_TOOL" ] || bed_die "build/netsync-topo missing (run: make)"
  out=$("$BED_TOPO_TOOL" --profile-dir "$BED_PROFILE_DIR" "$f" 2>&1) || bed_die "bad topology: $(head -n1 <<<"$out")"
  BED_TOPO_FILE=$(realpath -- "$f")
  # netsync-topo prints only single-quoted values from a checked alphabet (docs/topologies.md).
  eval "$out" || bed_die "bad topology output from netsync-topo"
  BED_TOPO_NAME=$TOPO_NAME BED_NLINKS=$LINK_COUNT BED_GUEST_MEM=$GUEST_MEMORY_MIB BED_RPC_PORT=$GUEST_RPC_PORT
  BED_LINK_NAME=() BED_LINK_HOST=() BED_LINK_PREFIX=() BED_LINK_GUEST=() BED_LINK_NIC=() BED_LINK_MAC=()
  declare -gA BED_PROFILE_PATH=()
  BED_TOPO_PROFILES=""
  for ((i = 0; i < BED_NLINKS; i++)); do
    eval "BED_LINK_NAME[$i]=\$LINK${i}_NAME BED_LINK_HOST[$i]=\$LINK${i}_HOST_ADDR BED_LINK_PREFIX[$i]=\$LINK${i}_PREFIX"
    eval "BED_LINK_GUEST[$i]=\$LINK${i}_GUEST_ADDR BED_LINK_NIC[$i]=\$LINK${i}_NIC BED_LINK_MAC[$i]=\$LINK${i}_MAC"
    eval "d=\$LINK${i}_DOWN_PROFILE u=\$LINK${i}_UP_PROFILE"
    BED_PROFILE_PATH[$(basename "$d" .profile)]=$d
    BED_PROFILE_PATH[$(basename "$u" .profile)]=$u
    [ $i -gt 0 ] && BED_TOPO_PROFILES+="+"
    BED_TOPO_PROFILES+=$(basename "$d" .profile)
    [ "$d" = "$u" ] || BED_TOPO_PROFILES+=":$(basename "$u" .profile)"
  done
}

# auto: the guest target only when the guest build can answer requests (it links rpcd).
bed_pick_target() {
  [ "$BED_TARGET" = auto ] || { BED_TARGET_WHY=${BED_TARGET_WHY:-asked for}; return 0; }
  if [ -f "$BED_ELF" ] && grep -aq 'rpcd' "$BED_ELF"; then
    BED_TARGET=guest
    BED_TARGET_WHY="auto: the guest build has rpcd"
  else
    BED_TARGET=netns
    BED_TARGET_WHY="auto: the guest build has no request server (rpcd) yet, so hostgen's Linux reference responder is the peer"
  fi
}

# Needs root and the built tools; run only for modes that touch the system.
bed_check_system() {
  [ "$(id -u)" -eq 0 ] || bed_die "needs root (network namespaces, taps); run as root"
  local t missing=()
  for t in ip jq awk gnuplot flock timeout; do command -v "$t" >/dev/null || missing+=("$t"); done
  [ "$BED_TARGET" = guest ] && { command -v qemu-system-i386 >/dev/null || missing+=(qemu-system-i386); }
  [ ${#missing[@]} -eq 0 ] || bed_die "missing tools: ${missing[*]} (run: make deps)"
  for t in "$BED_HOSTGEN" "$BED_LINKEM" "$BED_BEDSTAT"; do
    [ -x "$t" ] || missing+=("${t#"$BED_ROOT"/}")
  done
  [ "$BED_SHAPER" = linkem ] || { [ -x "$BED_SHAPE" ] || missing+=(build/netsync-shape); }
  [ ${#missing[@]} -eq 0 ] || bed_die "missing build outputs: ${missing[*]} (run: make)"
}
