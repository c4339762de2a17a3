#!/bin/sh
# A month of canteen + evening childcare billing for 500, 2000 and 5000 families:
# attendance write, preview, issue (gap-free numbering in one transaction), Factur-X
# XML + PDF per document (first 50), SEPA pain.008 of the families with a mandate.
# Usage: bench/modules/run.sh [build-dir]
set -eu
BUILD=${1:-build}
BIN="$BUILD/bench/modules/parc-modules-bench"
[ -x "$BIN" ] || { echo "build parc-modules-bench first: ninja -C $BUILD parc-modules-bench" >&2; exit 2; }
for n in 500 2000 5000; do
  "$BIN" "$n" "${TMPDIR:-/tmp}/parc-modules-bench-$n"
done
