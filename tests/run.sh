#!/usr/bin/env bash
# Runs test suites (executables in tests/suites/, or those named), counts their TAP lines, prints "N passed, N failed".
# A suite prints "ok N - name" / "not ok N - name" lines; "# SKIP" counts as a failure under CI=true,
# because pieces that need root or hardware must never silently skip in CI. "not ok ... # TODO why"
# is TAP's known-broken mark: listed and counted as todo, not as a failure; each one is a tracked bug.
set -u
cd "$(dirname "$0")/.." || exit 2
logdir=build/test-logs
mkdir -p "$logdir"
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if [ $# -gt 0 ]; then suites=("$@"); else suites=(tests/suites/*); fi
pass=0 fail=0 skip=0 todo=0
failed=()
for s in "${suites[@]}"; do
  [ -x "$s" ] || continue
  name=$(basename "$s")
  log="$logdir/$name.log"
  echo "## suite $name"
  start=$(date +%s)
  timeout --kill-after=10 "${SUITE_TIMEOUT:-900}" "$s" >"$log" 2>&1
  rc=$?
  p=$(grep -E '^ok [0-9]+' "$log" | grep -vc '# SKIP' || true)
  k=$(grep -E '^ok [0-9]+' "$log" | grep -c '# SKIP' || true)
  f=$(grep -E '^not ok [0-9]+' "$log" | grep -vc '# TODO' || true)
  t=$(grep -E '^not ok [0-9]+' "$log" | grep -c '# TODO' || true)
  grep -E '^(not )?ok [0-9]+' "$log" | sed 's/^/   /'
  if [ "${CI:-}" = true ] && [ "$k" -gt 0 ]; then f=$((f + k)); k=0; echo "   (skips count as failures under CI=true)"; fi
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1; echo "   not ok - suite $name exited with status $rc (timeout=124)"
  fi
  if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$k" -eq 0 ] && [ "$t" -eq 0 ]; then
    f=1; echo "   not ok - suite $name printed no test result"
  fi
  if [ "$f" -gt 0 ]; then failed+=("$name"); echo "   -- log: $log (last lines below)"; tail -n 25 "$log" | sed 's/^/   | /'; fi
  echo "   $name: $p passed, $f failed, $k skipped, $t todo, $(( $(date +%s) - start )) s"
  pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k)) todo=$((todo + t))
done
[ ${#failed[@]} -gt 0 ] && echo "failed suites: ${failed[*]}"
[ "$todo" -gt 0 ] && echo "known-broken (TAP TODO, not counted as failures): $todo; see the '# TODO' lines above"
if [ "$skip" -gt 0 ]; then echo "$pass passed, $fail failed, $skip skipped"; else echo "$pass passed, $fail failed"; fi
[ "$fail" -eq 0 ]
