# bed-plan.sh: expands the sweep into numbered points, prints the plan (--dry-run), writes job lists (--emit-jobs).
# shellcheck shell=bash disable=SC2034,SC2153  # BED_*/PT_*/GN_* globals are shared by the sourced bed-*.sh files
# A point is one line "k<TAB>profiles<TAB>delay<TAB>loss<TAB>sched<TAB>seed"; k counts from 1 in sweep order
# profiles x sched x delay x loss x seed, so the same options always give the same numbering.

bed_plan() {
  local p s d l r k=0
  BED_POINTS=()
  for p in "${BED_PROFILE_LIST[@]}"; do
    for s in "${BED_SCHED_LIST[@]}"; do
      for d in "${BED_DELAY_LIST[@]}"; do
        for l in "${BED_LOSS_LIST[@]}"; do
          for r in "${BED_SEED_LIST[@]}"; do
            k=$((k + 1))
            BED_POINTS+=("$k"$'\t'"$p"$'\t'"$d"$'\t'"$l"$'\t'"$s"$'\t'"$r")
          done
        done
      done
    done
  done
  BED_NPOINTS=$k
  if [ -n "$BED_ONLY_POINT" ]; then
    [ "$BED_ONLY_POINT" -le "$k" ] || bed_die "--only-point $BED_ONLY_POINT: the sweep has $k points"
  fi
}

# The points this invocation runs: all, or the one --only-point names.
bed_selected_points() {
  local pt
  for pt in "${BED_POINTS[@]}"; do
    if [ -z "$BED_ONLY_POINT" ] || [ "${pt%%$'\t'*}" = "$BED_ONLY_POINT" ]; then printf '%s\n' "$pt"; fi
  done
}

bed_print_plan() {
  local n
  n=$(bed_selected_points | wc -l)
  echo "run-bed: plan: $n of $BED_NPOINTS point(s), target $BED_TARGET ($BED_TARGET_WHY)"
  echo "run-bed: topology $BED_TOPO_NAME: $BED_NLINKS link(s) $(IFS=' '; echo "${BED_LINK_NAME[*]}"), peer ${BED_LINK_GUEST[0]}:$BED_RPC_PORT"
  echo "run-bed: load: open loop ${BED_RATE}/s for ${BED_DURATION}s (warm-up ${BED_WARMUP}s), $BED_CONNS conns, req $BED_REQ_SIZE B, resp $BED_RESP_SIZE B"
  echo "run-bed: shaper ${BED_SHAPER_USED:-$BED_SHAPER}, accel ${BED_ACCEL_USED:-$BED_ACCEL}, jobs $BED_JOBS, per-point timeout ${BED_POINT_TIMEOUT}s"
  printf '%-5s %-28s %-10s %-10s %-6s %s\n' point profiles delay loss sched seed
  bed_selected_points | while IFS=$'\t' read -r k p d l s r; do
    printf '%-5s %-28s %-10s %-10s %-6s %s\n' "$k" "$p" "$d" "$l" "$s" "$r"
  done
}

# Quotes one word for a POSIX shell line (single quotes, embedded ones escaped).
bed_shq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# One self-contained command per point: same options, fixed run id, --only-point k. Each job
# merges whatever points exist when it ends (under a lock), so after the last job the run
# directory is complete whichever order the jobs ran in.
bed_emit_jobs() {
  local file=$1 tmp line k a skip=0
  local -a keep=()
  for a in "${BED_ARGV[@]}"; do
    if [ "$skip" = 1 ]; then skip=0; continue; fi
    case "$a" in
      --emit-jobs|--run-id|--only-point|--out) skip=1; continue ;;
      --dry-run) continue ;;
    esac
    keep+=("$a")
  done
  tmp=$(mktemp "$file.XXXXXX") || bed_die "cannot write $file"
  {
    echo "# run-bed.sh jobs for run $BED_RUN_ID: $BED_NPOINTS point(s); one command per line (GNU parallel, a Slurm array, or bash)."
    echo "# Results: $BED_OUT/$BED_RUN_ID/ (each job merges the points present when it ends)."
    bed_selected_points | while IFS=$'\t' read -r k _; do
      line="cd $(bed_shq "$BED_ROOT") && bash ${BED_ENTRY:-scripts/run-bed.sh}"
      for a in "${keep[@]}"; do line+=" $(bed_shq "$a")"; done
      line+=" --out $(bed_shq "$BED_OUT") --run-id $(bed_shq "$BED_RUN_ID") --only-point $k --quiet"
      echo "$line"
    done
  } >"$tmp" || { rm -f "$tmp"; bed_die "cannot write $file"; }
  mv -f "$tmp" "$file" || bed_die "cannot write $file"
  echo "run-bed: wrote $(grep -vc '^#' "$file") job(s) to $file (run id $BED_RUN_ID)"
}
