#!/usr/bin/env bash
# Reproduces the figures in docs/benchmarks.md: starts a collector on a fresh temp directory,
# pushes LINES real log lines with the load generator, then measures search latency.
#   bash bench/run.sh [LINES [push options...]]   e.g. bash bench/run.sh 1000000 --connections 32
#   BACKEND=clickhouse bash bench/run.sh 1000000   the same on the clickhouse backend: a
#                                                   clickhouse-server started in the temp dir
# (LINES defaults to 1000000; build first, e.g. with .ci/test)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${HIVEWATCH_BUILD_DIR:-build}
LINES=${1:-1000000}
shift || true
BACKEND=${BACKEND:-sqlite}
DIR=$(mktemp -d /tmp/hivewatch-bench-XXXXXX)
COLLECTOR_PID=""
CH_PID=""
trap 'kill $COLLECTOR_PID $CH_PID 2>/dev/null || true; wait $COLLECTOR_PID $CH_PID 2>/dev/null || true; rm -rf "$DIR"' EXIT

STORAGE_ARGS=()
if [ "$BACKEND" = clickhouse ]; then
  # Debian's stock config with every path in $DIR and loopback-only ports (as the tests do:
  # tests/support/clickhouse_process.cc).
  CH_HTTP=18323
  sed -e "s|<log>.*</log>|<log>$DIR/ch/server.log</log>|" \
      -e "s|<errorlog>.*</errorlog>|<errorlog>$DIR/ch/server.err.log</errorlog>|" \
      -e "s|<http_port>.*</http_port>|<http_port>$CH_HTTP</http_port>|" \
      -e "s|<tcp_port>.*</tcp_port>|<tcp_port>19300</tcp_port>|" \
      -e "s|<interserver_http_port>.*</interserver_http_port>|<interserver_http_port>19309</interserver_http_port>|" \
      -e "s|<listen_host>.*</listen_host>||" -e "s|</yandex>|<listen_host>127.0.0.1</listen_host></yandex>|" \
      -e "s|/var/lib/clickhouse/|$DIR/ch/data/|g" /etc/clickhouse-server/config.xml >"$DIR/config.xml"
  cp /etc/clickhouse-server/users.xml "$DIR/"
  clickhouse-server --config-file="$DIR/config.xml" >"$DIR/ch.out" 2>&1 &
  CH_PID=$!
  for _ in $(seq 100); do curl -s "http://127.0.0.1:$CH_HTTP/ping" >/dev/null && break; sleep 0.1; done
  STORAGE_ARGS=(--storage clickhouse --clickhouse-url "http://127.0.0.1:$CH_HTTP"
                --clickhouse-database bench)
fi

. bench/start_collector.sh
start_collector "$BUILD_DIR" "$DIR" "${STORAGE_ARGS[@]}"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg); $BACKEND collector at $URL"
"$BUILD_DIR/bench/hivewatch-bench-push" --url "$URL" --lines "$LINES" "$@"
if [ "$BACKEND" = clickhouse ]; then
  echo "database: $(du -sh "$DIR/ch/data/data/bench" | cut -f1) for $LINES lines (ClickHouse, before merges settle)"
else
  echo "database: $(du -sh "$DIR/data" | cut -f1) for $LINES lines"
fi
"$BUILD_DIR/bench/hivewatch-bench-search" --url "$URL"
