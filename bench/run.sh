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
COLLECTOR_PID=""
trap 'kill "$COLLECTOR_PID" 2>/dev/null || true; wait "$COLLECTOR_PID" 2>/dev/null || true; rm -rf "$DIR"' EXIT

. bench/start_collector.sh
start_collector "$BUILD_DIR" "$DIR"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; collector at $URL"
"$BUILD_DIR/bench/hivewatch-bench-push" --url "$URL" --lines "$LINES" "$@"
echo "database: $(du -sh "$DIR/data" | cut -f1) for $LINES lines"
"$BUILD_DIR/bench/hivewatch-bench-search" --url "$URL"
