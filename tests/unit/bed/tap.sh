# tap.sh: TAP helpers and run checks shared by the 70-bed-* suites (sourced).
# shellcheck shell=bash disable=SC2016,SC2034  # awk/jq programs single-quoted on purpose; RB is for the suites
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; shift; [ $# -gt 0 ] && echo "#   $*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else nok "$name" "failed: $*"; fi; }
# The driver under test: scripts/run-bed.sh (BED_CMD overrides, e.g. for a work-in-progress copy).
RB=${BED_CMD:-scripts/run-bed.sh}

# Namespaces, linkem, hostgen and QEMU of run id $1 still present? Prints what it finds.
bed_leftovers() {
  local rid=$1
  ip netns list 2>/dev/null | awk '{print $1}' | grep "^bed-$rid-"
  pgrep -af -- "$rid" | grep -v pgrep
  ls -d "/tmp/bed-$rid"* 2>/dev/null
  return 0
}

# Content checks of a finished run directory $1 whose points all ran the netns target with two
# links. Prints TAP lines; $2 = expected number of points.
bed_check_netns_run() {
  local run=$1 np=$2 s=$1/summary.csv
  check "summary.csv: $np rows, all status ok" bash -c "[ \$(tail -n +2 '$s' | wc -l) -eq $np ] && [ \$(tail -n +2 '$s' | cut -d, -f2 | grep -c '^ok$') -eq $np ]"
  local want got
  want=$(cat "$run"/points/*/hostgen/summary.json | jq -s 'map(.requests_total) | add')
  got=$(awk -F, 'NR > 1 && !seen[$1 "," $8]++ { c++ } END { print c + 0 }' "$run/requests.csv")
  check "requests.csv: one row per request ($got unique point,id pairs; hostgen sent $want; $(($(wc -l <"$run/requests.csv") - 1)) rows)" \
    bash -c "[ '$got' = '$want' ] && [ $((got + 1)) -eq \$(wc -l <'$run/requests.csv') ] && [ '$want' -gt 100 ]"
  check "zero errors: every request ok, errors column 0" bash -c "
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[\$i] = i; next } \$h[\"status\"] != \"ok\" { bad++ } END { exit bad > 0 }' '$run/requests.csv' &&
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[\$i] = i; next } \$h[\"errors\"] != 0 || \$h[\"mismatches\"] != 0 { bad++ } END { exit bad > 0 }' '$s'"
  check "both subflows carried data: 2 subflows, link bytes > 0 on both, no fallback" \
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
      !($h["max_subflows"] == 2 && $h["link0_bytes"] > 0 && $h["link1_bytes"] > 0 && $h["fallback"] == 0 && $h["link0_share"] + $h["link1_share"] > 0.99) { bad++ }
      END { exit bad > 0 }' "$s"
  check "percentiles present and ordered: p50 <= p90 <= p99 <= p99.9, CI brackets P99" \
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
      { a = $h["e2e_p50_ns"]; b = $h["e2e_p90_ns"]; c = $h["e2e_p99_ns"]; d = $h["e2e_p999_ns"]; lo = $h["e2e_p99_ci_lo_ns"]; hi = $h["e2e_p99_ci_hi_ns"]
        if (a == "" || lo == "" || !(a > 0 && a <= b && b <= c && c <= d && lo <= c && c <= hi)) bad++ }
      END { exit bad > 0 }' "$s"
  # Independent check: nearest-rank P99 by sort over requests.csv equals summary.csv's, and
  # equals hostgen's own summary (same samples, same definition).
  local k mism=0 mine theirs hg
  [ -s "$s" ] || mism=1
  for k in $(tail -n +2 "$s" | cut -d, -f1); do
    mine=$(awk -F, -v k="$k" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
      $1 == k && $h["warmup"] == 0 && $h["latency_ns"] != "" { print $h["latency_ns"] }' "$run/requests.csv" |
      sort -n | awk '{ v[NR] = $1 } END { r = int(NR * 0.99); if (r < NR * 0.99) r++; print v[r] }')
    theirs=$(awk -F, -v k="$k" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $1 == k { print $h["e2e_p99_ns"] }' "$s")
    hg=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } { print $h["p99_ns"] }' "$run/points/$k/hostgen/summary.csv")
    [ "$mine" = "$theirs" ] && [ "$theirs" = "$hg" ] || { mism=1; echo "#   point $k: sort $mine, summary $theirs, hostgen $hg"; }
  done
  check "P99 per point = nearest-rank over requests.csv = hostgen's own P99" [ "$mism" = 0 ]
  check "manifest.json complete (parameters, seeds, versions, git revision, kernel, shaper, accel, $np points)" jq -e --argjson np "$np" '
    .format == "netsync-bed-manifest-1" and (.parameters | has("profiles") and has("delays") and has("losses") and has("scheds")
      and has("topology") and has("topology_sha256") and has("links") and has("rate") and has("req_size") and has("resp_size") and has("duration_s") and has("shaper") and has("accel") and has("target"))
    and (.seeds | length > 0) and (.versions.git_revision | test("^[0-9a-f]{40}$")) and (.versions.host_kernel | length > 0)
    and (.versions.qemu | length > 0) and (.points | length == $np) and all(.points[]; .status == "ok" and (.seed | length > 0))' "$run/manifest.json"
  local hosts h0 h1
  hosts=$(jq -r .parameters.link_hosts "$run/manifest.json" 2>/dev/null)
  h0=${hosts%%,*} h1=${hosts#*,}
  check "telemetry.csv: rows for every point on both links ($h0, $h1)" bash -c "
    [ -s '$s' ] && [ -n '$h0' ] && [ '$h0' != '$h1' ] || exit 1
    for k in \$(tail -n +2 '$s' | cut -d, -f1); do
      grep -q \"^\$k,.*,$h0:\" '$run/telemetry.csv' && grep -q \"^\$k,.*,$h1:\" '$run/telemetry.csv' || exit 1
    done"
  check "plots: P99 vs delay and vs loss, a CDF per point (PNG and SVG, non-empty)" bash -c "
    for f in p99_vs_delay p99_vs_loss \$(tail -n +2 '$s' | cut -d, -f1 | sed 's/^/cdf-/'); do
      [ -s '$run'/plots/\$f.png ] && [ -s '$run'/plots/\$f.svg ] || exit 1
    done"
}
