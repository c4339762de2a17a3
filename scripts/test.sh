#!/usr/bin/env bash
# README command 2: install dependencies, build, and run the whole test suite:
#   1. release build with -Werror, every test (ctest, all labels);
#   2. AddressSanitizer + UBSan build, unit and integration tests again;
#   3. clang build of the libFuzzer targets, each run for 20 s over its seeds.
# PARC_SKIP_ASAN=1 / PARC_SKIP_FUZZ=1 skip steps 2 / 3 on a slow machine (CI sets neither).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
jobs=$(nproc)
start=$(date +%s)
# A full disk makes compilers fail without a word (ccache cannot even keep their messages).
disk() { echo "test: $1: $(df -h --output=avail . | tail -1 | tr -d ' ') free on disk"; }
disk "before the builds"

./scripts/build.sh release
(cd build && ctest --output-on-failure -j"$jobs" --timeout 600)
echo "test: release suite passed in $(( $(date +%s) - start )) s"
disk "after the release suite"
# On a short disk, the release tree (rebuilt from ccache in minutes) gives way to the ASan one.
if [ "$(df --output=avail -k . | tail -1)" -lt $((12 * 1024 * 1024)) ]; then
  ninja -C build -t clean >/dev/null && disk "release tree cleaned (less than 12 GB free)"
fi

if [ "${PARC_SKIP_ASAN:-0}" != 1 ]; then
  ./scripts/build.sh asan
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export LSAN_OPTIONS=suppressions=$PWD/scripts/lsan.supp
  # The packages are built and installed from the release tree only (step 1).
  (cd build-asan && ctest --output-on-failure -j"$jobs" --timeout 900 -L 'unit|integration' \
    -LE installers)
  echo "test: sanitizer suite passed"
  disk "after the sanitizer suite"
fi
if [ "${PARC_SKIP_FUZZ:-0}" != 1 ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPARC_FUZZ=ON -DPARC_BUILD_TESTS=OFF >/dev/null
  ninja -C build-fuzz parc_fuzzers
  (cd build-fuzz && ctest --output-on-failure -j"$jobs" -L fuzz)
  echo "test: fuzz targets passed"
fi
echo "test: all done in $(( $(date +%s) - start )) s"
