# mptcp_lib.sh: shared steps of the MPTCP benches 60-mptcp-tap and 61-mptcp-guest (sourced, not run).
# The caller sets MPB_NS (namespace), MPB_WORK (scratch dir), MPB_HOST_IP / MPB_SRV_IP (arrays: path
# A, path B), MPB_TAP (host-side taps), MPB_BENCH (name prefix of the JSON lines), MPB_EXTRA (JSON
# object fields added to every line, e.g. '"accel":"tcg"'), then calls the mpb_* functions.
# shellcheck shell=bash

MPB_DISCARD_PORT=${MPB_DISCARD_PORT:-9} # RFC 863 discard
MPB_RPC_PORT=${MPB_RPC_PORT:-7100}      # rpcd, docs/protocol.md
MPB_EXTRA=${MPB_EXTRA:-}
MPB_FAILED=0 # runs that failed (the lines count them; the bench's exit status reports them)

mpb_in() { ip netns exec "$MPB_NS" "$@"; }

# The host's 1-minute load average goes into every line: on a shared machine it explains spread.
mpb_load() { cut -d' ' -f1 /proc/loadavg; }

# Numbers on stdin -> JSON object {"median":..,"min":..,"max":..,"n":..}; null fields when empty.
mpb_stats() {
    sort -g | awk '{ a[NR] = $1 }
        END {
            if (NR == 0) { print "{\"median\":null,\"min\":null,\"max\":null,\"n\":0}"; exit }
            m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
            printf "{\"median\":%.6g,\"min\":%.6g,\"max\":%.6g,\"n\":%d}\n", m, a[1], a[NR], NR
        }'
}

# Per-netns MPTCP settings of the client side (the reference notes: add_addr_accepted defaults to
# 0, so a server's ADD_ADDR is ignored unless raised; blackhole detection off for short runs).
mpb_sysctls() {
    mpb_in sysctl -qw net.mptcp.enabled=1 net.mptcp.pm_type=0 net.mptcp.checksum_enabled=0 || return 1
    mpb_in sysctl -qw net.mptcp.blackhole_timeout=0 2>/dev/null || true
    # Linux drops MP_CAPABLE from a SYN sent a third time (default 2): not under test here.
    mpb_in sysctl -qw net.mptcp.syn_retrans_before_tcp_fallback=255 2>/dev/null || true
}

# mpb_limits 2path|1path|tcp: the client's path-manager limits for the next connections. One path =
# MPTCP with no additional subflow and no ADD_ADDR accepted (the initial subflow on path A only).
mpb_limits() {
    case $1 in
    2path) mpb_in ip mptcp limits set subflows 2 add_addr_accepted 2 ;;
    1path | tcp) mpb_in ip mptcp limits set subflows 0 add_addr_accepted 0 ;;
    *) echo "mpb_limits: unknown mode $1" >&2 && return 1 ;;
    esac
}

# mpb_shape DEV MBIT: token bucket on the host side of a tap, i.e. on the Linux -> server direction
# (tc-tbf(8)). Bucket: 10 ms of the rate, at least 32 KiB (it must hold rate/HZ); queue: 50 ms.
# MBIT 0 leaves the link unshaped.
mpb_shape() {
    local dev=$1 mbit=$2 burst
    mpb_in tc qdisc del dev "$dev" root 2>/dev/null
    [ "$mbit" = 0 ] && return 0
    burst=$((mbit * 1000000 / 8 / 100))
    [ "$burst" -lt 32768 ] && burst=32768
    mpb_in tc qdisc add dev "$dev" root tbf rate "${mbit}mbit" burst "$burst" latency 50ms
}

# MPTcpExt counters (absolute, this namespace only) into a file.
mpb_nstat_snap() { mpb_in nstat -az 2>/dev/null | awk '$1 ~ /^MPTcpExt/ { print $1, $2 }' >"$1"; }
# mpb_nstat_delta BEFORE AFTER: JSON object of the counters that moved, which tell whether the
# connection was MPTCP from the client kernel's side (MPCapableSYNACKRX: the server's SYN/ACK carried
# MP_CAPABLE; MPJoinSynAckRx: joins; MPCapableFallback*: fell back to TCP).
mpb_nstat_delta() {
    awk 'NR == FNR { b[$1] = $2; next }
        { d = $2 - b[$1]; if (d != 0) { sub("^MPTcpExt", "", $1); o = o (o ? "," : "") "\"" $1 "\":" d } }
        END { print "{" o "}" }' "$1" "$2"
}

