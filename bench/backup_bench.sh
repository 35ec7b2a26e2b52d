#!/usr/bin/env bash
# Online backup of the collector's SQLite database while it ingests (docs/operations.md, figures
# in docs/benchmarks.md): starts a collector on a fresh temp directory, preloads PRELOAD lines,
# then pushes LINES more and, while that push runs, makes one copy with the sqlite3 shell's
# .backup and COPIES copies with VACUUM INTO. Prints each copy's time, integrity_check, its log lines and
# batches (whole batches only: lines = 1000 x batches), and whether the push was still running.
#   bash bench/backup_bench.sh [PRELOAD [LINES [COPIES]]]   (defaults 2000000 1000000 5)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${HIVEWATCH_BUILD_DIR:-build}
PRELOAD=${1:-2000000} LINES=${2:-1000000} COPIES=${3:-5}
DIR=$(mktemp -d /tmp/hivewatch-backup-bench-XXXXXX)
PUSH=""
PID=""
trap 'kill ${PID:+"$PID"} ${PUSH:+"$PUSH"} 2>/dev/null; wait 2>/dev/null; rm -rf "$DIR"' EXIT

. bench/start_collector.sh
start_collector "$BUILD_DIR" "$DIR"
PID=$COLLECTOR_PID
DB="$DIR/data/hivewatch.db"
batches() { sqlite3 "$1" 'SELECT count(*) FROM batches'; }

echo "machine: $(nproc) cores; $(uptime | sed 's/.*load/load/')"
"$BUILD_DIR/bench/hivewatch-bench-push" --url "$URL" --lines "$PRELOAD" --connections 4 | tail -1
echo "preloaded: $(du -sh "$DB" | cut -f1)"
base=$(batches "$DB")
"$BUILD_DIR/bench/hivewatch-bench-push" --url "$URL" --lines "$LINES" --connections 4 \
  >"$DIR/push.out" &
PUSH=$!
until [ "$(batches "$DB")" -gt "$base" ]; do sleep 0.1; done  # the push is committing now
copy() {  # NAME SQL-OR-DOT-COMMAND
  local start t running=no
  start=$(date +%s.%N)
  sqlite3 "$DB" "$2"
  t=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  kill -0 "$PUSH" 2>/dev/null && running=yes
  printf '%-8s %5.2f s  %s  lines %-8s batches %-6s %s  push still running: %s\n' "$1" "$t" \
    "$(sqlite3 "$DIR/$1.db" 'PRAGMA integrity_check' | head -1)" \
    "$(sqlite3 "$DIR/$1.db" 'SELECT count(*) FROM logs')" "$(batches "$DIR/$1.db")" \
    "$(du -h "$DIR/$1.db" | cut -f1)" "$running"
}
copy backup ".backup '$DIR/backup.db'"
for i in $(seq "$COPIES"); do copy "vacuum$i" "VACUUM INTO '$DIR/vacuum$i.db'"; done
wait "$PUSH"
PUSH=""
tail -3 "$DIR/push.out"
