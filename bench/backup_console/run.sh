#!/bin/sh
# Browse and restore through the console's API (docs/backups.md, "Console: browse and
# restore"): a real parc-server and parc-agent on 127.0.0.1, a generated tree of FILES
# small files in FOLDERS folders plus one BIG_MB file, backed up with `parc-agent backup
# --init`, then timed with parcctl: the first browse of a folder (the agent reads and
# decrypts the whole manifest), the next pages (cached manifest), and restores of the
# whole tree into the agent's default folder until the status says ok.
#   bench/backup_console/run.sh [FILES=20000] [FOLDERS=200] [BIG_MB=256] [BUILD_DIR=build]
set -eu
FILES=${1:-20000}
FOLDERS=${2:-200}
BIG_MB=${3:-256}
BUILD=$(cd "${4:-build}" && pwd)
WORK=$(mktemp -d /tmp/parc-bench-bconsole-XXXXXX)
SERVER_PID=""
AGENT_PID=""
cleanup() {
  [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null || true
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }

export XDG_CONFIG_HOME="$WORK/home"
"$BUILD/server/parc-server" --data-dir "$WORK/server" --agent-listen 127.0.0.1:0 \
  --console-listen 127.0.0.1:0 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
i=0
while [ ! -f "$WORK/server/server.json" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
json() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }
CONSOLE=$(json "$WORK/server/server.json" console_url)
AGENTURL=$(json "$WORK/server/server.json" agent_url)
FP=$(json "$WORK/server/server.json" ca_fingerprint)
CTL="$BUILD/cli/parcctl"
$CTL login --server "$CONSOLE" --ca-fingerprint "$FP" --password-stdin \
  <"$WORK/server/initial-admin-password" >/dev/null
TENANT=$($CTL --json tenants create --name "Mairie de Bench" --insee 12145 | python3 -c "import json,sys; print(json.load(sys.stdin)['id'])")
TOKEN=$($CTL --json tokens create --tenant "$TENANT" | python3 -c "import json,sys; print(json.load(sys.stdin)['token'])")
AGENT="$BUILD/agent/parc-agent"
$AGENT enroll --server "$AGENTURL" --ca-fingerprint "$FP" --token "$TOKEN" --data-dir "$WORK/agent" 2>/dev/null
HOST=$(json "$WORK/agent/identity.json" host_id)

SRC="$WORK/src/secretariat"
python3 - "$SRC" "$FILES" "$FOLDERS" "$BIG_MB" <<'EOF'
import os, random, sys
src, files, folders, big = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(7)
for d in range(folders):
    os.makedirs(os.path.join(src, f"dossier-{d:04d}"), exist_ok=True)
for f in range(files):
    with open(os.path.join(src, f"dossier-{f % folders:04d}", f"courrier-{f:06d}.txt"), "w") as out:
        out.write(f"Courrier {f}\n" + "lorem ipsum " * rng.randint(10, 400))
with open(os.path.join(src, "scan.bin"), "wb") as out:
    for _ in range(big):
        out.write(os.urandom(1 << 20))
EOF
t=$(now)
$AGENT backup --init --source "$SRC" --data-dir "$WORK/agent" >"$WORK/backup.out" 2>&1
echo "backup: $(since "$t") s ($(grep -o 'snapshot [0-9a-f]*' "$WORK/backup.out"))"
SNAP=$(grep -o 'snapshot [0-9a-f]*' "$WORK/backup.out" | cut -d' ' -f2)

$AGENT run --data-dir "$WORK/agent" --inventory-interval 3600 >"$WORK/agent.log" 2>&1 &
AGENT_PID=$!
i=0
until $CTL --json hosts show "$HOST" | grep -q '"online": *true'; do
  sleep 0.2; i=$((i + 1)); [ $i -lt 300 ] || { echo "agent never online"; exit 1; }
done

DIR="${SRC#/}/dossier-0001"
t=$(now)
$CTL backups browse --host "$HOST" --snapshot "$SNAP" --path "$DIR" --limit 100 >/dev/null
echo "browse, first (manifest of $FILES files read and decrypted): $(since "$t") s"
t=$(now)
for off in 0 100 200 300 400 500 600 700 800 900; do
  $CTL backups browse --host "$HOST" --snapshot "$SNAP" --path "${SRC#/}" --offset $off --limit 100 >/dev/null
done
echo "browse, 10 more pages (cached manifest, parcctl start included): $(echo "$(since "$t") / 10" | bc -l | cut -c1-6) s each"

restore() {
  t=$(now)
  ID=$($CTL --json backups restore --host "$HOST" --snapshot "$SNAP" --path "${SRC#/}" --destination "$1" \
    | python3 -c "import json,sys; print(json.load(sys.stdin)['id'])")
  while :; do
    STATE=$($CTL --json backups restores --host "$HOST" | python3 -c "
import json,sys
rows = [r for r in json.load(sys.stdin)['items'] if r['id'] == $ID]
print(rows[0]['state'] if rows else 'missing')")
    [ "$STATE" = running ] || [ "$STATE" = sending ] || break
    sleep 0.2
  done
  echo "restore of the whole tree ($FILES files + $BIG_MB MiB) to $1: $(since "$t") s, state $STATE"
}
restore default
restore "$WORK/agent/restores/second"
# The same tree with `parc-agent restore` (one worker per core), for comparison.
t=$(now)
$AGENT restore --snapshot "$SNAP" --target "$WORK/cli-restore" --data-dir "$WORK/agent" >/dev/null 2>&1
echo "parc-agent restore of the same tree: $(since "$t") s"
echo "source $(du -sm "$SRC" | cut -f1) MiB; restored $(du -sm "$WORK/agent/restores" | cut -f1) MiB (two copies), $(du -sm "$WORK/cli-restore" | cut -f1) MiB"
