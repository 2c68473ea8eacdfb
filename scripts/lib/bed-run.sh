#!/usr/bin/env bash
# bed-run.sh: loads the driver's libraries and runs bed_main (scripts/run-bed.sh is the public entry point).
set -u
BED_ROOT=${BED_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
for _lib in bed-args bed-plan bed-point bed-guest bed-report bed-main; do
  # shellcheck source=/dev/null
  . "$BED_ROOT/scripts/lib/$_lib.sh" || { echo "run-bed.sh: cannot load scripts/lib/$_lib.sh" >&2; exit 2; }
done
# Job lists (--emit-jobs) call the script that was run: this one when used directly.
BED_ENTRY=${BED_ENTRY:-scripts/lib/bed-run.sh}
bed_main "$@"
