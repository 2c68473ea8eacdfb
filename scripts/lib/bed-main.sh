# bed-main.sh: the sweep driver behind scripts/run-bed.sh: validate, plan, run points in parallel, report.
# shellcheck shell=bash disable=SC2034,SC2153  # BED_*/PT_*/GN_* globals are shared by the sourced bed-*.sh files
# Sourced after bed-args.sh, bed-plan.sh, bed-point.sh, bed-guest.sh and bed-report.sh.

bed_log() { [ "$BED_QUIET" = 1 ] || echo "run-bed: $*"; }

# The shaper this machine can use: auto asks netsync-shape's probe (a throwaway namespace).
bed_pick_shaper() {
  local probe
  if [ "$BED_SHAPER" = linkem ]; then BED_SHAPER_USED=linkem BED_SHAPER_WHY="asked for"; return 0; fi
  probe=$("$BED_SHAPE" --probe 2>&1)
  if grep -q '^BACKEND=netem' <<<"$probe"; then BED_SHAPER_USED=netem; else BED_SHAPER_USED=linkem; fi
  BED_SHAPER_WHY=$(grep -m1 'backend' <<<"$probe" | sed 's/^netsync-shape: //')
  if [ "$BED_SHAPER" = netem ] && [ "$BED_SHAPER_USED" != netem ]; then
    bed_die "--shaper netem: this kernel cannot run tc-netem ($BED_SHAPER_WHY); use --shaper linkem or auto"
  fi
  if [ "$BED_SHAPER_USED" = netem ] && [ "$BED_TARGET" = guest ]; then
    # The guest's uplink arrives on a tap's ingress, where netem would need an ifb device.
    [ "$BED_SHAPER" = netem ] && bed_die "--shaper netem is not available for the guest target (uplink shaping would need ifb); use linkem"
    BED_SHAPER_USED=linkem BED_SHAPER_WHY="auto: the guest target shapes with linkem (tap ingress needs ifb for netem)"
  fi
  [ "$BED_SHAPER" = netem ] && BED_SHAPER_WHY="asked for; $BED_SHAPER_WHY"
  return 0
}

# Parameters as given, one key=value a line (the manifest's "parameters").
bed_write_run_env() {
  local f=$BED_RUNDIR/run.env i
  {
    echo "run_id=$BED_RUN_ID"; echo "command=scripts/run-bed.sh ${BED_ARGV[*]}"
    echo "target=$BED_TARGET"; echo "target_why=$BED_TARGET_WHY"
    echo "topology=$BED_TOPO_NAME"; echo "topology_file=$BED_TOPO_FILE"
    echo "topology_sha256=$(sha256sum "$BED_TOPO_FILE" | cut -c1-16)"
    echo "links=$(for ((i = 0; i < BED_NLINKS; i++)); do printf '%s%s:%s/%s>%s(nic%s)' "$([ $i -gt 0 ] && echo ' ')" "${BED_LINK_NAME[$i]}" "${BED_LINK_HOST[$i]}" "${BED_LINK_PREFIX[$i]}" "${BED_LINK_GUEST[$i]}" "${BED_LINK_NIC[$i]}"; done)"
    echo "link_hosts=$(IFS=,; echo "${BED_LINK_HOST[*]}")"; echo "rpc_port=$BED_RPC_PORT"; echo "guest_memory_mib=$BED_GUEST_MEM"
    echo "profiles=$(IFS=,; echo "${BED_PROFILE_LIST[*]}")"; echo "profiles_from=$([ -n "$BED_PROFILES" ] && echo "--profiles" || echo topology)"; echo "delays=$BED_DELAYS"; echo "losses=$BED_LOSSES"
    echo "scheds=$(IFS=,; echo "${BED_SCHED_LIST[*]}")"; echo "seeds=$BED_SEEDS"
    echo "rate=$BED_RATE"; echo "req_size=$BED_REQ_SIZE"; echo "resp_size=$BED_RESP_SIZE"
    echo "duration_s=$BED_DURATION"; echo "warmup_s=$BED_WARMUP"; echo "conns=$BED_CONNS"
    echo "arrival=poisson"; echo "jobs=$BED_JOBS"; echo "point_timeout_s=$BED_POINT_TIMEOUT"
    echo "shaper=$BED_SHAPER_USED"; echo "shaper_asked=$BED_SHAPER"; echo "shaper_why=$BED_SHAPER_WHY"
    echo "accel=$BED_ACCEL_USED"; echo "accel_asked=$BED_ACCEL"; echo "accel_why=$BED_ACCEL_WHY"
    echo "keep_going=$BED_KEEP_GOING"; echo "points_total=$BED_NPOINTS"; echo "guest_args=$BED_GUEST_ARGS"
    echo "link_seed_rule=seed*16+link"; echo "hostgen_seed_rule=seed"
  } >"$f.tmp" && mv -f "$f.tmp" "$f"
}

