# bed-point.sh: runs one sweep point in its own namespaces: shaped links, the peer, hostgen; always cleans up.
# shellcheck shell=bash disable=SC2034,SC2153  # BED_*/PT_*/GN_* globals are shared by the sourced bed-*.sh files
# Layout: link i (0-based) joins the topology's host end BED_LINK_HOST[i] (tap h<i>) to its guest
# address BED_LINK_GUEST[i], which the netns target's responder takes (tap g<i>), so hostgen's
# command is the same for both targets.
# State (pids, sockets) lives in $BED_STATE/<k>/, outputs in $BED_RUNDIR/points/<k>/.

# Records a pid so the run's cleanup can find it even if this point's shell dies.
bed_track() { echo "$1" >>"$PT_STATE/pids"; }

# Per-netns MPTCP sysctls only (never the root namespace's).
bed_ns_sysctls() {
  local ns=$1
  ip netns exec "$ns" sysctl -qw net.mptcp.enabled=1 || return 1
  # Kernel path manager (pm_type 0, Documentation/networking/mptcp-sysctl.rst): hostgen pm drives it.
  ip netns exec "$ns" sysctl -qw net.mptcp.pm_type=0 2>/dev/null || true
  # 6.12+: after a dropped MP_CAPABLE SYN the kernel would disable MPTCP in this netns for
  # blackhole_timeout seconds (mptcp-sysctl.rst); a sweep point with loss must not trip that.
  if ip netns exec "$ns" test -e /proc/sys/net/mptcp/blackhole_timeout; then
    ip netns exec "$ns" sysctl -qw net.mptcp.blackhole_timeout=0 || return 1
  fi
  # Likewise a connection whose SYN + MP_CAPABLE went unanswered twice (a lost SYN, a peer
  # still booting) would drop MPTCP by itself (syn_retrans_before_tcp_fallback, default 2): the
  # bed measures MPTCP, so let SYNs keep their MP_CAPABLE (255 is the sysctl's maximum).
  if ip netns exec "$ns" test -e /proc/sys/net/mptcp/syn_retrans_before_tcp_fallback; then
    ip netns exec "$ns" sysctl -qw net.mptcp.syn_retrans_before_tcp_fallback=255 || return 1
  fi
}

bed_ns_add() {
  local ns=$1
  echo "$ns" >>"$PT_STATE/netns"
  ip netns add "$ns" || return 1
  ip -n "$ns" link set lo up || return 1
  bed_ns_sysctls "$ns"
}

