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
  # -O1 as the sanitizers' authors advise; line tables (-g1) are all their reports need,
  # and full debug info made this tree 12 GB (a CI disk ran out on it). See ParcSettings.cmake.
  asan)    dir=build-asan;  flags=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DPARC_SANITIZE=ON) ;;
  *) echo "usage: $0 [release|debug|asan] [targets…]" >&2; exit 2 ;;
esac

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
cmake -S . -B "$dir" -G Ninja -DPARC_WERROR=ON "${flags[@]}" >/dev/null
ninja -C "$dir" "$@"
