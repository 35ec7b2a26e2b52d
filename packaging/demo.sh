#!/usr/bin/env bash
# The main job on one machine: installs what is needed, builds, then runs a collector on an
# embedded SQLite file in ./demo-data plus a local agent shipping this host's metrics to it,
# with API tokens made for you. Ctrl-C stops both cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh

BUILD_DIR=${HIVEWATCH_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHIVEWATCH_WERROR=ON >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target hivewatch-collector hivewatch-agent hivewatch

DATA_DIR=${HIVEWATCH_DEMO_DIR:-$PWD/demo-data}
LISTEN=${HIVEWATCH_LISTEN:-127.0.0.1:9800}
COLLECTOR="$BUILD_DIR/collector/hivewatch-collector"
AGENT="$BUILD_DIR/agent/hivewatch-agent"
mkdir -p "$DATA_DIR"

# Tokens are shown once at creation; keep them next to the data for the demo.
TOKENS="$DATA_DIR/demo-tokens.env"
if [ ! -f "$TOKENS" ]; then
  ingest=$("$COLLECTOR" --data-dir "$DATA_DIR/collector" token create --name demo-agent --scope ingest 2>/dev/null)
  read=$("$COLLECTOR" --data-dir "$DATA_DIR/collector" token create --name demo-read --scope read 2>/dev/null)
  printf 'HIVEWATCH_INGEST_TOKEN=%s\nHIVEWATCH_TOKEN=%s\n' "$ingest" "$read" > "$TOKENS"
  chmod 600 "$TOKENS"
fi
# shellcheck disable=SC1090
. "$TOKENS"
URL="http://$LISTEN"

mkdir -p "$DATA_DIR/logs"
# The collector's own log also goes to a file, which the demo agent tails: logs to search at once.
"$COLLECTOR" --listen "$LISTEN" --data-dir "$DATA_DIR/collector" \
  2> >(tee -a "$DATA_DIR/logs/collector.log" | sed -u 's/^/[collector] /' >&2) &
COLLECTOR_PID=$!
AGENT_PID=""
# Stop the agent first so that its last batches reach the collector, then the collector.
stop() {
  [ -n "$AGENT_PID" ] && kill -TERM "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
  kill -TERM "$COLLECTOR_PID" 2>/dev/null; wait "$COLLECTOR_PID" 2>/dev/null
}
trap 'stop; exit 0' INT TERM
trap stop EXIT
for _ in $(seq 100); do
  curl -fs "$URL/healthz" >/dev/null 2>&1 && break
  kill -0 $COLLECTOR_PID 2>/dev/null || { echo "the collector did not start (see above)"; exit 1; }
  sleep 0.1
done

printf '%s\n' "$HIVEWATCH_INGEST_TOKEN" > "$DATA_DIR/agent-token"
chmod 600 "$DATA_DIR/agent-token"
# The agent: host metrics, the demo's own logs and /var/log/*.log (new lines), syslog on :5514.
cat > "$DATA_DIR/agent.toml" <<TOML
[agent]
collectors = ["$URL"]
token_file = "$DATA_DIR/agent-token"
state_dir = "$DATA_DIR/agent"

[[inputs.file]]
paths = ["$DATA_DIR/logs/*.log"]
start_at = "beginning"

[[inputs.file]]
paths = ["/var/log/*.log"]

[inputs.syslog]
enabled = true
udp_listen = "127.0.0.1:5514"
tcp_listen = "127.0.0.1:5514"
TOML
"$AGENT" --config "$DATA_DIR/agent.toml" 2> >(sed -u 's/^/[agent] /' >&2) &
AGENT_PID=$!

cat <<MSG

  hivewatch is running: a collector on $URL (data: $DATA_DIR/collector/hivewatch.db)
  and a local agent shipping this host's metrics every 10 s, the demo's own logs, /var/log/*.log
  and syslog sent to 127.0.0.1:5514 (try: logger -n 127.0.0.1 -P 5514 --tcp "hello hivewatch").

  Dashboard: $URL/  (when it asks for a token, paste the read token: $HIVEWATCH_TOKEN)
  Hosts:     HIVEWATCH_URL=$URL HIVEWATCH_TOKEN=$HIVEWATCH_TOKEN $BUILD_DIR/cli/hivewatch hosts
  Logs:      HIVEWATCH_URL=$URL HIVEWATCH_TOKEN=$HIVEWATCH_TOKEN $BUILD_DIR/cli/hivewatch logs --since 1h
  Push:      curl -H "Authorization: Bearer $HIVEWATCH_INGEST_TOKEN" -H 'Content-Type: application/json' \\
               --data-binary @batch.json $URL/api/v1/push        (format: docs/api.md)
  Tokens:    $TOKENS        Ctrl-C stops both.

MSG
wait $COLLECTOR_PID
