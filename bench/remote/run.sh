#!/usr/bin/env bash
# Command round-trip latency through the server: REST request → server → control channel
# → agent → reply → REST answer, with the real parc-server and parc-agent on loopback.
#   bench/remote/run.sh [N] [BUILD_DIR]     N requests of each kind (default 1000)
# Measures `ping` (POST /hosts/{id}/commands) and the action `flush_dns` (POST
# /hosts/{id}/actions/flush_dns: validation, execution record, audit, fork/exec of a
# stand-in resolvectl from the agent's [remote] command_path). One keep-alive HTTPS
# connection, requests one after the other. Prints p50/p90/p99/max in milliseconds.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000}
BUILD=${2:-build}
SERVER=$BUILD/server/parc-server AGENT=$BUILD/agent/parc-agent CTL=$BUILD/cli/parcctl
for b in "$SERVER" "$AGENT" "$CTL"; do
  [[ -x $b ]] || { echo "run.sh: $b missing (./scripts/build.sh release)" >&2; exit 1; }
done
OUT=$(mktemp -d /tmp/parc-bench-remote.XXXXXX)
cleanup() { kill "${AGENT_PID:-}" "${SERVER_PID:-}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

# The per-address request limiter would otherwise cut one client at its default rate.
printf '[security]\nrequest_burst = 100000\nrequests_per_second = 100000\n' >"$OUT/server.toml"
"$SERVER" --config "$OUT/server.toml" --data-dir "$OUT/server" --agent-listen 127.0.0.1:0 \
  --console-listen 127.0.0.1:0 >"$OUT/server.out" 2>"$OUT/server.err" &
SERVER_PID=$!
for _ in $(seq 100); do [[ -f $OUT/server/server.json ]] && break; sleep 0.1; done
read -r AGENT_URL CONSOLE_URL FP < <(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["agent_url"], j["console_url"], j["ca_fingerprint"])' "$OUT/server/server.json")
PASSWORD=$(head -1 "$OUT/server/initial-admin-password")
export XDG_CONFIG_HOME=$OUT/home
"$CTL" login --server "$CONSOLE_URL" --ca-fingerprint "$FP" --username admin --password-stdin <<<"$PASSWORD" >/dev/null
"$CTL" tenants create --name "Mairie de Bench" --insee 12300 >/dev/null
TOKEN=$("$CTL" --json tokens create --tenant 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
mkdir -p "$OUT/bin"
printf '#!/bin/sh\necho flushed\n' >"$OUT/bin/resolvectl"
chmod 755 "$OUT/bin/resolvectl"
printf '[remote]\ncommand_path = ["%s"]\n' "$OUT/bin" >"$OUT/agent.toml"
"$AGENT" enroll --config "$OUT/agent.toml" --data-dir "$OUT/agent" --server "$AGENT_URL" \
  --ca-fingerprint "$FP" --token "$TOKEN" >/dev/null 2>"$OUT/enroll.err"
"$AGENT" run --config "$OUT/agent.toml" --data-dir "$OUT/agent" --log-level warn \
  >/dev/null 2>"$OUT/agent.err" &
AGENT_PID=$!
python3 "$(dirname "$0")/roundtrip.py" "$CONSOLE_URL" "$OUT/server/tls/ca.pem" "$PASSWORD" "$N"
echo "(files in $OUT)"
