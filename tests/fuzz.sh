#!/usr/bin/env bash
# Runs each libFuzzer binary for SECONDS with its corpus under build/fuzz-corpus/<name>; stops at the first crash.
set -u
secs=$1; shift
cd "$(dirname "$0")/.." || exit 2
for f in "$@"; do
  name=$(basename "$f")
  corpus=build/fuzz-corpus/$name
  mkdir -p "$corpus"
  seeds=tests/fuzz-seeds/$name
  echo "## fuzz $name for ${secs}s"
  "$f" -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 "$corpus" $( [ -d "$seeds" ] && echo "$seeds" ) || exit 1
done