# Run-wide cleanup: stop the points' shells, then anything they recorded, then every
# namespace named after this run (covers a point shell that was killed outright).
bed_cleanup_run() {
  local p ns f
  trap - INT TERM
  for p in "${!BED_RUNNING[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${!BED_RUNNING[@]}"; do wait "$p" 2>/dev/null; done
  if [ -n "${BED_STATE:-}" ] && [ -d "$BED_STATE" ]; then
    for f in "$BED_STATE"/*/pids; do
      [ -f "$f" ] || continue
      while read -r p; do kill -KILL "$p" 2>/dev/null; done <"$f"
    done
    # Only this invocation's points: jobs of one --emit-jobs list share the run id and may run
    # side by side, each owning the namespaces of its own point.
    local ks
    ks=$(bed_selected_points | cut -f1 | paste -sd'|')
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^bed-${BED_RUN_ID//./\\.}-($ks)-[csm]\$"); do
      for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
      ip netns del "$ns" 2>/dev/null
    done
    rm -rf "$BED_STATE"
  fi
  return 0
}

bed_on_signal() {
  BED_INTERRUPTED=1
  echo "run-bed: interrupted: stopping points and cleaning up" >&2
  bed_cleanup_run
  if [ -d "${BED_RUNDIR:-}/points" ]; then bed_report "$BED_RUNDIR" 2>/dev/null; fi
  exit 130
}

bed_progress() {
  local done=$1 total=$2 line=$3 now el eta
  now=$(date +%s)
  el=$((now - BED_T0))
  if [ "$done" -gt 0 ]; then eta=$(((el * (total - done) + done - 1) / done)); else eta=-1; fi
  bed_log "[$done/$total] $line  elapsed ${el}s, ETA ${eta}s"
}

# Launches the points, at most BED_JOBS at a time; prints progress as each ends.
bed_run_points() {
  local -a todo
  mapfile -t todo < <(bed_selected_points)
  local total=${#todo[@]} next=0 done=0 pid k st
  declare -gA BED_RUNNING=()
  BED_FAILED=0
  while [ "$next" -lt "$total" ] || [ ${#BED_RUNNING[@]} -gt 0 ]; do
    while [ "$next" -lt "$total" ] && [ ${#BED_RUNNING[@]} -lt "$BED_JOBS" ] &&
      { [ "$BED_FAILED" -eq 0 ] || [ "$BED_KEEP_GOING" = 1 ]; }; do
      k=${todo[$next]%%$'\t'*}
      bed_log "[$done/$total] starting point $k: $(cut -f2- <<<"${todo[$next]}" | tr '\t' ' ')"
      (bed_point_main "${todo[$next]}") &
      BED_RUNNING[$!]=$k
      next=$((next + 1))
    done
    [ ${#BED_RUNNING[@]} -gt 0 ] || break
    wait -n 2>/dev/null
    for pid in "${!BED_RUNNING[@]}"; do
      kill -0 "$pid" 2>/dev/null && continue
      wait "$pid" 2>/dev/null
      k=${BED_RUNNING[$pid]}
      unset "BED_RUNNING[$pid]"
      done=$((done + 1))
      st=$(cat "$BED_RUNDIR/points/$k/status" 2>/dev/null || echo "failed	point shell ended without a status")
      if [ "${st%%$'\t'*}" != ok ]; then
        BED_FAILED=$((BED_FAILED + 1))
        bed_progress "$done" "$total" "point $k FAILED: ${st#*$'\t'}"
      else
        bed_progress "$done" "$total" "point $k ok"
      fi
    done
  done
  BED_NOT_RUN=$((total - next))
}

bed_main() {
  bed_defaults
  bed_parse_args "$@"
  case "$BED_MODE" in
    help) bed_usage; exit 0 ;;
    up|down) bed_updown "$BED_MODE"; exit $? ;;
  esac
  if [ "$BED_MODE" = merge ]; then
    [ -d "$BED_MERGE_DIR/points" ] || bed_die "--merge $BED_MERGE_DIR: no points/ directory there"
    [ -x "$BED_BEDSTAT" ] || bed_die "build/bedstat missing (run: make)"
    BED_RUNDIR=$(cd "$BED_MERGE_DIR" && pwd)
    bed_report "$BED_RUNDIR" && bed_table "$BED_RUNDIR"
    exit $?
  fi
  bed_validate
  [ -n "$BED_RUN_ID" ] || BED_RUN_ID="$(date -u +%Y%m%d-%H%M%S)-$$"
  BED_OUT=$(realpath -m -- "$BED_OUT")
  bed_plan
  if [ -n "$BED_EMIT_JOBS" ]; then bed_emit_jobs "$BED_EMIT_JOBS"; exit 0; fi
  BED_SHAPER_USED=$BED_SHAPER BED_ACCEL_USED=$BED_ACCEL
  if [ "$BED_DRY_RUN" = 1 ]; then bed_print_plan; exit 0; fi
  bed_check_system
  bed_pick_shaper
  BED_ACCEL_USED=none BED_ACCEL_WHY="no QEMU: the netns target"
  [ "$BED_TARGET" = guest ] && bed_pick_accel
  BED_RUNDIR=$BED_OUT/$BED_RUN_ID
  BED_STATE=/tmp/bed-$BED_RUN_ID${BED_ONLY_POINT:+-$BED_ONLY_POINT}
  mkdir -p "$BED_RUNDIR/points" "$BED_STATE" || bed_die "cannot create $BED_RUNDIR"
  [ -w "$BED_RUNDIR" ] || bed_die "cannot write $BED_RUNDIR"
  declare -gA BED_RUNNING=()
  trap bed_cleanup_run EXIT
  trap bed_on_signal INT TERM
  BED_T0=$(date +%s)

  [ -f "$BED_RUNDIR/run.env" ] || bed_write_run_env
  bed_log "run $BED_RUN_ID: target $BED_TARGET ($BED_TARGET_WHY)"
  bed_log "shaper $BED_SHAPER_USED ($BED_SHAPER_WHY); accel $BED_ACCEL_USED ($BED_ACCEL_WHY)"
  [ "$BED_TARGET" = netns ] && [ "${BED_SCHED_GIVEN:-0}" = 1 ] &&
    bed_log "note: --sched does not apply to the netns target (Linux schedules the responder): sched=linux"
  [ "$BED_QUIET" = 1 ] || bed_print_plan | sed -n '2,3p'
  bed_run_points
  bed_log "merging results"
  bed_report "$BED_RUNDIR" || echo "run-bed: error: merging results failed" >&2
  if [ "$BED_QUIET" != 1 ]; then
    echo
    bed_table "$BED_RUNDIR"
    echo
    echo "run-bed: target $BED_TARGET ($BED_TARGET_WHY)"
    echo "run-bed: results in $BED_RUNDIR/: requests.csv summary.csv telemetry.csv manifest.json plots/"
    [ "$BED_NOT_RUN" -gt 0 ] && echo "run-bed: $BED_NOT_RUN point(s) not run after a failure (use --keep-going)"
    local nfb
    nfb=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $h["fallback"] == 1 { c++ } END { print c + 0 }' "$BED_RUNDIR/summary.csv" 2>/dev/null)
    [ "${nfb:-0}" -gt 0 ] && echo "run-bed: note: $nfb point(s) fell back to plain TCP (the peer did not speak MPTCP): one subflow only, see summary.csv 'fallback'"
    echo "run-bed: $(( $(date +%s) - BED_T0 ))s wall, $BED_FAILED failed point(s)"
  fi
  [ "$BED_FAILED" -eq 0 ] && [ "$BED_NOT_RUN" -eq 0 ]
}
