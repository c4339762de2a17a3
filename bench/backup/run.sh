#!/usr/bin/env bash
# Backup benchmark: parc-agent vs restic vs borg on the same generated office-like tree,
# same machine, same run. Measures first backup, unchanged re-backup, 1 %-changed
# re-backup, restore, peak RSS (/usr/bin/time -v) and repository size.
#
# Usage: bench/backup/run.sh [SIZE_MB=1024] [TOOLS="parc restic borg"] [BUILD_DIR=build]
# Environment: BENCH_DIR (default /tmp/parc-bench-backup), THREADS (parc; default: cores).
# Page cache is warm for every tool (the tree was just written): this measures the
# tools' CPU work, not the disk.
set -euo pipefail

size_mb=${1:-1024}
tools=${2:-"parc restic borg"}
build=${3:-build}
here=$(cd "$(dirname "$0")" && pwd)
repo_root=$(cd "$here/../.." && pwd)
agent="$repo_root/$build/agent/parc-agent"
work=${BENCH_DIR:-/tmp/parc-bench-backup}
threads=${THREADS:-0}

[ -x "$agent" ] || { echo "build parc-agent first ($agent)"; exit 1; }
for t in restic borg; do
  if [[ " $tools " == *" $t "* ]] && ! command -v "$t" >/dev/null; then
    echo "$t missing: ./scripts/install-deps.sh"; exit 1
  fi
done

rm -rf "$work"
mkdir -p "$work"
src="$work/src/Mairie"
echo "== generating ${size_mb} MiB in $src"
python3 "$here/gen_tree.py" "$src" "$size_mb" 1
tree_bytes=$(du -sb "$src" | cut -f1)
files=$(find "$src" -type f | wc -l)
cp -a "$work/src" "$work/src-pristine"  # every tool starts from the same tree

export RESTIC_PASSWORD=bench BORG_PASSPHRASE=bench
export BORG_BASE_DIR="$work/borg-base" BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
results="$work/results.tsv"
: >"$results"

# measure TOOL STEP BYTES -- command...: wall seconds and peak RSS from GNU time.
measure() {
  local tool=$1 step=$2 bytes=$3
  shift 4
  local log="$work/$tool-$step.time"
  /usr/bin/time -v -o "$log" "$@" >"$work/$tool-$step.out" 2>&1 || {
    echo "$tool $step failed:"; tail -5 "$work/$tool-$step.out"; exit 1; }
  local wall rss cpu
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$log")
  printf "%s\t%s\t%s\t%s\t%s\t%s\n" "$tool" "$step" "$wall" "$rss" "$bytes" "$cpu" >>"$results"
  printf "   %-7s %-10s %7.2f s  %6.2f s CPU  %6d MiB RSS\n" "$tool" "$step" "$wall" "$cpu" $((rss / 1024))
}

reset_tree() {
  rm -rf "$work/src"
  cp -a "$work/src-pristine" "$work/src"
  # Old timestamps, as on a PC whose files were written days ago (racy-file rules aside).
  find "$work/src" -exec touch -h -d '2026-01-01 10:00' {} +
}

