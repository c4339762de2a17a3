#!/usr/bin/env bash
# Inventory benchmark: Parc vs FusionInventory on this machine, in the same run.
#   sudo bench/inventory/run.sh [N]      N measured runs of each (default 5), after one warm-up
# Needs: build/agent/parc-agent (./scripts/build.sh release parc-agent), Debian's
# fusioninventory-agent, /usr/bin/time (package time), python3; smartmontools optional.
# Runs are interleaved (Parc, FusionInventory, Parc, ...) so that a noisy neighbour on a
# shared machine costs both alike. Prints Markdown; raw files stay in the printed directory.
set -euo pipefail
export LC_ALL=C  # a dot in $EPOCHREALTIME and in time's output
cd "$(dirname "$0")/../.."

N=${1:-5}
PARC=${PARC_AGENT:-build/agent/parc-agent}
SCHEMA=${GLPI_SCHEMA:-../shared/reference/glpi-inventory/inventory.schema.json}
FI=$(command -v fusioninventory-inventory || true)
SMARTCTL=$(command -v smartctl || true)
OUT=$(mktemp -d /tmp/parc-bench-inventory.XXXXXX)

die() { echo "run.sh: $*" >&2; exit 1; }
[[ -x $PARC ]] || die "$PARC missing: ./scripts/build.sh release parc-agent"
[[ -n $FI ]] || die "fusioninventory-inventory missing: apt-get install fusioninventory-agent"
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing: apt-get install time"
[[ $EUID -eq 0 ]] || echo "run.sh: not root: both tools will read less (serials, SMBIOS tables)" >&2

# Same configuration for the Parc runs but the collectors: the software collector's cost is
# the difference between "software only" and "none" (process start, GLPI conversion, output).
others='"system","os","cpu","memory","storage","network","network_config","monitors","pci_devices","usb_devices","batteries","users","sessions","printers","antivirus","firewall","processes"'
printf 'disabled_collectors = []\n' > "$OUT/full.toml"
printf 'disabled_collectors = ["software"]\n' > "$OUT/nosoft.toml"
printf 'disabled_collectors = [%s]\n' "$others" > "$OUT/software-only.toml"
printf 'disabled_collectors = [%s,"software"]\n' "$others" > "$OUT/none.toml"

# measure LABEL OUTPUT COMMAND...: one run; "wall user sys maxrss_kib" from time(1) appended
# to LABEL.times, and the wall time at microsecond resolution to LABEL.wall (time(1) gives
# 10 ms steps, too coarse for a 30 ms program).
measure() {
  local label=$1 output=$2 t0 t1
  shift 2
  t0=$EPOCHREALTIME
  /usr/bin/time -a -o "$OUT/$label.times" -f "%e %U %S %M" "$@" > "$output" 2>> "$OUT/$label.err" ||
    echo "exit $?" >> "$OUT/$label.status"
  t1=$EPOCHREALTIME
  echo "$t0 $t1" >> "$OUT/$label.wall"
}

