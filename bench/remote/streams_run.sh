#!/bin/sh
# Remote-support stream benchmarks (docs/benchmarks.md): a real parc-server and
# parc-agent on loopback, then parc-streams-bench: keystroke echo latency, file download
# throughput through the server, and simultaneous terminal sessions; the upload
# throughput with parcctl files put.
#   bench/remote/streams_run.sh [BUILD_DIR] [SESSIONS] [FILE_MIB]
set -eu
BUILD=${1:-build}
SESSIONS=${2:-200}
MIB=${3:-256}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
TMP=$(mktemp -d /tmp/parc-streams-bench.XXXXXX)
cleanup() {
  [ -n "${AGENT:-}" ] && kill "$AGENT" 2>/dev/null || true
  [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
mkdir -p "$TMP/files"
head -c $((MIB * 1024 * 1024)) /dev/urandom > "$TMP/files/big.bin"
cat > "$TMP/server.toml" <<TOML
[security]
console_connections_per_address = 4096
requests_per_second = 10000
request_burst = 10000
TOML
"$BUILD/server/parc-server" --data-dir "$TMP/server" --agent-listen 127.0.0.1:0 \
  --console-listen 127.0.0.1:0 --config "$TMP/server.toml" > "$TMP/server.out" 2>"$TMP/server.log" &
SERVER=$!
for _ in $(seq 100); do [ -f "$TMP/server/server.json" ] && break; sleep 0.1; done
CONSOLE=$(python3 -c "import json;print(json.load(open('$TMP/server/server.json'))['console_url'])")
AGENT_URL=$(python3 -c "import json;print(json.load(open('$TMP/server/server.json'))['agent_url'])")
FP=$(python3 -c "import json;print(json.load(open('$TMP/server/server.json'))['ca_fingerprint'])")
PASSWORD=$(cat "$TMP/server/initial-admin-password")
export XDG_CONFIG_HOME=$TMP/home
echo "$PASSWORD" | "$BUILD/cli/parcctl" login --server "$CONSOLE" --ca-fingerprint "$FP" --password-stdin >/dev/null
"$BUILD/cli/parcctl" tenants create --name Bench --insee 00000 >/dev/null
TOKEN=$("$BUILD/cli/parcctl" --json tokens create --tenant 1 | python3 -c "import json,sys;print(json.load(sys.stdin)['token'])")
cat > "$TMP/agent.toml" <<TOML
data_dir = "$TMP/agent"
[remote]
terminal_user = "nobody"
terminal_shell = "/bin/sh"
file_roots = ["$TMP/files"]
max_file_bytes = 4294967296
max_sessions = 1024
TOML
"$BUILD/agent/parc-agent" enroll --config "$TMP/agent.toml" --server "$AGENT_URL" \
  --ca-fingerprint "$FP" --token "$TOKEN" >/dev/null 2>&1
# One agent serves every session here (max_sessions above raises its limit).
"$BUILD/agent/parc-agent" run --config "$TMP/agent.toml" 2>"$TMP/agent.log" &
AGENT=$!
for _ in $(seq 100); do
  "$BUILD/cli/parcctl" --json hosts list | grep -q '"online": *true' && break; sleep 0.2
done
SESSION_TOKEN=$(python3 -c "import tomllib;print(tomllib.load(open('$TMP/home/parc/parcctl.toml','rb'))['token'])")
"$BUILD/bench/parc-streams-bench" --console-url "$CONSOLE" --fingerprint "$FP" --token "$SESSION_TOKEN" \
  --what echo
"$BUILD/bench/parc-streams-bench" --console-url "$CONSOLE" --fingerprint "$FP" --token "$SESSION_TOKEN" \
  --what throughput --file "$TMP/files/big.bin"
# Upload: parcctl files put (reads the file, SHA-256 here, sends within the server's
# credit; the agent checks size and SHA-256, fsyncs and renames), timed end to end.
T0=$(date +%s.%N)
"$BUILD/cli/parcctl" files put 1 "$TMP/files/big.bin" "$TMP/files/uploaded.bin" >/dev/null
T1=$(date +%s.%N)
cmp -s "$TMP/files/big.bin" "$TMP/files/uploaded.bin" || { echo "upload differs" >&2; exit 1; }
python3 -c "d=$T1-$T0;print(f'file upload through the server (parcctl files put): $MIB MiB in {d:.2f} s = {$MIB/d:.1f} MiB/s (sha256 verified)')"
"$BUILD/bench/parc-streams-bench" --console-url "$CONSOLE" --fingerprint "$FP" --token "$SESSION_TOKEN" \
  --what sessions --sessions "$SESSIONS" &
BENCH=$!
sleep 1
while kill -0 $BENCH 2>/dev/null; do
  RSS=$(awk '/VmRSS/ {print $2}' /proc/$SERVER/status); sleep 0.5
done
wait $BENCH || true
echo "parc-server resident memory with the sessions open: $((RSS / 1024)) MiB"