run_tool() {
  local tool=$1 repo="$work/repo-$1" dest="$work/restore-$1"
  reset_tree
  echo "== $tool"
  case $tool in
    parc)
      local common=(--repo "$repo" --key-file "$work/parc.key" --cache "$work/parc-cache.db"
                    --host bench --threads "$threads")
      "$agent" backup --init "${common[@]}" --list >/dev/null
      measure parc first "$tree_bytes" -- "$agent" backup "${common[@]}" --source "$src"
      measure parc unchanged 0 -- "$agent" backup "${common[@]}" --source "$src"
      python3 "$here/gen_tree.py" --change "$src" 1 1 >/dev/null
      measure parc changed 0 -- "$agent" backup "${common[@]}" --source "$src"
      measure parc restore "$tree_bytes" -- "$agent" restore --repo "$repo" \
        --key-file "$work/parc.key" --snapshot latest --target "$dest" --threads "$threads"
      ;;
    restic)
      restic init --repo "$repo" --repository-version 2 >/dev/null
      local r=(restic --repo "$repo" --cache-dir "$work/restic-cache" --host bench)
      measure restic first "$tree_bytes" -- "${r[@]}" backup "$src"
      measure restic unchanged 0 -- "${r[@]}" backup "$src"
      python3 "$here/gen_tree.py" --change "$src" 1 1 >/dev/null
      measure restic changed 0 -- "${r[@]}" backup "$src"
      measure restic restore "$tree_bytes" -- "${r[@]}" restore latest --target "$dest"
      ;;
    borg)
      borg init -e repokey "$repo" >/dev/null 2>&1
      measure borg first "$tree_bytes" -- borg create "$repo::first" "$src"
      measure borg unchanged 0 -- borg create "$repo::unchanged" "$src"
      python3 "$here/gen_tree.py" --change "$src" 1 1 >/dev/null
      measure borg changed 0 -- borg create "$repo::changed" "$src"
      mkdir -p "$dest"
      measure borg restore "$tree_bytes" -- bash -c "cd '$dest' && borg extract '$repo::changed'"
      ;;
  esac
  # The restore must give back the changed tree exactly.
  local restored
  restored=$(find "$dest" -type d -name Mairie -path "*src/Mairie" | head -1)
  diff -r "$src" "$restored" >/dev/null || { echo "$tool restore differs from the source"; exit 1; }
  printf "%s\tsize\t0\t0\t%s\t0\n" "$tool" "$(du -sb "$repo" | cut -f1)" >>"$results"
  rm -rf "$dest"
}

for t in $tools; do run_tool "$t"; done

sha=$(openssl speed -seconds 1 -bytes 1048576 sha256 2>/dev/null | awk '/^sha256/ {print $2}')
cores=$(nproc)
echo
echo "Tree: $files files, $((tree_bytes / 1048576)) MiB (gen_tree.py $size_mb, seed 1); $cores cores;"
echo "SHA-256 ${sha} per core (openssl speed, 1 MiB blocks); warm page cache;"
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) (other sessions share the cores)."
echo
python3 - "$results" "$tree_bytes" <<'PY'
import sys, collections
rows = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    tool, step, wall, rss, nbytes, cpu = line.rstrip("\n").split("\t")
    rows[tool][step] = (float(wall), int(rss), int(nbytes), float(cpu))
tree = int(sys.argv[2])
tools = list(rows)
def cell(t, f):
    try: return f(rows[t])
    except (KeyError, ZeroDivisionError): return "-"
lines = [
 ("first backup, MB/s", lambda r: "%.0f (%.1f s)" % (tree / 1e6 / r["first"][0], r["first"][0])),
 ("unchanged re-backup, s", lambda r: "%.2f" % r["unchanged"][0]),
 ("1 %-changed re-backup, s", lambda r: "%.2f" % r["changed"][0]),
 ("restore, MB/s", lambda r: "%.0f (%.1f s)" % (tree / 1e6 / r["restore"][0], r["restore"][0])),
 ("CPU (user+sys) first backup, s", lambda r: "%.1f" % r["first"][3]),
 ("CPU (user+sys) restore, s", lambda r: "%.1f" % r["restore"][3]),
 ("peak RSS backup, MiB", lambda r: "%d" % (max(r[s][1] for s in ("first", "unchanged", "changed")) // 1024)),
 ("peak RSS restore, MiB", lambda r: "%d" % (r["restore"][1] // 1024)),
 ("repository, MiB", lambda r: "%.0f" % (r["size"][2] / 1048576)),
]
print("| | " + " | ".join(tools) + " |")
print("|---|" + "---|" * len(tools))
for name, f in lines:
    print("| " + name + " | " + " | ".join(cell(t, f) for t in tools) + " |")
if "parc" in rows and "restic" in rows:
    p, r = rows["parc"], rows["restic"]
    print()
    print("parc vs restic: first backup %.1fx, unchanged %.1fx, changed %.1fx, restore %.1fx, size %.2fx" % (
        r["first"][0] / p["first"][0], r["unchanged"][0] / p["unchanged"][0],
        r["changed"][0] / p["changed"][0], r["restore"][0] / p["restore"][0],
        p["size"][2] / r["size"][2]))
    print("CPU time, restic / parc: first backup %.1fx, restore %.1fx" % (
        r["first"][3] / p["first"][3], r["restore"][3] / p["restore"][3]))
PY
