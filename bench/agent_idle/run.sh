#!/usr/bin/env bash
# Agent idle footprint (docs/benchmarks.md): a release parc-agent enrolled to a local
# parc-server at default intervals, measured from /proc over SECONDS (default 600) after
# its first inventory: CPU ticks, RSS (at the end, and once a second over the window),
# PSS, private dirty memory, the largest mappings.
# Usage: [PARC_IDLE_AFTER_FIRST_SLOW=1] bench/agent_idle/run.sh [SECONDS]. Build first: scripts/build.sh release.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-600}
bin=$PWD/build
work=$(mktemp -d /tmp/parc-idle-XXXXXX)
cleanup() { kill "${agent_pid:-}" "${server_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$bin/server/parc-server" --data-dir "$work/srv" --agent-listen 127.0.0.1:0 --console-listen 127.0.0.1:0 \
  --log-level warn >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 200); do [ -f "$work/srv/server.json" ] && break; sleep 0.05; done
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$work/srv/server.json" "$1"; }
export XDG_CONFIG_HOME=$work/cfg
ctl="$bin/cli/parcctl"
"$ctl" login --server "$(field console_url)" --ca-fingerprint "$(field ca_fingerprint)" \
  --password-stdin <"$work/srv/initial-admin-password" >/dev/null
"$ctl" tenants create --name "Repos" --insee 12202 >/dev/null
token=$("$ctl" --json tokens create --tenant 1 | python3 -c "import json,sys; print(json.load(sys.stdin)['token'])")
"$bin/agent/parc-agent" run --server "$(field agent_url)" --ca-fingerprint "$(field ca_fingerprint)" \
  --token "$token" --data-dir "$work/agent" >"$work/agent.out" 2>"$work/agent.log" &
agent_pid=$!
for _ in $(seq 1 600); do grep -qs "message(s) delivered" "$work/agent.log" && break; sleep 0.1; done
sleep 5  # the first inventory's memory handed back (agent/service/idle_memory.h)
# PARC_IDLE_AFTER_FIRST_SLOW=1: start the window once the first slow round (SMART, apt;
# 5 minutes after start, then hourly) is over, so that an hour's window holds the steady
# state's one slow round rather than the first one, which has no earlier answer to keep.
if [ "${PARC_IDLE_AFTER_FIRST_SLOW:-0}" = 1 ]; then
  while [ "$(ps -o etimes= -p "$agent_pid" | tr -d ' ')" -lt 400 ]; do sleep 5; done
fi
[ -n "${PARC_IDLE_MALLOC_STATS:-}" ] && gdb -p "$agent_pid" -batch -ex "call (void)malloc_stats()" >/dev/null 2>&1 && tail -n 12 "$work/agent.log"

# utime + stime, and cutime + cstime: the programs its samplers run (systemctl, lpstat…)
# count as its cost once reaped.
ticks() { awk '{print $14 + $15 + $16 + $17}' "/proc/$agent_pid/stat"; }
own_ticks() { awk '{print $14 + $15}' "/proc/$agent_pid/stat"; }
kib() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$agent_pid/smaps_rollup"; }
before=$(ticks)
own_before=$(own_ticks)
# RSS every second: the agent hands its code pages back after each round and maps them
# again at the next, so one reading at the end would say little.
rss_samples=$work/rss
# CPU too, so that the worst 10 minutes of a longer window can be read (the target's span).
tick_samples=$work/ticks
for _ in $(seq 1 "$seconds"); do kib Rss >>"$rss_samples"; ticks >>"$tick_samples"; sleep 1; done
after=$(ticks)
own_after=$(own_ticks)
hz=$(getconf CLK_TCK)
echo "agent idle for $seconds s (with the programs it ran): $((after - before)) ticks of 1/$hz s = $(python3 -c "print(f'{($after-$before)/$hz/$seconds*100:.4f}')") % of one core"
echo "  of which the agent itself: $((own_after - own_before)) ticks, $(python3 -c "print(f'{($own_after-$own_before)/$hz/$seconds*100:.4f}')") %"
[ "$seconds" -gt 600 ] && awk -v hz="$hz" '{t[NR]=$1} END{m=0; for(i=601;i<=NR;i++) if(t[i]-t[i-600]>m){m=t[i]-t[i-600]; e=i}
  printf "  worst 10 minutes of the window (with its children): %d ticks, %.4f %% of one core, ending %d s in\n", m, m/hz/600*100, e}' "$tick_samples"
echo "RSS $(( $(kib Rss) / 1024 )) MiB, PSS $(( $(kib Pss) / 1024 )) MiB, private dirty $(( $(kib Private_Dirty) / 1024 )) MiB, peak RSS $(( $(awk '/VmHWM/ {print $2}' /proc/$agent_pid/status) / 1024 )) MiB"
sort -n "$rss_samples" | awk '{v[NR]=$1; s+=$1} END{printf "RSS over the window, once a second: min %.1f, mean %.1f, p95 %.1f, max %.1f MiB\n", v[1]/1024, s/NR/1024, v[int(NR*0.95)]/1024, v[NR]/1024}'
echo "largest mappings (KiB resident):"
awk '/^[0-9a-f]+-/{name=$6} /^Rss:/{r[name]+=$2} END{for(n in r) if (r[n]>300) print "  " r[n], (n == "" ? "[anonymous]" : n)}' \
  "/proc/$agent_pid/smaps" | sort -rn
