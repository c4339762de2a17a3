#!/usr/bin/env bash
# Load benchmark: one parc-server and parc-loadgen on this machine (loopback only).
# Usage: bench/loadgen/run.sh AGENTS DURATION [REPORT_INTERVAL] [REPORTS_OVER=channel|https] [LOADGEN_THREADS]
# Prints the loadgen's JSON line, the server's peak RSS, and the time for all agents to
# reconnect after a server restart (all_connected_seconds). Build first:
# scripts/build.sh release. PARC_SERVER_BIN=path runs another parc-server build (A/B);
# PARC_BENCH_RESTART=0 skips the restart run. PARC_BENCH_HOT_EVERY=N: every Nth agent
# reports its disk 99 % full, and the time from that report's sending to its alert's
# opening (alerts.sqlite, whole seconds) is printed: the rules' latency under this load.
# PARC_BENCH_PIN=1 runs the server on CPU 0 and the generator on CPU 1 (taskset), so that
# neither steals the other's core: the server's figures then hold with one core of its own.
# PARC_BENCH_FSYNC_PROBE=1 measures the disk's fdatasync latency beside run 1
# (fsync_probe.py): every acknowledgement waits for one, so a stalling disk shows in p99.
# PARC_BENCH_CONNECT_RATE=N dials run 1's control channels at N per second (default 500):
# agents spread their start as the field does, not a whole fleet in a few seconds.
# PARC_BENCH_INVENTORY=1: each agent sends inventories too (bench/loadgen/inventory_texts.h):
# this machine's real inventory (parc-agent inventory), full at a PC's first contact (run
# 1), then deltas on the acknowledged view, every PARC_BENCH_INVENTORY_INTERVAL seconds
# (default 3600, the agent's), the first within a minute of each agent's start. The
# restart run sends none: an agent does not send its inventory again when it redials.
# Run 1 ends with the generator's acknowledgements per minute of sending (p50/p99/max)
# and the server's CPU split by thread (report, parc-server = the network loop, worker…).
set -euo pipefail
cd "$(dirname "$0")/../.."
agents=${1:-1000}
duration=${2:-60}
interval=${3:-60}
over=${4:-channel}
threads=${5:-1}
work=$(mktemp -d /tmp/parc-load-XXXXXX)
bin=build
ulimit -n "$(ulimit -Hn)"
server_cpu=(); loadgen_cpu=()
if [ "${PARC_BENCH_PIN:-0}" = 1 ]; then server_cpu=(taskset -c 0); loadgen_cpu=(taskset -c 1); fi

# One machine enrols every simulated agent: lift the per-address enrolment limit.
cat >"$work/server.toml" <<'TOML'
[security]
public_request_burst = 1000000
TOML
# PARC_BENCH_THREADS="network workers reports" sets the server's [threads] (A/B).
if [ -n "${PARC_BENCH_THREADS:-}" ]; then
  read -r n w r <<<"$PARC_BENCH_THREADS"
  printf '[threads]\nnetwork = %s\nworkers = %s\nreports = %s\n' "$n" "$w" "$r" >>"$work/server.toml"
fi

start_server() {
  rm -f "$work/srv/server.json"
  "${server_cpu[@]}" "${PARC_SERVER_BIN:-$bin/server/parc-server}" --config "$work/server.toml" --data-dir "$work/srv" --agent-listen "127.0.0.1:${1:-0}" \
    --console-listen 127.0.0.1:0 --log-level info >"$work/server.out" 2>>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 1 200); do [ -f "$work/srv/server.json" ] && break; sleep 0.05; done
}
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$work/srv/server.json" "$1"; }

