# bed-report.sh: merges the points of a run into requests.csv, summary.csv, telemetry.csv, plots and manifest.json.
# shellcheck shell=bash disable=SC2034,SC2153  # BED_*/PT_*/GN_* globals are shared by the sourced bed-*.sh files
# Every file is written to a temporary name and renamed, so a reader never sees half a file; the
# whole merge holds a lock, so jobs of an --emit-jobs list may finish in any order.

BED_POINT_COLS="point,target,profiles,extra_delay,extra_loss,sched,seed"

# Value of key $2 in point.env file $1 (bash builtins only: merging spawns few processes).
bed_env() {
  local k v
  while IFS='=' read -r k v; do [ "$k" = "$2" ] && { printf '%s' "$v"; return 0; }; done <"$1"
  return 0
}

# Loads point.env $1 into the associative array PE (no subshells: merging forks little).
bed_load_env() {
  local k v
  declare -gA PE=()
  while IFS='=' read -r k v; do [ -n "$k" ] && PE[$k]=$v; done <"$1"
  return 0
}

# Sets variable $1 to $2 as a CSV field (quoted when it holds a comma or a quote).
bed_csvq_to() {
  case "$2" in *[,\"]*) printf -v "$1" '"%s"' "${2//\"/\"\"}" ;; *) printf -v "$1" '%s' "$2" ;; esac
}

# Replaces $1 with $1.tmp (written by the caller) in one rename.
bed_commit() { mv -f "$1.tmp" "$1"; }

# CSV field: quoted when it holds a comma or a quote.
bed_csvq() {
  case "$1" in *[,\"]*) printf '"%s"' "${1//\"/\"\"}" ;; *) printf '%s' "$1" ;; esac
}

# The point columns of point.env $1, CSV-ready, into variable PREFIX.
bed_point_prefix() {
  local f q
  bed_load_env "$1"
  PREFIX=""
  for f in point target profiles extra_delay extra_loss sched seed; do
    bed_csvq_to q "${PE[$f]:-}"
    PREFIX+="$q,"
  done
  PREFIX=${PREFIX%,}
}

# requests.csv: hostgen's rows with the point's columns in front and the guest's per-request
# figures (COM2 records, decoded to points/<k>/guest.csv with columns id,p2p_ns,hol_ns,
# sched_delay_ns,subflow) joined by request id; empty when the guest gave none.
bed_merge_requests() {
  local run=$1 out=$1/requests.csv d hdr
  hdr=""
  for d in "$run"/points/*/; do
    [ -s "$d/hostgen/requests.csv" ] && { hdr=$(head -n1 "$d/hostgen/requests.csv"); break; }
  done
  [ -n "$hdr" ] || hdr="id,conn,intended_ns,actual_ns,done_ns,latency_ns,send_err_ns,req_bytes,resp_bytes,status,warmup,mismatched_bytes"
  {
    echo "$BED_POINT_COLS,$hdr,p2p_ns,hol_ns,sched_delay_ns,guest_subflow,boosted,pred_err_ns,report_ns"
    for d in $(bed_point_dirs "$run"); do
      [ -s "$d/hostgen/requests.csv" ] || continue
      bed_point_prefix "$d/point.env"
      awk -F, -v pre="$PREFIX" -v g="$d/guest.csv" '
        BEGIN { if ((getline line < g) > 0) { n = split(line, h, ",");
                  for (i = 1; i <= n; i++) col[h[i]] = i
                  while ((getline line < g) > 0) { split(line, f, ",");
                    gv[f[col["id"]]] = f[col["p2p_ns"]] "," f[col["hol_ns"]] "," f[col["sched_delay_ns"]] "," f[col["subflow"]] \
                      "," f[col["boosted"]] "," f[col["pred_err_ns"]] "," f[col["report_ns"]] } } }
        NR > 1 { print pre "," $0 "," (($1 in gv) ? gv[$1] : ",,,,,,") }' "$d/hostgen/requests.csv"
    done
  } >"$out.tmp" && bed_commit "$out"
}

bed_merge_telemetry() {
  local run=$1 out=$1/telemetry.csv d hdr=""
  for d in "$run"/points/*/; do
    [ -s "$d/hostgen/telemetry.csv" ] && { hdr=$(head -n1 "$d/hostgen/telemetry.csv"); break; }
  done
  {
    echo "$BED_POINT_COLS,${hdr:-t_ns}"
    for d in $(bed_point_dirs "$run"); do
      [ -s "$d/hostgen/telemetry.csv" ] || continue
      bed_point_prefix "$d/point.env"
      awk -v pre="$PREFIX" 'NR > 1 { print pre "," $0 }' "$d/hostgen/telemetry.csv"
    done
  } >"$out.tmp" && bed_commit "$out"
}

# Point directories in point order.
bed_point_dirs() {
  local d
  for d in "$1"/points/[0-9]*/; do [ -d "$d" ] && echo "${d%/}"; done | awk -F/ '{ print $NF "\t" $0 }' | sort -n | cut -f2-
}

# Percentile columns (n,p50,p90,p99,p99 CI,p99.9) of column $2 of point dir $1's requests,
# measured rows only (no warm-up; ok or late = timeout, as hostgen's own summary counts them).
bed_pcts() {
  local d=$1 col=$2 src
  PCTS='0,,,,,,'
  if [ "$col" = latency_ns ]; then src=$d/hostgen/requests.csv; else src=$d/.joined.csv; fi
  [ -s "$src" ] && { [ "$col" = latency_ns ] || [ -s "$d/guest.csv" ]; } || return 0
  PCTS=$(awk -F, -v c="$col" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    $h["warmup"] == 0 && ($h["status"] == "ok" || $h["status"] == "timeout") && $h[c] != "" { print $h[c] }' "$src" |
    "$BED_BEDSTAT" summary | awk -F, 'NR == 2 { printf "%s,%s,%s,%s,%s,%s,%s", $1, $4, $5, $6, $7, $8, $9 }')
}

bed_summary_header() {
  local s h=""
  for s in e2e p2p hol; do h+=",${s}_n,${s}_p50_ns,${s}_p90_ns,${s}_p99_ns,${s}_p99_ci_lo_ns,${s}_p99_ci_hi_ns,${s}_p999_ns"; done
  echo "point,status,reason,target,profiles,extra_delay,extra_loss,sched,seed,shaper,accel,target_rate,achieved_rate,completed_rate,requests,measured,errors,timeouts,resets,mismatches,connect_failures${h},fallback,fallback_conns,max_subflows,link0_bytes,link1_bytes,link0_share,link1_share,guest_records,bringup_s,teardown_s,hog_units_per_s,boost_cpu_ns,boosts_refused,records_missing,records_overflow"
}

bed_summary_row() {
  local d=$1 js=$1/hostgen/summary.json st="missing" reason="" f q out hg="" hosts
  [ -f "$d/status" ] && st=$(<"$d/status")
  [[ "$st" == *$'\t'* ]] && { reason=${st#*$'\t'}; st=${st%%$'\t'*}; }
  bed_load_env "$d/point.env"
  bed_csvq_to q "$reason"
  out="${PE[point]:-},$st,$q"
  for f in target profiles extra_delay extra_loss sched seed shaper accel; do bed_csvq_to q "${PE[$f]:-}"; out+=",$q"; done
  # One jq call: rates and errors, fallback, subflows, bytes per link (by each link's host address).
  hosts=${PE[link_hosts]:-}
  local h0=${hosts%%,*} h1=""
  [[ "$hosts" == *,* ]] && { h1=${hosts#*,}; h1=${h1%%,*}; }
  [ -s "$js" ] && hg=$(jq -r --arg h0 "$h0" --arg h1 "$h1" '
      def link(a): [.paths[] | select(a != "" and .local == a) | .bytes_acked + .bytes_received] | add // 0;
      link($h0) as $b0 | link($h1) as $b1 | ($b0 + $b1) as $t |
      ([.target_rate, .achieved_rate, .completed_rate, .requests_total, .requests_measured, .errors.total,
        .errors.timeout, .errors.reset, .errors.mismatch, .errors.connect_failure] | map(tostring) | join(",")) + "|" +
      ([(if .errors.fallback > 0 then 1 else 0 end), .errors.fallback, .max_subflows, $b0, $b1] | map(tostring) | join(",")) + "," +
      (if $t > 0 then "\($b0 / $t * 10000 | round / 10000),\($b1 / $t * 10000 | round / 10000)" else "," end)' "$js" 2>/dev/null)
  if [ -n "$hg" ]; then out+=",${hg%%|*}"; else out+=",$BED_RATE,,,,,,,,,"; fi
  # The guest's per-request figures, joined by id into a scratch file for their percentiles.
  if [ -s "$d/guest.csv" ]; then
    awk -F, -v p="${PE[point]:-}" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; print; next } $h["point"] == p' \
      "${d%/points/*}/requests.csv" >"$d/.joined.csv"
  fi
  for f in latency_ns p2p_ns hol_ns; do bed_pcts "$d" "$f"; out+=",$PCTS"; done
  if [ -n "$hg" ]; then out+=",${hg#*|}"; else out+=",,,,,,,"; fi
  local nrec=0 _l
  [ -s "$d/guest.csv" ] && { mapfile -t _l <"$d/guest.csv"; nrec=$((${#_l[@]} - 1)); }
  out+=",$nrec,${PE[bringup_s]:-},${PE[teardown_s]:-}"
  # The guest's own totals (com2dec's key=value summary, docs/records.md): hog work, Divsa's boosts.
  local g=$d/com2dec.log k
  if [ -s "$g" ]; then
    bed_load_env "$g"
    for k in hog_units_per_s boost_cpu_ns boosts_refused seq_missing ring_overflow; do out+=",${PE[$k]:-}"; done
  else
    out+=",,,,,"
  fi
  rm -f "$d/.joined.csv"
  echo "$out"
}

bed_merge_summary() {
  local run=$1 out=$1/summary.csv d
  { bed_summary_header; for d in $(bed_point_dirs "$run"); do bed_summary_row "$d"; done; } >"$out.tmp" && bed_commit "$out"
}

# Plot inputs: P99 (ms) with its CI against extra delay and loss, one series per other setting.
bed_plots() {
  local run=$1 pd=$1/plots d k
  mkdir -p "$pd/data" || return 1
  : >"$pd/gnuplot.log"
  # P99 with its CI against delay and loss: e2e always, p2p when the guest reported records
  # (files p99_vs_* and p2p_p99_vs_*). Series = the other axes.
  local m pre xt xl ok=0
  rm -f "$pd"/data/*p99_vs_*
  for m in e2e p2p; do
    pre=$([ $m = e2e ] && echo "" || echo "p2p_")
    # x: milliseconds (delay) or percent (loss) when every value is one setting for all links;
    # per-link values ("0ms:20ms") are categories in sweep order, labelled with the value
    # (written as gnuplot xtics to <out>_<axis>.xtics).
    awk -F, -v m="$m" -v out="$pd/data/${pre}p99_vs" '
      function num(t,   u, v) { if (match(t, /(ns|us|ms|s)$/)) { u = substr(t, RSTART); v = substr(t, 1, RSTART - 1) + 0
          return v * ((u == "ns") ? 1e-6 : (u == "us") ? 1e-3 : (u == "ms") ? 1 : 1000) }
        sub(/%$/, "", t); return t + 0 }
      function xof(a, v) { return cat[a] ? idx[a, v] : num(v) }
      FNR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
      $h["status"] != "ok" || $h[m "_p99_ns"] == "" { next }
      NR == FNR { for (a = 1; a <= 2; a++) { v = (a == 1) ? $h["extra_delay"] : $h["extra_loss"]
            if (v ~ /:/) cat[a] = 1
            if (!((a, v) in idx)) { idx[a, v] = nv[a]++; lab[a, nv[a] - 1] = v } }
        next }
      {
        p = $h[m "_p99_ns"]; lo = $h[m "_p99_ci_lo_ns"]; hi = $h[m "_p99_ci_hi_ns"]
        if (lo == "") lo = p
        if (hi == "") hi = p
        row = sprintf("%.6f %.6f %.6f", p / 1e6, lo / 1e6, hi / 1e6)
        sd = $h["profiles"] " " $h["sched"] " loss " $h["extra_loss"] " seed " $h["seed"]
        sl = $h["profiles"] " " $h["sched"] " delay " $h["extra_delay"] " seed " $h["seed"]
        if (!(sd in D)) { nd++; D[sd] = nd; dn[nd] = sd }
        if (!(sl in L)) { nl++; L[sl] = nl; ln[nl] = sl }
        dv[D[sd]] = dv[D[sd]] xof(1, $h["extra_delay"]) " " row "\n"
        lv[L[sl]] = lv[L[sl]] xof(2, $h["extra_loss"]) " " row "\n"
      }
      END {
        for (i = 1; i <= nd; i++) { printf "%s\n\n", dv[i] > (out "_delay.dat"); print dn[i] > (out "_delay.titles") }
        for (i = 1; i <= nl; i++) { printf "%s\n\n", lv[i] > (out "_loss.dat"); print ln[i] > (out "_loss.titles") }
        for (a = 1; a <= 2; a++) { f = out ((a == 1) ? "_delay" : "_loss") ".xtics"; t = ""
          if (cat[a]) for (i = 0; i < nv[a]; i++) { l = lab[a, i]; gsub(/%/, "%%", l); t = t (i ? ", " : "") "\"" l "\" " i }
          printf "%s", t > f }
      }' "$run/summary.csv" "$run/summary.csv"
    for k in delay loss; do
      [ -s "$pd/data/${pre}p99_vs_$k.dat" ] || continue
      # Sort each series by x so lines join neighbours (blocks are separated by two blank lines).
      awk -v RS= '{ n = split($0, r, "\n"); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) { split(r[i], x, " "); split(r[j], y, " "); if (y[1] + 0 < x[1] + 0) { t = r[i]; r[i] = r[j]; r[j] = t } }
        s = ""; for (i = 1; i <= n; i++) s = s r[i] "\n"; printf "%s\n\n", s }' "$pd/data/${pre}p99_vs_$k.dat" >"$pd/data/${pre}p99_vs_$k.sorted"
      xt=$(cat "$pd/data/${pre}p99_vs_$k.xtics" 2>/dev/null)
      if [ -n "$xt" ]; then
        xl=$([ $k = delay ] && echo 'extra one-way delay per direction, link 0 : link 1' || echo 'extra loss per direction, link 0 : link 1')
      else
        xl=$([ $k = delay ] && echo 'extra one-way delay per link (ms)' || echo 'extra loss per link and direction (%)')
      fi
      gnuplot -e "infile='$pd/data/${pre}p99_vs_$k.sorted'; titlefile='$pd/data/${pre}p99_vs_$k.titles'; outbase='$pd/${pre}p99_vs_$k'; ylab='$( [ $m = e2e ] && echo 'P99 end-to-end latency (ms), 95% CI' || echo 'P99 p2p = run - completion (ms), 95% CI')'; xlab='$xl'; xt='$xt'" \
        "$BED_ROOT/scripts/lib/bed-p99.gp" >>"$pd/gnuplot.log" 2>&1 || ok=1
    done
  done
  # CDF of end-to-end latency per point (measured requests), one image per point.
  for d in $(bed_point_dirs "$run"); do
    bed_load_env "$d/point.env"
    k=${PE[point]}
    [ -s "$d/hostgen/requests.csv" ] || continue
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
      $h["warmup"] == 0 && ($h["status"] == "ok" || $h["status"] == "timeout") && $h["latency_ns"] != "" { print $h["latency_ns"] }' \
      "$d/hostgen/requests.csv" | "$BED_BEDSTAT" cdf 500 | awk -F, 'NR > 1 { printf "%.6f %s\n", $1 / 1e6, $2 }' >"$pd/data/cdf-$k.dat"
    [ -s "$pd/data/cdf-$k.dat" ] || continue
    # With guest records, the p2p CDF (run - completion) goes next to the end-to-end one.
    : >"$pd/data/cdf-$k-p2p.dat"
    if [ -s "$d/guest.csv" ]; then
      awk -F, -v p="$k" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        $1 == p && $h["warmup"] == 0 && $h["status"] == "ok" && $h["p2p_ns"] != "" { print $h["p2p_ns"] }' "$run/requests.csv" |
        "$BED_BEDSTAT" cdf 500 | awk -F, 'NR > 1 { printf "%.6f %s\n", $1 / 1e6, $2 }' >"$pd/data/cdf-$k-p2p.dat"
    fi
    gnuplot -e "infile='$pd/data/cdf-$k.dat'; p2pfile='$pd/data/cdf-$k-p2p.dat'; outbase='$pd/cdf-$k'; ttl='point $k: ${PE[profiles]} ${PE[sched]} +${PE[extra_delay]} +${PE[extra_loss]} loss$([[ "${PE[extra_delay]}${PE[extra_loss]}" == *:* ]] && echo ' (link 0:link 1)') seed ${PE[seed]}'" \
      "$BED_ROOT/scripts/lib/bed-cdf.gp" >>"$pd/gnuplot.log" 2>&1 || ok=1
  done
  return $ok
}

# Tool versions and the code revision, for the manifest.
bed_versions_json() {
  local rev dirty qv gv
  rev=$(git -C "$BED_ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
  dirty=$(git -C "$BED_ROOT" status --porcelain 2>/dev/null | head -c1 | wc -c)
  qv=$(qemu-system-i386 --version 2>/dev/null | head -n1)
  gv=$(gcc --version 2>/dev/null | head -n1)
  jq -n --arg rev "$rev" --argjson dirty "$dirty" --arg qemu "$qv" --arg gcc "$gv" \
    --arg gnuplot "$(gnuplot --version 2>/dev/null)" --arg ip "$(ip -V 2>/dev/null)" \
    --arg kernel "$(uname -r)" --arg kver "$(uname -v)" --arg machine "$(uname -m)" \
    --arg hostgen_sha "$(sha256sum "$BED_HOSTGEN" 2>/dev/null | cut -c1-16)" \
    --arg linkem_sha "$(sha256sum "$BED_LINKEM" 2>/dev/null | cut -c1-16)" \
    --arg guest_sha "$(sha256sum "$BED_ELF" 2>/dev/null | cut -c1-16)" \
    '{git_revision: $rev, git_dirty: ($dirty > 0), host_kernel: $kernel, host_kernel_version: $kver, machine: $machine,
      qemu: $qemu, gcc: $gcc, gnuplot: $gnuplot, iproute2: $ip,
      sha256_16: {hostgen: $hostgen_sha, linkem: $linkem_sha, guest_elf: $guest_sha}}'
}

# manifest.json: parameters as given (run.env written at the start), versions, and each point.
bed_manifest() {
  local run=$1 out=$1/manifest.json d pts
  # Every point.env (key=value) plus its status, as "dir<TAB>key<TAB>value" lines for one jq.
  pts=$(for d in $(bed_point_dirs "$run"); do
      awk -v d="$d" '{ i = index($0, "="); if (i) printf "%s\t%s\t%s\n", d, substr($0, 1, i - 1), substr($0, i + 1) }' "$d/point.env"
      awk -v d="$d" -F'\t' 'NR == 1 { printf "%s\tstatus\t%s\n%s\treason\t%s\n", d, $1, d, $2 }' "$d/status" 2>/dev/null
    done | jq -R -s 'split("\n") | map(select(length > 0) | split("\t")) | group_by(.[0]) |
      map(map({(.[1]): (.[2:] | join("\t"))}) | add) | sort_by(.point | tonumber)')
  jq -n --argjson params "$(jq -R -s 'split("\n") | map(select(length > 0) | capture("^(?<k>[^=]+)=(?<v>.*)$") | {(.k): .v}) | add' "$run/run.env")" \
    --argjson versions "$(bed_versions_json)" --argjson points "$pts" \
    --arg created "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --arg mptcp "$(cat /proc/sys/net/mptcp/enabled 2>/dev/null)" \
    '{format: "netsync-bed-manifest-1", created: $created, parameters: $params,
      seeds: ($params.seeds | split(",") | map(tonumber)), host_mptcp_enabled: $mptcp,
      versions: $versions, points: $points,
      files: ["requests.csv", "summary.csv", "telemetry.csv", "plots/", "points/<k>/"]}' >"$out.tmp" && bed_commit "$out"
}

# Final table: P99 per point, with its CI, errors and link share.
bed_table() {
  local run=$1
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i
      printf "%-5s %-20s %-10s %-10s %-6s %-4s %-8s %10s %-21s %10s %7s %-11s\n", "point", "profiles", "delay", "loss", "sched", "seed", "status", "P99 ms", "95% CI ms", "p2p P99", "errors", "share 0/1"; next }
    { # reasons are quoted and may hold commas: re-split only the simple leading fields
      line = $0; q = index(line, "\""); if (q) { e = index(substr(line, q + 1), "\""); line = substr(line, 1, q - 1) "x" substr(line, q + e + 1) }
      split(line, f, ",")
      p99 = (f[h["e2e_p99_ns"]] == "") ? "-" : sprintf("%.2f", f[h["e2e_p99_ns"]] / 1e6)
      ci = (f[h["e2e_p99_ci_lo_ns"]] == "") ? "-" : sprintf("[%.2f, %.2f]", f[h["e2e_p99_ci_lo_ns"]] / 1e6, f[h["e2e_p99_ci_hi_ns"]] / 1e6)
      sh = (f[h["link0_share"]] == "") ? "-" : sprintf("%.2f/%.2f", f[h["link0_share"]], f[h["link1_share"]])
      pp = (f[h["p2p_p99_ns"]] == "") ? "-" : sprintf("%.3f", f[h["p2p_p99_ns"]] / 1e6)
      printf "%-5s %-20s %-10s %-10s %-6s %-4s %-8s %10s %-21s %10s %7s %-11s\n", f[1], f[h["profiles"]], f[h["extra_delay"]], f[h["extra_loss"]], f[h["sched"]], f[h["seed"]], f[2], p99, ci, pp, (f[h["errors"]] == "" ? "-" : f[h["errors"]]), sh }' "$run/summary.csv"
}

# The whole merge, under the run's lock.
bed_report() {
  local run=$1
  (
    flock -w 600 9 || { echo "run-bed: cannot lock $run for merging" >&2; exit 1; }
    bed_merge_requests "$run" && bed_merge_summary "$run" && bed_merge_telemetry "$run" || exit 1
    bed_plots "$run" || echo "run-bed: warning: a plot failed, see $run/plots/gnuplot.log" >&2
    bed_manifest "$run"
  ) 9>"$run/.merge.lock"
}
