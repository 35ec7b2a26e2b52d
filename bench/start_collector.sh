# Sourced by the bench scripts: start_collector BUILD_DIR DIR [ARGS...] starts a collector on a
# free loopback port (--no-auth, data in DIR/data, log in DIR/collector.log, ARGS appended) and
# sets COLLECTOR_PID and URL; exits with the log when it does not come up within 10 s.
start_collector() {
  "$1/collector/hivewatch-collector" --no-auth --listen 127.0.0.1:0 --data-dir "$2/data" \
    "${@:3}" 2>"$2/collector.log" &
  COLLECTOR_PID=$!
  URL=""
  for _ in $(seq 100); do
    URL=$(grep -o 'listening on http://[0-9.:]*' "$2/collector.log" | head -1 | cut -d' ' -f3 || true)
    [ -n "$URL" ] && return 0
    sleep 0.1
  done
  echo "collector did not start:"; cat "$2/collector.log"; exit 1
}