# Waits up to $2 tenths of a second for command "$3..." to succeed.
bed_wait_for() {
  local what=$1 tenths=$2 i
  shift 2
  for ((i = 0; i < tenths; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  PT_REASON="timed out waiting for $what"
  return 1
}

bed_link_up_in() { ip -n "$1" link show "$2" 2>/dev/null | grep -q '<[^>]*,UP'; }

# Starts linkem for link i in namespace $1 with host end tap:h<i> and guest end $3 (tap:g<i>
# or unix:...). Profile, this link's part of the extra delay/loss and a per-link seed come from the point.
bed_linkem_start() {
  local ns=$1 i=$2 guest_ep=$3
  ip netns exec "$ns" "$BED_LINKEM" --host "tap:h$i" --guest "$guest_ep" \
    --down "${PT_DOWN[$i]}" --up "${PT_UP[$i]}" --extra-delay "$(bed_link_part "$PT_DELAY" "$i")" \
    --extra-loss "$(bed_link_part "$PT_LOSS" "$i")" --seed $((PT_SEED * 16 + i)) --ctl "$PT_STATE/lk$i.ctl" --quiet \
    >"$PT_DIR/linkem$i.counters" 2>"$PT_DIR/linkem$i.log" &
  PT_LINKEM[$i]=$!
  bed_track "${PT_LINKEM[$i]}"
}

# netns target, linkem shaper: one linkem per link owns both taps; the peer-side tap is moved
# into the server namespace (a tap's file descriptor stays attached across a netns move).
bed_netns_links_linkem() {
  local i
  for ((i = 0; i < PT_NLINKS; i++)); do
    bed_linkem_start "$PT_NS_C" "$i" "tap:g$i"
    # linkem brings both taps up once it holds them: only then may g<i> move.
    bed_wait_for "linkem link $i taps" 100 bed_link_up_in "$PT_NS_C" "g$i" || {
      PT_REASON="linkem for link $i did not start: $(head -c 200 "$PT_DIR/linkem$i.log")"; return 1; }
    ip -n "$PT_NS_C" link set "g$i" netns "$PT_NS_S" || { PT_REASON="cannot move tap g$i"; return 1; }
  done
}

# netns target, tc-netem shaper: each link is a bridge in a middle namespace, netem on the
# egress of its port towards the server (downlink) and towards the client (uplink).
bed_netns_links_netem() {
  local i
  bed_ns_add "$PT_NS_M" || { PT_REASON="cannot create namespace $PT_NS_M"; return 1; }
  for ((i = 0; i < PT_NLINKS; i++)); do
    ip -n "$PT_NS_M" link add "br$i" type bridge &&
      ip -n "$PT_NS_M" link add "mc$i" type veth peer name "h$i" netns "$PT_NS_C" &&
      ip -n "$PT_NS_M" link add "ms$i" type veth peer name "g$i" netns "$PT_NS_S" &&
      ip -n "$PT_NS_M" link set "mc$i" master "br$i" && ip -n "$PT_NS_M" link set "ms$i" master "br$i" &&
      ip -n "$PT_NS_M" link set "br$i" up && ip -n "$PT_NS_M" link set "mc$i" up &&
      ip -n "$PT_NS_M" link set "ms$i" up || { PT_REASON="cannot build bridge for link $i"; return 1; }
    ip netns exec "$PT_NS_M" "$BED_SHAPE" --backend netem --down "${PT_DOWN[$i]}" --up "${PT_UP[$i]}" \
      --extra-delay "$(bed_link_part "$PT_DELAY" "$i")" --extra-loss "$(bed_link_part "$PT_LOSS" "$i")" --dev-down "ms$i" --dev-up "mc$i" \
      >"$PT_DIR/netem$i.log" 2>&1 || { PT_REASON="netsync-shape failed on link $i: $(tail -n1 "$PT_DIR/netem$i.log")"; return 1; }
  done
}

bed_addr_links() {
  local i
  for ((i = 0; i < PT_NLINKS; i++)); do
    ip -n "$PT_NS_C" addr add "${BED_LINK_HOST[$i]}/${BED_LINK_PREFIX[$i]}" dev "h$i" && ip -n "$PT_NS_C" link set "h$i" up || {
      PT_REASON="cannot address h$i"; return 1; }
    if [ -n "${PT_NS_S:-}" ]; then
      ip -n "$PT_NS_S" addr add "${BED_LINK_GUEST[$i]}/${BED_LINK_PREFIX[$i]}" dev "g$i" && ip -n "$PT_NS_S" link set "g$i" up || {
        PT_REASON="cannot address g$i"; return 1; }
    fi
  done
}

# MPTCP limits and endpoints through hostgen's mptcp_pm netlink code: the client accepts the
# server's ADD_ADDR and opens one more subflow per link; the server signals its other addresses.
bed_pm_setup() {
  # One extra subflow and one accepted ADD_ADDR per further link; at least 2 (hostgen pm limits).
  local lim=$((PT_NLINKS > 3 ? PT_NLINKS - 1 : 2))
  ip netns exec "$PT_NS_C" "$BED_HOSTGEN" pm limits "$lim" "$lim" >>"$PT_DIR/pm.log" 2>&1 || { PT_REASON="hostgen pm limits failed (client)"; return 1; }
  [ -n "${PT_NS_S:-}" ] || return 0
  ip netns exec "$PT_NS_S" "$BED_HOSTGEN" pm limits "$lim" "$lim" >>"$PT_DIR/pm.log" 2>&1 || { PT_REASON="hostgen pm limits failed (server)"; return 1; }
  local i
  for ((i = 1; i < PT_NLINKS; i++)); do
    ip netns exec "$PT_NS_S" "$BED_HOSTGEN" pm add "${BED_LINK_GUEST[$i]}" id $((i + 1)) signal >>"$PT_DIR/pm.log" 2>&1 || {
      PT_REASON="hostgen pm add failed (server)"; return 1; }
  done
}

bed_responder_start() {
  ip netns exec "$PT_NS_S" "$BED_HOSTGEN" --serve --port "$BED_RPC_PORT" --ready-file "$PT_STATE/ready" >"$PT_DIR/responder.log" 2>&1 &
  PT_RESPONDER=$!
  bed_track "$PT_RESPONDER"
  bed_wait_for "the responder" 100 test -s "$PT_STATE/ready" || { PT_REASON="responder did not start: $(tail -n1 "$PT_DIR/responder.log")"; return 1; }
}

# Runs hostgen in the client namespace (in the background, so signals reach our trap at once).
bed_hostgen_run() {
  local left=$1
  ip netns exec "$PT_NS_C" timeout --kill-after=5 "$left" "$BED_HOSTGEN" --server "${BED_LINK_GUEST[0]}" --port "$BED_RPC_PORT" \
    --out "$PT_DIR/hostgen" --rate "$BED_RATE" --duration "$BED_DURATION" --warmup "$BED_WARMUP" \
    --conns "$BED_CONNS" --req-size "$BED_REQ_SIZE" --resp-size "$BED_RESP_SIZE" --seed "$PT_SEED" \
    --quiet >"$PT_DIR/hostgen.out" 2>"$PT_DIR/hostgen.log" &
  PT_HOSTGEN=$!
  bed_track "$PT_HOSTGEN"
  wait "$PT_HOSTGEN"
  PT_HG_RC=$?
  PT_HOSTGEN=""
}

# Judges hostgen's outcome: failed when it timed out, wrote no summary, or lost its connections.
bed_hostgen_verdict() {
  local js=$PT_DIR/hostgen/summary.json partial reason
  if [ "$PT_HG_RC" -eq 124 ] || [ "$PT_HG_RC" -eq 137 ]; then
    PT_REASON="timeout: hostgen did not finish within the point's ${BED_POINT_TIMEOUT}s"; return 1; fi
  if [ ! -s "$js" ] || ! jq -e . "$js" >/dev/null 2>&1; then
    PT_REASON="hostgen error (exit $PT_HG_RC): $(head -n1 "$PT_DIR/hostgen.log" | head -c 200)"; return 1; fi
  partial=$(jq -r .partial "$js")
  if [ "$partial" = true ]; then
    reason=$(jq -r .partial_reason "$js")
    PT_REASON="hostgen: $reason ($(jq -r '"\(.errors.connect_failure) connect failures, \(.requests_total) requests"' "$js"))"
    return 1
  fi
  return 0
}

# Stops what this point started (TERM, then KILL) and removes its namespaces; idempotent.
bed_point_cleanup() {
  local p ns
  [ -f "$PT_STATE/pids" ] || return 0
  # A pid that leads its own process group (setsid) takes its children with it.
  while read -r p; do kill -TERM -- "-$p" 2>/dev/null; kill -TERM "$p" 2>/dev/null; done <"$PT_STATE/pids"
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    local alive=0
    while read -r p; do kill -0 "$p" 2>/dev/null && alive=1; done <"$PT_STATE/pids"
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  while read -r p; do kill -KILL -- "-$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done <"$PT_STATE/pids"
  wait 2>/dev/null
  if [ -f "$PT_STATE/netns" ]; then
    while read -r ns; do
      for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
      ip netns del "$ns" 2>/dev/null
    done <"$PT_STATE/netns"
  fi
  : >"$PT_STATE/pids"
}

# Writes the point's status atomically: "ok" or "failed<TAB>reason".
bed_point_status() {
  local tmp=$PT_DIR/.status.$$
  if [ -z "$PT_REASON" ]; then echo ok >"$tmp"; else printf 'failed\t%s\n' "$PT_REASON" | tr -d '\r' >"$tmp"; fi
  mv -f "$tmp" "$PT_DIR/status"
}

bed_point_env() {
  local tmp=$PT_DIR/.point.$$ i
  {
    echo "point=$PT_K"; echo "target=$BED_TARGET"; echo "profiles=$PT_PROFILES"; echo "extra_delay=$PT_DELAY"
    echo "extra_loss=$PT_LOSS"; echo "sched=$PT_SCHED"; echo "seed=$PT_SEED"; echo "shaper=$BED_SHAPER_USED"
    echo "accel=$BED_ACCEL_USED"; echo "topology=$BED_TOPO_NAME"
    # What each link really got (link 0 first), whichever form --delay/--loss used.
    echo "link_extra_delay=$(for ((i = 0; i < PT_NLINKS; i++)); do printf '%s%s' "$([ $i -gt 0 ] && echo ,)" "$(bed_link_part "$PT_DELAY" "$i")"; done)"
    echo "link_extra_loss=$(for ((i = 0; i < PT_NLINKS; i++)); do printf '%s%s' "$([ $i -gt 0 ] && echo ,)" "$(bed_link_part "$PT_LOSS" "$i")"; done)"
    echo "link_hosts=$(IFS=,; echo "${BED_LINK_HOST[*]:0:$PT_NLINKS}")"; echo "netns=$PT_NS_C${PT_NS_S:+ $PT_NS_S}${PT_NS_M:+ $PT_NS_M}"
  } >"$tmp" && mv -f "$tmp" "$PT_DIR/point.env"
}

# The netns target: client ns, server ns (and a middle ns for netem), Linux MPTCP both ends.
bed_point_netns() {
  bed_ns_add "$PT_NS_C" && bed_ns_add "$PT_NS_S" || { PT_REASON="cannot create namespaces"; return 1; }
  if [ "$BED_SHAPER_USED" = netem ]; then bed_netns_links_netem || return 1
  else bed_netns_links_linkem || return 1; fi
  bed_addr_links && bed_pm_setup && bed_responder_start || return 1
  # One ping resolves ARP before the clock starts; not a gate: a 100%-loss point must reach
  # hostgen, whose connect failures are the recorded reason.
  ip netns exec "$PT_NS_C" ping -c1 -W1 "${BED_LINK_GUEST[0]}" >/dev/null 2>&1
  PT_T_UP=$(date +%s.%N)
  bed_hostgen_run "$BED_POINT_TIMEOUT"
  PT_T_DONE=$(date +%s.%N)
  bed_hostgen_verdict
}

# Runs point "k<TAB>profiles<TAB>delay<TAB>loss<TAB>sched<TAB>seed"; the subshell's exit status is 0/1.
bed_point_main() {
  IFS=$'\t' read -r PT_K PT_PROFILES PT_DELAY PT_LOSS PT_SCHED PT_SEED <<<"$1"
  IFS=+ read -r -a PT_PROFS <<<"$PT_PROFILES"
  PT_NLINKS=${#PT_PROFS[@]}
  # Each link's profile files: NAME for both directions, or DOWN:UP.
  local i dn up
  PT_DOWN=() PT_UP=()
  for ((i = 0; i < PT_NLINKS; i++)); do
    dn=${PT_PROFS[$i]%%:*} up=${PT_PROFS[$i]#*:}
    PT_DOWN[$i]=${BED_PROFILE_PATH[$dn]:-$BED_PROFILE_DIR/$dn.profile}
    PT_UP[$i]=${BED_PROFILE_PATH[$up]:-$BED_PROFILE_DIR/$up.profile}
  done
  PT_DIR=$BED_RUNDIR/points/$PT_K
  PT_STATE=$BED_STATE/$PT_K
  PT_NS_C="bed-$BED_RUN_ID-$PT_K-c" PT_NS_S="" PT_NS_M="" PT_REASON="" PT_HOSTGEN="" PT_HG_RC=0
  rm -rf "$PT_DIR" "$PT_STATE"
  mkdir -p "$PT_DIR" "$PT_STATE" || exit 1
  : >"$PT_STATE/pids"
  trap 'bed_point_cleanup' EXIT
  trap 'PT_REASON=${PT_REASON:-interrupted by a signal}; bed_point_status; bed_point_cleanup; [ "$BED_TARGET" = guest ] && bed_guest_collect; exit 130' INT TERM
  [ "$BED_TARGET" = netns ] && PT_NS_S="bed-$BED_RUN_ID-$PT_K-s"
  [ "$BED_SHAPER_USED" = netem ] && PT_NS_M="bed-$BED_RUN_ID-$PT_K-m"
  bed_point_env
  local t0 t1
  t0=$(date +%s.%N)
  PT_T_UP=$t0 PT_T_DONE=$t0
  if [ "$BED_TARGET" = guest ]; then bed_point_guest; else bed_point_netns; fi
  bed_point_cleanup
  [ "$BED_TARGET" = guest ] && bed_guest_collect
  t1=$(date +%s.%N)
  # Overhead = bring-up (start -> traffic) + tear-down (traffic end -> clean): the benchmark figure.
  awk -v a="$t0" -v b="$PT_T_UP" -v c="$PT_T_DONE" -v d="$t1" \
    'BEGIN{printf "bringup_s=%.3f\nteardown_s=%.3f\nwall_s=%.3f\n", b-a, d-c, d-a}' >>"$PT_DIR/point.env"
  bed_point_status
  [ -z "$PT_REASON" ]
}
