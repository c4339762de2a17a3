#!/usr/bin/env bash
# Configures and builds one tree. Usage: scripts/build.sh [release|debug|asan] [ninja targets…]
#   release  build/          optimised, line tables, -Werror (what the demo runs)
#   debug    build-debug/    -O0 -g, -Werror
#   asan     build-asan/     AddressSanitizer + UBSan, -Werror
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:-release}
shift || true
case "$kind" in
  release) dir=build;       flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  debug)   dir=build-debug; flags=(-DCMAKE_BUILD_TYPE=Debug) ;;
  # -Og: the tests run about as fast as at -O1, but g++ with UBSan compiles this tree in
  # two thirds of the time (Beast's websocket.cpp: 82 s vs 119 s; -O0 68 s, slower tests).
  # Line tables (-g1) are all sanitizer reports need; full debug info made this tree 12 GB.
  # No benchmark programs: no test runs them under the sanitizers.
  asan)    dir=build-asan;  flags=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-Og -g1"
                                   -DPARC_SANITIZE=ON -DPARC_BUILD_BENCH=OFF) ;;
  *) echo "usage: $0 [release|debug|asan] [targets…]" >&2; exit 2 ;;
esac

source scripts/ccache-env.sh
cmake -S . -B "$dir" -G Ninja -DPARC_WERROR=ON "${flags[@]}" >/dev/null
ninja -C "$dir" "$@"
