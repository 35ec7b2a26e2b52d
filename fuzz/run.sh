#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/CMakeLists.txt, clang, ASan + UBSan) and runs each one for
# SECONDS seconds (default 10) from the seed corpus in fuzz/corpus/<target>/, then prints how many
# inputs each ran. New inputs the fuzzer finds go to $BUILD_DIR/corpus/<target>/, never into the
# repository; a crash leaves its input in $BUILD_DIR/artifacts/ and makes the script fail.
#   fuzz/run.sh              # every target, 10 s each
#   fuzz/run.sh 600 promql   # one target, 10 minutes
# HIVEWATCH_FUZZ_SEED fixes libFuzzer's random seed (CI sets 1, so a run is repeatable); unset or
# 0 = a new seed each run.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH=${1:-10}
shift || true
TARGETS=("$@")
if [ "${#TARGETS[@]}" -eq 0 ]; then TARGETS=(push_decoder log_query promql syslog spool); fi
BUILD_DIR=${HIVEWATCH_FUZZ_BUILD_DIR:-build-fuzz}

CXX=${CXX:-clang++}
if ! command -v "$CXX" >/dev/null; then
  echo "fuzz/run.sh: $CXX not found (install clang and libclang-rt-14-dev)" >&2
  exit 1
fi
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S fuzz -B "$BUILD_DIR" -G Ninja -DCMAKE_CXX_COMPILER="$CXX" "${launcher[@]}" >/dev/null
targets=()
for t in "${TARGETS[@]}"; do targets+=("${t}_fuzz"); done
cmake --build "$BUILD_DIR" -j"${HIVEWATCH_FUZZ_JOBS:-$(nproc)}" --target "${targets[@]}"

mkdir -p "$BUILD_DIR/artifacts"
status=0
for t in "${TARGETS[@]}"; do
  mkdir -p "$BUILD_DIR/corpus/$t"
  log="$BUILD_DIR/$t.log"
  # -timeout: one input running over 10 s is a hang; -rss_limit_mb: a leak or a blow-up.
  if "$BUILD_DIR/${t}_fuzz" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
      -seed="${HIVEWATCH_FUZZ_SEED:-0}" \
      -print_final_stats=1 -artifact_prefix="$BUILD_DIR/artifacts/$t-" \
      "$BUILD_DIR/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz: $t: $runs inputs in ${SECONDS_EACH}s, no crash"
  else
    echo "fuzz: $t: FAILED (see $log and $BUILD_DIR/artifacts/)" >&2
    grep -m5 -E "ERROR|runtime error|SUMMARY" "$log" >&2 || tail -20 "$log" >&2
    status=1
  fi
done
exit $status
