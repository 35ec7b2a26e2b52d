#!/usr/bin/env bash
# The commented default configurations the packages install (packaging/agent.toml,
# packaging/collector.toml) are valid as shipped and still valid with every commented-out setting
# turned on: each key they show exists, with a value of the right type and range.
# Usage: default_configs_test.sh AGENT_BIN COLLECTOR_BIN PACKAGING_DIR
set -euo pipefail
AGENT=$1 COLLECTOR=$2 DIR=$3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# "# key = value" and "# [table]" / "# [[table]]" lines lose their "# ".
uncomment() { sed -E 's/^# (\[|[a-z_]+ = )/\1/' "$1"; }

check() {  # BIN FILE
  local out
  out=$("$1" --config "$2" --check-config 2>&1) || { echo "FAILED: $2: $out"; exit 1; }
  echo "$(basename "$2"): $out"
}
check "$AGENT" "$DIR/agent.toml"
check "$COLLECTOR" "$DIR/collector.toml"
uncomment "$DIR/agent.toml" >"$WORK/agent-all.toml"
uncomment "$DIR/collector.toml" >"$WORK/collector-all.toml"
n_agent=$(grep -cE '^[a-z_]+ = ' "$WORK/agent-all.toml")
n_collector=$(grep -cE '^[a-z_]+ = ' "$WORK/collector-all.toml")
check "$AGENT" "$WORK/agent-all.toml"
check "$COLLECTOR" "$WORK/collector-all.toml"
echo "every setting shown is accepted: $n_agent in agent.toml, $n_collector in collector.toml"
