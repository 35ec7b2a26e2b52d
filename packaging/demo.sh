#!/usr/bin/env bash
# The main job on one machine: installs what is needed, builds, and runs a collector on an
# embedded SQLite file in ./demo-data, with API tokens made for you. Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh

BUILD_DIR=${HIVEWATCH_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHIVEWATCH_WERROR=ON >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target hivewatch-collector hivewatch

DATA_DIR=${HIVEWATCH_DEMO_DIR:-$PWD/demo-data}
LISTEN=${HIVEWATCH_LISTEN:-127.0.0.1:9800}
COLLECTOR="$BUILD_DIR/collector/hivewatch-collector"
mkdir -p "$DATA_DIR"

# Tokens are shown once at creation; keep them next to the data for the demo.
TOKENS="$DATA_DIR/demo-tokens.env"
if [ ! -f "$TOKENS" ]; then
  ingest=$("$COLLECTOR" --data-dir "$DATA_DIR" token create --name demo-ingest --scope ingest 2>/dev/null)
  read=$("$COLLECTOR" --data-dir "$DATA_DIR" token create --name demo-read --scope read 2>/dev/null)
  printf 'HIVEWATCH_INGEST_TOKEN=%s\nHIVEWATCH_TOKEN=%s\n' "$ingest" "$read" > "$TOKENS"
  chmod 600 "$TOKENS"
fi
# shellcheck disable=SC1090
. "$TOKENS"

URL="http://$LISTEN"
cat <<MSG

  hivewatch collector starting on $URL (data: $DATA_DIR/hivewatch.db)

  Dashboard: $URL/  (the web dashboard is not built yet: issue 6; the API below works)
  Push:      curl -H "Authorization: Bearer $HIVEWATCH_INGEST_TOKEN" -H 'Content-Type: application/json' \\
               --data-binary @batch.json $URL/api/v1/push        (format: docs/api.md)
  Search:    HIVEWATCH_URL=$URL HIVEWATCH_TOKEN=$HIVEWATCH_TOKEN $BUILD_DIR/cli/hivewatch logs --since 1h
  Tokens:    $TOKENS

MSG
exec "$COLLECTOR" --listen "$LISTEN" --data-dir "$DATA_DIR"