start_server
agent_url=$(field agent_url); console_url=$(field console_url); fp=$(field ca_fingerprint)
port=${agent_url##*:}
export XDG_CONFIG_HOME=$work/cfg
ctl="$bin/cli/parcctl"
"$ctl" login --server "$console_url" --ca-fingerprint "$fp" --password-stdin <"$work/srv/initial-admin-password" >/dev/null
"$ctl" tenants create --name "Charge" --insee 12202 >/dev/null
token=$("$ctl" --json tokens create --tenant 1 --max-uses 100000 | python3 -c "import json,sys; print(json.load(sys.stdin)['token'])")

peak_rss() { awk '/VmHWM/ {print $2}' "/proc/$server_pid/status"; }

probe_pid=
if [ "${PARC_BENCH_FSYNC_PROBE:-0}" = 1 ]; then
  # Enrolment takes a few seconds per thousand agents: the probe covers it and the run.
  bench/loadgen/fsync_probe.py "$work/fsync-probe" "$(( duration + agents / 100 + 15 ))" >"$work/fsync.txt" &
  probe_pid=$!
fi
echo "== run 1: enrol $agents agents, hold their control channels, report every ${interval} s for ${duration} s"
written() { awk '/^write_bytes/ {print $2}' "/proc/$server_pid/io"; }
written_before=$(written)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
cpu_before=$(cpu_ticks)
# CPU ticks per thread name (threads are named for their work: docs/operations.md).
thread_ticks() { for t in /proc/"$server_pid"/task/*; do echo "$(tr ' ' '_' <"$t/comm") $(awk '{print $14 + $15}' "$t/stat")"; done 2>/dev/null; }
threads_before=$(thread_ticks)
# The hypervisor's steal time over run 1 (/proc/stat): this machine's cores are shared,
# and a run that lost a share of them to other guests says so.
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $9}' /proc/stat; }
machine_before=$(machine_ticks)
inventory=()
if [ "${PARC_BENCH_INVENTORY:-0}" = 1 ]; then
  "$bin/agent/parc-agent" inventory >"$work/inventory.json" 2>/dev/null
  inventory=(--inventory-file "$work/inventory.json" --inventory-interval "${PARC_BENCH_INVENTORY_INTERVAL:-3600}")
fi
"${loadgen_cpu[@]}" "$bin/bench/parc-loadgen" --server "127.0.0.1:$port" --ca-fingerprint "$fp" --token "$token" \
  --agents "$agents" --duration "$duration" --report-interval "$interval" --reports-over "$over" \
  --threads "$threads" --state-dir "$work/state" --hot-every "${PARC_BENCH_HOT_EVERY:-0}" "${inventory[@]}" \
  --hot-log "$work/hot.txt" --connect-rate "${PARC_BENCH_CONNECT_RATE:-500}" --json | tail -1 | tee "$work/run1.json"
python3 - "$work/run1.json" <<'PY'
import json, sys
for m in json.load(open(sys.argv[1])).get("minutes", []):
    print(f"  minute {m['minute']}: {m['acked']} acked, p50 {m['p50_ms']:.1f} ms, "
          f"p99 {m['p99_ms']:.1f} ms, max {m['max_ms']:.1f} ms")
PY
echo "server peak RSS: $(( $(peak_rss) / 1024 )) MiB, RSS after run 1: $(( $(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status") / 1024 )) MiB"
echo "server disk writes during run 1 (enrolment included): $(( ($(written) - written_before) / 1048576 )) MiB, CPU $(( ($(cpu_ticks) - cpu_before) / $(getconf CLK_TCK) )) s"
# Threads that ended during the run are missing from the second reading: their CPU is not split.
echo "server CPU by thread during run 1 (s): $(python3 - "$(getconf CLK_TCK)" "$threads_before" "$(thread_ticks)" <<'PY'
import sys
from collections import Counter
hz, before, after = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def read(text):
    c = Counter()
    for line in text.splitlines():
        name, ticks = line.rsplit(" ", 1)
        c[name] += int(ticks)
    return c
b, a = read(before), read(after)
spent = {n: (a[n] - b.get(n, 0)) / hz for n in a}
print(", ".join(f"{n} {v:.1f}" for n, v in sorted(spent.items(), key=lambda x: -x[1]) if v >= 0.1))
PY
)"
read -r total_after steal_after <<<"$(machine_ticks)"
read -r total_before steal_before <<<"$machine_before"
echo "CPU stolen by the hypervisor during run 1: $(( 100 * (steal_after - steal_before) / (total_after - total_before + 1) )) % of the machine"
# A WAL file keeps its largest size: how far the checkpoints fell behind during the run.
wal_mib() { echo $(( $(stat -c %s "$work/srv/$1-wal" 2>/dev/null || echo 0) / 1048576 )); }
echo "WAL files after run 1: parc.db-wal $(wal_mib parc.db) MiB, metrics.sqlite-wal $(wal_mib metrics.sqlite) MiB"
if [ -n "$probe_pid" ]; then wait "$probe_pid"; cat "$work/fsync.txt"; fi
if [ "${PARC_BENCH_HOT_EVERY:-0}" != 0 ]; then
  sleep 6  # one more round of the rules (every 5 s) for the last hot reports
  python3 - "$work/hot.txt" "$work/srv/parc.db" "$work/srv/alerts.sqlite" <<'PY'
import sqlite3, sys
sent = dict(line.split() for line in open(sys.argv[1]) if line.strip())
hosts = dict(sqlite3.connect(sys.argv[2]).execute("SELECT hostname, id FROM hosts"))
alerts = sqlite3.connect(sys.argv[3])
late, missing = [], 0
for name, ms in sent.items():
    row = alerts.execute("SELECT MIN(opened_at) FROM alerts WHERE rule_id = 'disk_usage' "
                         "AND subject = '/' AND host_id = ?", (hosts[name],)).fetchone()
    if row[0] is None:
        missing += 1
        continue
    late.append(row[0] - int(ms) / 1000.0)
late.sort()
pick = lambda p: late[min(len(late) - 1, int(p * len(late)))] if late else float("nan")
print(f"rule latency (report sent -> alert opened, opened_at in whole seconds): {len(late)} alerts, "
      f"p50 {pick(0.5):.1f} s, p99 {pick(0.99):.1f} s, max {late[-1] if late else float('nan'):.1f} s; "
      f"{missing} hot hosts without an alert")
PY
fi
# Where the reports' time went on the server, minute by minute (docs/operations.md).
grep -h "reports over the channel" "$work/server.log" | sed 's/^.*reports over/reports over/' || true
# What the reports became: each is a real 30-metric batch (docs/health.md).
python3 - "$work/srv/metrics.sqlite" <<'PY'
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
raw, = db.execute("SELECT count(*) FROM raw").fetchone()
series, hosts = db.execute("SELECT count(*), count(DISTINCT host_id) FROM series").fetchone()
size = os.path.getsize(sys.argv[1]) + (os.path.getsize(sys.argv[1] + "-wal") if os.path.exists(sys.argv[1] + "-wal") else 0)
print(f"metrics stored: {raw} points in {series} series of {hosts} hosts; metrics.sqlite {size // 1024} KiB")
main = sys.argv[1].replace("metrics.sqlite", "parc.db")
size = os.path.getsize(main) + (os.path.getsize(main + "-wal") if os.path.exists(main + "-wal") else 0)
kept, ids = (sqlite3.connect(main).execute(f"SELECT count(*) FROM {t}").fetchone()[0]
             for t in ("agent_messages", "received_messages"))
print(f"parc.db {size // 1024} KiB: {kept} messages kept as received, {ids} ids remembered")
with_inventory, = sqlite3.connect(main).execute("SELECT count(*) FROM hosts WHERE inventory_at IS NOT NULL").fetchone()
first, last = sqlite3.connect(main).execute("SELECT min(inventory_at), max(inventory_at) FROM hosts").fetchone()
print(f"hosts with an inventory: {with_inventory}" +
      (f", the last stored {last - first} s after the first" if first is not None else ""))
PY
# What the server warned about during run 1, by kind (numbers masked), most frequent first.
grep -h " warning " "$work/server.log" | sed -E 's/^[^ ]+ warning [^:]+: //; s/[0-9]+/N/g' | cut -c1-150 |
  sort | uniq -c | sort -rn | head -5 | sed 's/^ */server warnings: /' || true

if [ "${PARC_BENCH_RESTART:-1}" = 0 ]; then
  kill "$server_pid"; wait "$server_pid" || true
  grep -h "reports over the channel" "$work/server.log" | tail -1 | sed 's/^.*reports over/at shutdown: reports over/' || true
  rm -rf "$work"; exit 0
fi
echo "== run 2: restart the server; every agent redials at once (connect-rate = agents), then as the agent does (1-10 s jitter, backoff)"
kill "$server_pid"; wait "$server_pid" || true
start_server "$port"
grep -h "metrics store: " "$work/server.log" | tail -1 | sed 's/^.*metrics store:/at start: metrics store:/' || true
"${loadgen_cpu[@]}" "$bin/bench/parc-loadgen" --server "127.0.0.1:$port" --ca-fingerprint "$fp" --agents "$agents" \
  --duration 60 --report-interval 3600 --connect-rate "$agents" --threads "$threads" \
  --state-dir "$work/state" --json | tail -1
echo "server peak RSS: $(( $(peak_rss) / 1024 )) MiB"
kill "$server_pid"; wait "$server_pid" || true
rm -rf "$work"
