#!/usr/bin/env bash
# Reproduces the figures in docs/benchmarks.md: starts a collector on a fresh temp directory,
# pushes LINES real log lines with the load generator, then measures search latency.
#   bash bench/run.sh [LINES [push options...]]   e.g. bash bench/run.sh 1000000 --connections 32
# (LINES defaults to 1000000; build first, e.g. with .ci/test)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${HIVEWATCH_BUILD_DIR:-build}
LINES=${1:-1000000}
shift || true
DIR=$(mktemp -d /tmp/hivewatch-bench-XXXXXX)
trap 'kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; rm -rf "$DIR"' EXIT

"$BUILD_DIR/collector/hivewatch-collector" --no-auth --listen 127.0.0.1:0 --data-dir "$DIR/data" \
  2>"$DIR/collector.log" &
PID=$!
URL=""
for _ in $(seq 100); do
  URL=$(grep -o 'listening on http://[0-9.:]*' "$DIR/collector.log" | head -1 | cut -d' ' -f3 || true)
  [ -n "$URL" ] && break
  sleep 0.1
done
[ -n "$URL" ] || { echo "collector did not start:"; cat "$DIR/collector.log"; exit 1; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; collector at $URL"
"$BUILD_DIR/bench/hivewatch-bench-push" --url "$URL" --lines "$LINES" "$@"
echo "database: $(du -sh "$DIR/data" | cut -f1) for $LINES lines"
"$BUILD_DIR/bench/hivewatch-bench-search" --url "$URL"
