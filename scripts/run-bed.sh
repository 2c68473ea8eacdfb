#!/usr/bin/env bash
# run-bed.sh: the experiment driver (make bed): sweeps in namespaces it creates and removes, results/<run-id>/; --up/--down for the interactive bed.
# shellcheck disable=SC2034  # read by the sourced libraries
# The logic lives in scripts/lib/: guestnet.sh (guest bring-up, shared with --up/--down) and
# bed-*.sh (options, plan, points, report); docs/bed.md describes options and outputs.
set -u
BED_ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 2
GN_ROOT=$BED_ROOT
for _lib in guestnet bed-args bed-plan bed-point bed-guest bed-report bed-main; do
  # shellcheck source=/dev/null
  . "$BED_ROOT/scripts/lib/$_lib.sh" || { echo "run-bed.sh: error: cannot load scripts/lib/$_lib.sh" >&2; exit 2; }
done
BED_ENTRY=scripts/run-bed.sh
bed_main "$@"