# Disks for smartctl: what --scan lists; without any, the disks Parc's storage collector sees.
mapfile -t scanned < <([[ -n $SMARTCTL ]] && "$SMARTCTL" --scan | awk '{print $1}')
disks=("${scanned[@]}")
if [[ ${#disks[@]} -eq 0 ]]; then
  for d in /sys/block/*; do
    case ${d##*/} in loop* | ram* | zram* | dm-* | md* | nbd*) continue ;; esac
    disks+=("/dev/${d##*/}")
  done
fi

round() {
  local keep=$1 i=$2
  local suffix=""
  [[ $keep == yes ]] || suffix=".warmup"
  measure "parc$suffix" "$OUT/parc.json" "$PARC" inventory --format glpi
  measure "fusioninventory$suffix" "$OUT/fusioninventory.xml" "$FI"
  measure "parc-with-software$suffix" /dev/null "$PARC" -c "$OUT/full.toml" inventory --format glpi
  measure "parc-without-software$suffix" /dev/null "$PARC" -c "$OUT/nosoft.toml" inventory --format glpi
  measure "parc-software-only$suffix" /dev/null "$PARC" -c "$OUT/software-only.toml" inventory --format glpi
  measure "parc-no-collector$suffix" /dev/null "$PARC" -c "$OUT/none.toml" inventory --format glpi
  measure "fusioninventory-without-software$suffix" /dev/null "$FI" --no-category=software
  measure "dpkg-query-W$suffix" /dev/null dpkg-query -W
  measure "dpkg-query-W-fields$suffix" /dev/null dpkg-query -W \
    -f '${Package}\t${Version}\t${Architecture}\t${Maintainer}\t${Installed-Size}\t${Section}\t${Homepage}\t${binary:Summary}\n'
  if [[ -n $SMARTCTL ]]; then
    measure "smartctl-scan$suffix" /dev/null "$SMARTCTL" --scan
    for d in "${disks[@]}"; do
      measure "smartctl-a-${d##*/}$suffix" "$OUT/smartctl-${d##*/}.json" "$SMARTCTL" --json -a -n standby "$d"
    done
  fi
  echo "round $i done" >&2
}

round no 0
for i in $(seq 1 "$N"); do round yes "$i"; done

python3 bench/inventory/coverage.py ${SCHEMA:+--schema "$SCHEMA"} "$OUT/parc.json" "$OUT/fusioninventory.xml" > "$OUT/coverage.txt"
python3 bench/inventory/coverage.py ${SCHEMA:+--schema "$SCHEMA"} --compare "$OUT/parc.json" "$OUT/fusioninventory.xml" > "$OUT/coverage.md"

python3 - "$OUT" "$N" "${#scanned[@]}" <<'PY'
import os, re, statistics, sys
out, n, scanned = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def runs(label):
    path = os.path.join(out, label + ".times")
    if not os.path.exists(path):
        return None
    rows = []
    for line in open(path):
        parts = line.split()
        if len(parts) == 4 and not line.startswith("Command"):
            wall, user, sys_, rss = map(float, parts)
            rows.append((wall, user + sys_, rss / 1024))
    walls = [float(b) - float(a) for a, b in (l.split() for l in open(path[:-len(".times")] + ".wall"))]
    if len(walls) == len(rows):  # the precise wall time replaces time(1)'s 10 ms one
        rows = [(w, cpu, rss) for w, (_, cpu, rss) in zip(walls, rows)]
    return rows

def med(rows, i):
    return statistics.median(r[i] for r in rows)

def spread(rows, i, fmt):
    return f"{fmt.format(med(rows, i))} ({fmt.format(min(r[i] for r in rows))}–{fmt.format(max(r[i] for r in rows))})"

def status(label):
    path = os.path.join(out, label + ".status")
    return f" (exit code {open(path).read().split()[-1]})" if os.path.exists(path) else ""

parc, fi = runs("parc"), runs("fusioninventory")
print(f"### Whole inventory (median of {n} runs, min–max in parentheses)\n")
print("| Measure | Parc (`parc-agent inventory --format glpi`) | FusionInventory (`fusioninventory-inventory`) | FusionInventory / Parc |")
print("|---|---|---|---|")
for name, i, fmt in (("Wall time (s)", 0, "{:.3f}"), ("CPU time, user+sys (s)", 1, "{:.3f}"),
                     ("Peak RSS (MiB)", 2, "{:.1f}")):
    ratio = med(fi, i) / med(parc, i) if med(parc, i) > 0 else float("inf")
    print(f"| {name} | {spread(parc, i, fmt)} | {spread(fi, i, fmt)} | {ratio:.1f}× |")
cov = open(os.path.join(out, "coverage.txt")).read().splitlines()
def cov_cells(line):
    m = re.findall(r"(\d+) sections, (\d+) distinct filled fields, (\d+) filled values", line)
    return [f"{a} sections, {b} fields, {c} values" for a, b, c in m]
p, f = cov_cells(cov[0]), cov_cells(cov[1])
print(f"| Coverage (all of the document) | {p[0]} | {f[0]} | |")
if len(p) > 1:
    print(f"| Coverage (fields of GLPI's schema) | {p[1]} | {f[1]} | |")

print(f"\n### Parts (median of {n} runs)\n")
print("| Part | Command | Wall (s) | CPU (s) | Peak RSS (MiB) |")
print("|---|---|---|---|---|")
parts = [
    ("Parc, with software", "parc-agent -c full.toml inventory --format glpi", "parc-with-software"),
    ("Parc, without software", "parc-agent -c nosoft.toml inventory --format glpi", "parc-without-software"),
    ("Parc, software collector only", "parc-agent -c software-only.toml inventory --format glpi", "parc-software-only"),
    ("Parc, no collector (start, conversion, output)", "parc-agent -c none.toml inventory --format glpi", "parc-no-collector"),
    ("FusionInventory, without software", "fusioninventory-inventory --no-category=software", "fusioninventory-without-software"),
    ("dpkg-query, names only", "dpkg-query -W", "dpkg-query-W"),
    ("dpkg-query, Parc's fields", "dpkg-query -W -f '${Package}…${binary:Summary}'", "dpkg-query-W-fields"),
    ("smartctl --scan", "smartctl --scan", "smartctl-scan"),
]
for f_ in sorted(os.listdir(out)):
    m = re.match(r"smartctl-a-(.+?)\.times$", f_)
    if m and m.group(1).endswith(".warmup"):
        continue
    if m:
        parts.append((f"smartctl on /dev/{m.group(1)}", f"smartctl --json -a -n standby /dev/{m.group(1)}", f"smartctl-a-{m.group(1)}"))
for name, cmd, label in parts:
    rows = runs(label)
    if rows:
        print(f"| {name}{status(label)} | `{cmd}` | {med(rows, 0):.3f} | {med(rows, 1):.3f} | {med(rows, 2):.1f} |")
ws, wo = runs("parc-with-software"), runs("parc-without-software")
so, no = runs("parc-software-only"), runs("parc-no-collector")
fs, fo = runs("fusioninventory"), runs("fusioninventory-without-software")
print(f"\nSoftware collection cost (differences of medians): Parc {med(so,0)-med(no,0):+.3f} s wall, "
      f"{med(so,1)-med(no,1):+.3f} s CPU (software only − no collector), "
      f"{med(ws,0)-med(wo,0):+.3f} s wall (all − all but software); "
      f"FusionInventory {med(fs,0)-med(fo,0):+.3f} s wall, {med(fs,1)-med(fo,1):+.3f} s CPU (all − --no-category=software).")
print(f"smartctl --scan listed {scanned} device(s)." + (" The per-disk lines probe the block devices instead: no SMART answer expected." if scanned == 0 else ""))

print("\n### Coverage by section (distinct filled fields, and filled values)\n")
print(open(os.path.join(out, "coverage.md")).read().replace(os.path.join(out, ""), ""))

wall = med(fi, 0) / med(parc, 0)
rss = med(parc, 2) / med(fi, 2)
last = cov[-1] if len(cov) else ""
pf = [int(x) for x in re.findall(r"(\d+) distinct", cov[0])][-1]
ff = [int(x) for x in re.findall(r"(\d+) distinct", cov[1])][-1]
print("### Targets (issue 3)\n")
print(f"- Parc ≥ 8× faster (wall): {wall:.1f}× — {'met' if wall >= 8 else 'NOT met'}")
print(f"- Parc peak RSS ≤ ¼ of FusionInventory's: {rss:.2f} — {'met' if rss <= 0.25 else 'NOT met'}")
print(f"- Coverage ≥ FusionInventory's (distinct filled fields{', GLPI schema' if len(p) > 1 else ''}): {pf} vs {ff} — {'met' if pf >= ff else 'NOT met'}")
print(f"\nRaw data: {out}")
PY
