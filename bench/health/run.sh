#!/usr/bin/env bash
# Health benchmarks on this machine (figures for docs/benchmarks.md):
#   bench/health/run.sh [HOSTS] [MINUTES]     default 10000 hosts, 3 minutes of data
# Needs build-*/bench/health/parc-health-bench (ninja parc-health-bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${PARC_HEALTH_BENCH:-build/bench/health/parc-health-bench}
[[ -x $BIN ]] || { echo "run.sh: $BIN missing: ninja -C build parc-health-bench" >&2; exit 1; }
echo "## agent sampler"
"$BIN" sampler 200
echo "## storage per host"
"$BIN" storage
echo "## fleet ingest and rules"
"$BIN" fleet "${1:-10000}" "${2:-3}"
