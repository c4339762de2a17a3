#!/usr/bin/env bash
# README command 1: install dependencies, build, and run the demo — parc-server on its
# embedded SQLite in ./demo-data, one local parc-agent enrolled to it, and the console
# address with the initial administrator's credential printed. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

./scripts/install-deps.sh
./scripts/build.sh release

data="$root/demo-data"
mkdir -p "$data"
bin="$root/build"
export XDG_CONFIG_HOME="$data/parcctl"

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

rm -f "$data/server/server.json"
"$bin/server/parc-server" --data-dir "$data/server" \
  --agent-listen "127.0.0.1:${PARC_AGENT_PORT:-8443}" --console-listen "127.0.0.1:${PARC_CONSOLE_PORT:-8444}" \
  >"$data/server.out" 2>"$data/server.log" &
pids+=($!)
for _ in $(seq 1 100); do [ -f "$data/server/server.json" ] && break; sleep 0.1; done
[ -f "$data/server/server.json" ] || { cat "$data/server.log"; echo "parc-server did not start" >&2; exit 1; }

field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$data/server/server.json" "$1"; }
agent_url=$(field agent_url)
console_url=$(field console_url)
fingerprint=$(field ca_fingerprint)
password=$(cat "$data/server/initial-admin-password")

ctl() { "$bin/cli/parcctl" "$@"; }
echo "$password" | ctl login --server "$console_url" --ca-fingerprint "$fingerprint" --password-stdin >/dev/null

# One tenant and one enrolled agent, created once and kept across demo runs.
if [ ! -f "$data/agent/agent.pem" ]; then
  ctl --json tenants list | grep -q '"Mairie de démonstration"' ||
    ctl tenants create --name "Mairie de démonstration" --insee 12202 >/dev/null
  tenant=$(ctl --json tenants list | python3 -c "import json,sys; print(json.load(sys.stdin)['items'][0]['id'])")
  token=$(ctl --json tokens create --tenant "$tenant" --description "démo locale" |
    python3 -c "import json,sys; print(json.load(sys.stdin)['token'])")
  "$bin/agent/parc-agent" enroll --server "$agent_url" --ca-fingerprint "$fingerprint" \
    --token "$token" --data-dir "$data/agent" 2>>"$data/agent.log"
fi
"$bin/agent/parc-agent" run --data-dir "$data/agent" --inventory-interval 300 2>>"$data/agent.log" &
pids+=($!)

for _ in $(seq 1 100); do
  ctl --json hosts list | grep -q '"inventory_at": [0-9]' && break
  sleep 0.2
done

cat <<MSG

Parc demo is running.
  Console / REST API : $console_url
  Administrator      : admin / $password
  CA fingerprint     : $fingerprint   (what agents pin)
  Agent listener     : $agent_url
  Data               : $data   (logs: server.log, agent.log)

  Try: XDG_CONFIG_HOME=$data/parcctl $bin/cli/parcctl hosts list
       curl --cacert $data/server/tls/ca.pem $console_url/api/v1/health

MSG
ctl hosts list
echo
echo "Ctrl-C stops the server and the agent."
wait "${pids[0]}"
