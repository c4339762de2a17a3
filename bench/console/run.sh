#!/usr/bin/env bash
# Console with 10,000 hosts: seeds a fresh parc-server's SQLite file directly (400
# communes, 10,000 hosts with small inventories), then measures the host-list API
# (first page, sorted pages, searches) and the first page in headless Chromium.
# Usage: bench/console/run.sh [BUILD_DIR] [HOSTS]   (default: build, 10000)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=$(realpath "${1:-build}")
hosts=${2:-10000}
[ -x "$build/server/parc-server" ] || { echo "build parc-server first (ninja -C $build parc-server)" >&2; exit 1; }
PARC_BINARY_DIR="$build" PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 bench/console/bench_console.py "$hosts"