# mpb_share KEY PREFIX FILE...: per file, the share of bytes_acked in the array KEY whose .local
# starts with PREFIX (a path's host address); then their median/min/max. Files with no bytes count
# for nothing (a plain TCP run has no subflow list).
mpb_share() {
    local key=$1 ip=$2
    shift 2
    jq -r --arg k "$key" --arg ip "$ip" '([.[$k][].bytes_acked] | add // 0) as $t
        | if $t > 0 then ([.[$k][] | select((.local // "") | startswith($ip)) | .bytes_acked] | add // 0) / $t
          else empty end' "$@" | mpb_stats
}

# mpb_goodput_run MODE RUN BYTES TIMEOUT: one discard transfer from path A's host address; writes
# $MPB_WORK/gp-MODE-RUN.json (the client's line plus "nstat" deltas), or gp-MODE-RUN.fail.
mpb_goodput_run() {
    local mode=$1 run=$2 bytes=$3 tmo=$4 f=$MPB_WORK/gp-$1-$2 flag=()
    [ "$mode" = tcp ] && flag=(--tcp)
    mpb_limits "$mode" || { MPB_FAILED=$((MPB_FAILED + 1)) && return 1; }
    mpb_nstat_snap "$f.n0"
    if mpb_in timeout $((tmo + 15)) python3 tests/bench/mptcp_sink.py "${MPB_SRV_IP[0]}" \
        "$MPB_DISCARD_PORT" "$bytes" "${flag[@]}" --timeout "$tmo" >"$f.out" 2>"$f.err"; then
        mpb_nstat_snap "$f.n1"
        jq -c --argjson n "$(mpb_nstat_delta "$f.n0" "$f.n1")" '. + {nstat: $n}' "$f.out" >"$f.json"
    else
        mpb_nstat_snap "$f.n1"
        echo "mpb: goodput run $mode/$run failed: $(tail -n 1 "$f.err")" >&2
        : >"$f.fail"
        MPB_FAILED=$((MPB_FAILED + 1))
    fi
}

# mpb_goodput_line MODE RUNS WHAT: one JSON line summarising the runs of MODE. Figures: goodput
# (Mbit/s, median/min/max), runs the client kernel ran as MPTCP (MPTCP_INFO, no fallback flag),
# runs where two subflows both carried data, the median share of subflow-acked bytes on each path
# (by the subflow's local address), and the summed nstat deltas.
mpb_goodput_line() {
    local mode=$1 runs=$2 what=$3 files=() r
    for r in $(seq "$runs"); do [ -f "$MPB_WORK/gp-$mode-$r.json" ] && files+=("$MPB_WORK/gp-$mode-$r.json"); done
    local failed=$((runs - ${#files[@]})) gp shareA shareB mp two nst
    if [ ${#files[@]} -eq 0 ]; then
        gp=$(mpb_stats </dev/null) shareA=$gp shareB=$gp mp=0 two=0 nst='{}'
    else
        gp=$(jq -r .mbit_s "${files[@]}" | mpb_stats)
        mp=$(jq -s '[.[] | select(.mptcp == true and .fallback == false)] | length' "${files[@]}")
        two=$(jq -s '[.[] | select([.subflows[] | select(.bytes_acked > 0)] | length >= 2)] | length' "${files[@]}")
        shareA=$(mpb_share subflows "${MPB_HOST_IP[0]}:" "${files[@]}")
        shareB=$(mpb_share subflows "${MPB_HOST_IP[1]}:" "${files[@]}")
        nst=$(jq -s -c 'map(.nstat) | reduce .[] as $o ({}; reduce ($o | to_entries[]) as $e (.; .[$e.key] += $e.value))' "${files[@]}")
    fi
    jq -cn --arg bench "$MPB_BENCH-goodput" --arg mode "$mode" --arg what "$what" \
        --argjson gp "$gp" --argjson a "$shareA" --argjson b "$shareB" --argjson mp "$mp" \
        --argjson two "$two" --argjson nst "$nst" --argjson runs "$runs" --argjson failed "$failed" \
        --argjson load "$(mpb_load)" --argjson extra "{$MPB_EXTRA}" \
        '{bench: $bench, mode: $mode, what: $what, runs: $runs, failed_runs: $failed,
          median_mbit_s: $gp.median, min_mbit_s: $gp.min, max_mbit_s: $gp.max,
          mptcp_runs: $mp, two_subflow_runs: $two,
          median_share_path_a: $a.median, median_share_path_b: $b.median,
          nstat_mptcpext: $nst, loadavg: $load} + $extra'
}

# mpb_rpc_run MODE RUN CONNS OUTSTANDING SECS: hostgen closed loop against rpcd (64-byte requests
# and responses, docs/protocol.md); writes $MPB_WORK/rpc-MODE-RUN/summary.json (or .fail).
mpb_rpc_run() {
    local mode=$1 run=$2 d=$MPB_WORK/rpc-$1-$2 flag=()
    [ "$mode" = tcp ] && flag=(--tcp)
    mpb_limits "$mode" || { MPB_FAILED=$((MPB_FAILED + 1)) && : >"$d.fail" && return 1; }
    mpb_in ./build/hostgen --server "${MPB_SRV_IP[0]}" --port "$MPB_RPC_PORT" "${flag[@]}" \
        --closed "$4" --conns "$3" --duration "$5" --req-size 64 --resp-size 64 --seed "$run" \
        --out "$d" --quiet >"$d.log" 2>&1
    local rc=$?
    # Exit 1 = results written but with errors: those are counted in the line, not dropped.
    if [ $rc -gt 1 ] || [ ! -s "$d/summary.json" ]; then
        echo "mpb: hostgen run $mode/$run failed (status $rc): $(tail -n 1 "$d.log")" >&2
        : >"$d.fail"
        MPB_FAILED=$((MPB_FAILED + 1))
    fi
}

# mpb_rpc_line MODE RUNS WHAT: completed requests/s and latency P50/P99 (µs, from the intended send
# time; closed loop, so that is the completion of the previous request), medians over the runs;
# errors and fallback connections summed; largest subflow count; median share of bytes on path A.
mpb_rpc_line() {
    local mode=$1 runs=$2 what=$3 files=() r
    for r in $(seq "$runs"); do
        [ -f "$MPB_WORK/rpc-$mode-$r.fail" ] || [ ! -s "$MPB_WORK/rpc-$mode-$r/summary.json" ] ||
            files+=("$MPB_WORK/rpc-$mode-$r/summary.json")
    done
    local failed=$((runs - ${#files[@]})) rate p50 p99 errs fb maxsf shareA
    if [ ${#files[@]} -eq 0 ]; then
        rate=$(mpb_stats </dev/null) p50=$rate p99=$rate shareA=$rate errs=0 fb=0 maxsf=0
    else
        rate=$(jq -r .completed_rate "${files[@]}" | mpb_stats)
        p50=$(jq -r '.latency_ns.p50 / 1000' "${files[@]}" | mpb_stats)
        p99=$(jq -r '.latency_ns.p99 / 1000' "${files[@]}" | mpb_stats)
        errs=$(jq -s '[.[].errors.total] | add' "${files[@]}")
        fb=$(jq -s '[.[].errors.fallback] | add' "${files[@]}")
        maxsf=$(jq -s '[.[].max_subflows] | max' "${files[@]}")
        shareA=$(mpb_share paths "${MPB_HOST_IP[0]}" "${files[@]}")
    fi
    jq -cn --arg bench "$MPB_BENCH-rpc" --arg mode "$mode" --arg what "$what" \
        --argjson rate "$rate" --argjson p50 "$p50" --argjson p99 "$p99" --argjson a "$shareA" \
        --argjson errs "$errs" --argjson fb "$fb" --argjson maxsf "$maxsf" --argjson runs "$runs" \
        --argjson failed "$failed" --argjson load "$(mpb_load)" --argjson extra "{$MPB_EXTRA}" \
        '{bench: $bench, mode: $mode, what: $what, runs: $runs, failed_runs: $failed,
          median_rate_per_s: $rate.median, min_rate_per_s: $rate.min, max_rate_per_s: $rate.max,
          median_latency_p50_us: $p50.median, median_latency_p99_us: $p99.median,
          errors: $errs, fallback_conns: $fb, max_subflows: $maxsf,
          median_share_path_a: $a.median, loadavg: $load} + $extra'
}
