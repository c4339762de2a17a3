#!/usr/bin/env bash
# README command 2: install dependencies, build, and run the whole test suite:
#   1. release build with -Werror, every test (ctest, all labels);
#   2. AddressSanitizer + UBSan build, unit and integration tests again;
#   3. clang build of the libFuzzer targets, each run for up to 20 s over its seeds.
# CI allows an hour on two cores. Step 1 always runs in full; steps 2 and 3 run "where time
# allows": within PARC_CI_BUDGET seconds (default 3300) counted from the start, the sanitizer
# integration tests are skipped and the fuzz runs shortened when too little is left, and the
# script says so. A cold run (empty compiler cache) takes about 40 minutes here.
# PARC_SKIP_ASAN=1 / PARC_SKIP_FUZZ=1 skip steps 2 / 3.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
source scripts/ccache-env.sh
jobs=$(nproc)
start=$(date +%s)
budget=${PARC_CI_BUDGET:-3300}
elapsed() { echo $(( $(date +%s) - start )); }
left() { echo $(( budget - $(elapsed) )); }
say() { echo "test: $* (at $(elapsed) s)"; }
# A full disk makes compilers fail without a word (ccache cannot even keep their messages).
disk() { say "$1: $(df -h --output=avail . | tail -1 | tr -d ' ') free on disk"; }
disk "before the builds"

# The Factur-X validation tests fail instead of skipping when the official artefacts
# (../shared/reference/admin/facturation) or Saxon-HE are missing: CI must validate.
export PARC_FACTURX_REQUIRED=1
./scripts/build.sh release
(cd build && ctest --output-on-failure -j"$jobs" --timeout 600)
say "release suite passed"
disk "after the release suite"
# On a short disk, the release tree (rebuilt from ccache in minutes) gives way to the ASan one.
if [ "$(df --output=avail -k . | tail -1)" -lt $((12 * 1024 * 1024)) ]; then
  ninja -C build -t clean >/dev/null && disk "release tree cleaned (less than 12 GB free)"
fi

# Measured on two cores: the sanitizer build takes up to ~15 min cold, its unit tests ~2 min,
# its integration tests ~4 min; the fuzz build ~4 min cold.
asan_ctest() {
  (cd build-asan && ctest --output-on-failure -j"$jobs" --timeout 900 -LE installers "$@")
}
if [ "${PARC_SKIP_ASAN:-0}" = 1 ]; then
  say "sanitizer suite skipped (PARC_SKIP_ASAN=1)"
elif [ "$(left)" -lt 1500 ]; then
  say "SANITIZER SUITE SKIPPED: only $(left) s left of the ${budget} s budget"
else
  ./scripts/build.sh asan
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export LSAN_OPTIONS=suppressions=$PWD/scripts/lsan.supp
  # The packages are built and installed from the release tree only (step 1).
  asan_ctest -L unit
  say "sanitizer unit tests passed"
  if [ "$(left)" -gt 700 ]; then
    asan_ctest -L integration
    say "sanitizer integration tests passed"
  else
    say "SANITIZER INTEGRATION TESTS SKIPPED: only $(left) s left of the ${budget} s budget"
  fi
  disk "after the sanitizer suite"
fi

if [ "${PARC_SKIP_FUZZ:-0}" = 1 ]; then
  say "fuzz targets skipped (PARC_SKIP_FUZZ=1)"
elif [ "$(left)" -lt 300 ]; then
  say "FUZZ TARGETS SKIPPED: only $(left) s left of the ${budget} s budget"
else
  # 15 targets, two at a time, after a build of up to ~240 s: 20 s each when time allows.
  seconds=$(( ($(left) - 240) * jobs / 15 ))
  seconds=$(( seconds > 20 ? 20 : (seconds < 3 ? 3 : seconds) ))
  CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPARC_FUZZ=ON -DPARC_BUILD_TESTS=OFF -DPARC_BUILD_BENCH=OFF -DPARC_FUZZ_SECONDS="$seconds" \
    >/dev/null
  ninja -C build-fuzz parc_fuzzers
  (cd build-fuzz && ctest --output-on-failure -j"$jobs" -L fuzz)
  say "fuzz targets passed (${seconds} s each)"
fi
say "all done"
