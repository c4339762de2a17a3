#!/usr/bin/env bash
# Upload bandwidth limit of `parc-agent backup` (token bucket in
# agent/backup/remote_target.cpp) against the real parc-server on loopback.
#   bench/backup/bandwidth.sh [MIB=16] [LIMITS_KIB="0 1024 4096"] [BUILD_DIR=build]
# For each limit (0 = none): a fresh tree of MIB MiB of random (incompressible,
# never deduplicated) data, one backup with --limit-kib, wall time and effective
# rate (MiB stored / s). Expected: MIB*1024/limit seconds, plus the hashing time.
set -euo pipefail
cd "$(dirname "$0")/../.."
MIB=${1:-16}
LIMITS=${2:-"0 1024 4096"}
BUILD=${3:-build}
SERVER=$BUILD/server/parc-server AGENT=$BUILD/agent/parc-agent CTL=$BUILD/cli/parcctl
for b in "$SERVER" "$AGENT" "$CTL"; do
  [[ -x $b ]] || { echo "bandwidth.sh: $b missing (ninja -C $BUILD parc-server parc-agent parcctl)" >&2; exit 1; }
done
OUT=$(mktemp -d /tmp/parc-bench-bw.XXXXXX)
cleanup() { kill "${SERVER_PID:-}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

"$SERVER" --data-dir "$OUT/server" --agent-listen 127.0.0.1:0 --console-listen 127.0.0.1:0 \
  >"$OUT/server.out" 2>"$OUT/server.err" &
SERVER_PID=$!
for _ in $(seq 100); do [[ -f $OUT/server/server.json ]] && break; sleep 0.1; done
read -r AGENT_URL CONSOLE_URL FP < <(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["agent_url"], j["console_url"], j["ca_fingerprint"])' "$OUT/server/server.json")
PASSWORD=$(head -1 "$OUT/server/initial-admin-password")
export XDG_CONFIG_HOME=$OUT/home
"$CTL" login --server "$CONSOLE_URL" --ca-fingerprint "$FP" --username admin --password-stdin <<<"$PASSWORD" >/dev/null
"$CTL" tenants create --name "Mairie de Bench" --insee 12300 >/dev/null
TOKEN=$("$CTL" --json tokens create --tenant 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
"$AGENT" enroll --data-dir "$OUT/agent" --server "$AGENT_URL" --ca-fingerprint "$FP" \
  --token "$TOKEN" >/dev/null 2>"$OUT/enroll.err"
mkdir -p "$OUT/seed"
echo seed >"$OUT/seed/seed.txt"
"$AGENT" backup --init --data-dir "$OUT/agent" --source "$OUT/seed" >/dev/null 2>&1

printf '%-10s %8s %10s %12s\n' "limit" "MiB" "seconds" "MiB/s"
for limit in $LIMITS; do
  dir=$OUT/data-$limit
  mkdir -p "$dir"
  head -c $((MIB * 1024 * 1024)) /dev/urandom >"$dir/scan.bin"
  start=$(date +%s.%N)
  "$AGENT" backup --data-dir "$OUT/agent" --source "$dir" --limit-kib "$limit" >"$OUT/run-$limit.out" 2>&1
  end=$(date +%s.%N)
  python3 - "$limit" "$MIB" "$start" "$end" <<'PY'
import sys
limit, mib, start, end = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
s = end - start
print(f"{(str(limit) + ' KiB/s') if limit else 'none':<10} {mib:>8} {s:>10.2f} {mib / s:>12.2f}")
PY
done
echo "(files in $OUT)"
