#!/usr/bin/env bash
# Runs every benchmark in tests/bench/ (or those named); each prints JSON lines of figures, never pass/fail.
set -u
cd "$(dirname "$0")/.." || exit 2
if [ $# -gt 0 ]; then benches=("$@"); else benches=(tests/bench/*); fi
rc=0
for b in "${benches[@]}"; do
  [ -x "$b" ] || continue
  echo "## bench $(basename "$b")" >&2
  "$b" || { echo "bench $(basename "$b") failed with status $?" >&2; rc=1; }
done
exit $rc
