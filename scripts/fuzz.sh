#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in build-fuzz/ and runs each for a while.
# Usage: scripts/fuzz.sh [seconds-per-target] [target…]      (default 30 s, all targets)
# New inputs go to build-fuzz/tests/fuzz/corpus/<name>/ (the seeds in tests/fuzz/corpus
# are read, never written); a crash leaves crash-*/leak-*/timeout-* files in
# build-fuzz/tests/fuzz/artifacts/<name>/ and makes the script exit 1.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
shift || true
dir=build-fuzz
export CC=${CC:-clang-14} CXX=${CXX:-clang++-14}
source scripts/ccache-env.sh

cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARC_FUZZ=ON >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(fuzz_json_protocol fuzz_zstd fuzz_csr fuzz_edid fuzz_smbios fuzz_os_release
           fuzz_dpkg_status fuzz_meminfo fuzz_cpuinfo fuzz_base32 fuzz_password_policy
           fuzz_metrics_payload fuzz_backup_formats fuzz_cii_reader fuzz_stream_frames
           fuzz_control_envelope fuzz_agent_batch)
fi
ninja -C "$dir" "${targets[@]}"

status=0
printf '%-22s %8s %12s %10s %8s %s\n' target seconds executions exec/s corpus result
for t in "${targets[@]}"; do
  name=${t#fuzz_}
  work=$dir/tests/fuzz/corpus/$name
  artifacts=$dir/tests/fuzz/artifacts/$name
  log=$dir/tests/fuzz/$t.log
  mkdir -p "$work" "$artifacts"
  result=ok
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a bomb is a crash.
  if ! "$dir/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "tests/fuzz/corpus/$name" \
      >"$log" 2>&1; then
    result="CRASH (see $log and $artifacts/)"
    status=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  corpus=$(find "$work" -type f | wc -l)
  printf '%-22s %8s %12s %10s %8s %s\n' "$t" "$seconds" "$runs" "$rate" "$corpus" "$result"
done
exit $status
