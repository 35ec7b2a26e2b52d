#!/usr/bin/env bash
# The agent beside Debian's prometheus-node-exporter 1.5, in one run (issue 3's benchmark).
#   bash bench/agent_vs_node_exporter.sh [--cycles N] [--interval-ms MS]
# Starts a real collector (loopback, --no-auth, temp dir), a long-running hivewatch-agent
# shipping to it every MS milliseconds, and two node_exporters on free loopback ports: one with
# its default collectors minus systemd (as the issue says) and one with only the collectors the
# agent has. For N cycles all three run side by side: the agent collects, encodes, gzips, fsyncs
# to its spool and pushes; each node_exporter answers one gzip scrape every MS milliseconds
# (curl --rate, one kept-alive connection, as Prometheus). CPU per cycle is the difference of
# utime+stime (/proc/PID/stat) over the window divided by the cycles in it (the agent's cycles
# are the batches the collector received); memory is /proc/PID/status between cycles.
# Prints figures; never a pass/fail test. Installs prometheus-node-exporter with apt-get if it
# is missing (a bench tool, not a CI dependency). Build first:
#   cmake --build build --target hivewatch-agent hivewatch-collector
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${HIVEWATCH_BUILD_DIR:-build}
CYCLES=600
INTERVAL_MS=100
while [ $# -gt 0 ]; do
  case "$1" in
    --cycles) CYCLES=$2; shift 2 ;;
    --interval-ms) INTERVAL_MS=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
AGENT="$BUILD_DIR/agent/hivewatch-agent"
COLLECTOR="$BUILD_DIR/collector/hivewatch-collector"
for b in "$AGENT" "$COLLECTOR"; do
  [ -x "$b" ] || { echo "$b not built (cmake --build $BUILD_DIR --target $(basename "$b"))" >&2; exit 1; }
done
NE=$(command -v prometheus-node-exporter || true)
if [ -z "$NE" ]; then
  echo "installing prometheus-node-exporter (Debian package, bench only)" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends \
    prometheus-node-exporter >&2
  NE=$(command -v prometheus-node-exporter)
fi

DIR=$(mktemp -d /tmp/hivewatch-agentbench-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT

# A loopback port nothing listens on.
free_port() {
  local p
  for p in $(seq "$1" $(($1 + 500))); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "no free port from $1" >&2; exit 1
}
wait_for() {  # wait_for DESCRIPTION COMMAND...: up to 10 s
  local what=$1; shift
  for _ in $(seq 100); do "$@" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "$what did not come up" >&2; exit 1
}
ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }  # utime + stime
thread_ticks() {  # "TID TICKS" for each thread of PID
  local t
  for t in /proc/"$1"/task/*; do echo "${t##*/} $(sed 's/^.*) //' "$t/stat" | awk '{print $12 + $13}')"; done
}
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
batches() {
  curl -sf "$URL/api/v1/hosts" | jq '[.hosts[] | select(.host == "agentbench") | .batches] | add // 0'
}

. bench/start_collector.sh
start_collector "$BUILD_DIR" "$DIR"
PIDS+=($COLLECTOR_PID)

# Only the proc input (the default); an empty config keeps /etc/hivewatch/agent.toml out.
: >"$DIR/agent.toml"
"$AGENT" --config "$DIR/agent.toml" --collector "$URL" --host agentbench \
  --state-dir "$DIR/state" --interval "${INTERVAL_MS}ms" 2>"$DIR/agent.log" &
AGENT_PID=$!
PIDS+=($AGENT_PID)

# The collectors the agent has: cpu, stat (intr, ctxt, forks, procs, btime), time, meminfo,
# vmstat, loadavg, pressure, diskstats, filesystem, netdev, netclass (the agent: operstate only).
MATCHED=(--collector.disable-defaults --collector.cpu --collector.stat --collector.time
  --collector.meminfo --collector.vmstat --collector.loadavg --collector.pressure
  --collector.diskstats --collector.filesystem --collector.netdev --collector.netclass)
NE_DEFAULT_PORT=$(free_port 19100)
"$NE" --no-collector.systemd --web.listen-address="127.0.0.1:$NE_DEFAULT_PORT" \
  2>"$DIR/ne-default.log" &
NE_DEFAULT_PID=$!
PIDS+=($NE_DEFAULT_PID)
NE_MATCHED_PORT=$(free_port $((NE_DEFAULT_PORT + 1)))
"$NE" "${MATCHED[@]}" --web.listen-address="127.0.0.1:$NE_MATCHED_PORT" \
  2>"$DIR/ne-matched.log" &
NE_MATCHED_PID=$!
PIDS+=($NE_MATCHED_PID)
wait_for "node_exporter (default)" curl -sf "http://127.0.0.1:$NE_DEFAULT_PORT/metrics"
wait_for "node_exporter (matched)" curl -sf "http://127.0.0.1:$NE_MATCHED_PORT/metrics"
wait_for "the agent's first batch" test "$(batches)" -gt 0

scrape() {  # scrape PORT N: N gzip scrapes on one kept-alive connection, one per interval
  local urls=()
  for _ in $(seq "$2"); do urls+=("http://127.0.0.1:$1/metrics"); done
  curl -sf --compressed --rate "$((1000 * 60 / INTERVAL_MS))/m" "${urls[@]}" >/dev/null
}
series() {  # series PORT: samples in one scrape (comments excluded)
  curl -sf "http://127.0.0.1:$1/metrics" | grep -vc '^#'
}

# Warm up: a few cycles and scrapes so every code path and page has been touched once.
WARM=$(batches)
scrape "$NE_DEFAULT_PORT" 10
scrape "$NE_MATCHED_PORT" 10
until [ "$(batches)" -ge $((WARM + 10)) ]; do sleep 0.1; done

echo "machine: $(nproc) cores, $(grep -c ^processor /proc/cpuinfo) CPUs," \
  "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); $(uname -r);" \
  "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "node_exporter: $("$NE" --version 2>&1 | head -1)"
echo "window: $CYCLES cycles, one every $INTERVAL_MS ms (about $((CYCLES * INTERVAL_MS / 1000)) s)"

A0=$(ticks $AGENT_PID); B0=$(batches); thread_ticks $AGENT_PID >"$DIR/threads0"
D0=$(ticks $NE_DEFAULT_PID); M0=$(ticks $NE_MATCHED_PID)
scrape "$NE_DEFAULT_PORT" "$CYCLES" &
S1=$!
scrape "$NE_MATCHED_PORT" "$CYCLES" &
S2=$!
# Memory in the middle of the window: a cycle takes a few ms of the interval, so this is
# almost always between cycles (VmHWM is the peak since start).
sleep "$(awk -v c="$CYCLES" -v i="$INTERVAL_MS" 'BEGIN {printf "%.3f", c * i / 2000}')"
for k in VmRSS RssAnon RssFile RssShmem VmHWM; do
  eval "AGENT_$k=$(status_kb $AGENT_PID $k)"
done
wait $S1 $S2
for k in VmRSS RssAnon RssFile RssShmem VmHWM; do
  eval "NED_$k=$(status_kb $NE_DEFAULT_PID $k)"
  eval "NEM_$k=$(status_kb $NE_MATCHED_PID $k)"
done
# The agent's window ends at its batch count reaching B0 + CYCLES (it started with the scrapes).
until [ "$(batches)" -ge $((B0 + CYCLES)) ]; do sleep 0.02; done
A1=$(ticks $AGENT_PID); B1=$(batches); thread_ticks $AGENT_PID >"$DIR/threads1"
D1=$(ticks $NE_DEFAULT_PID); M1=$(ticks $NE_MATCHED_PID)
HZ=$(getconf CLK_TCK)
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

per_cycle_ms() { awk -v t="$1" -v n="$2" -v hz="$HZ" 'BEGIN {printf "%.2f", t * 1000 / hz / n}'; }
A_MS=$(per_cycle_ms $((A1 - A0)) $((B1 - B0)))
D_MS=$(per_cycle_ms $((D1 - D0)) "$CYCLES")
M_MS=$(per_cycle_ms $((M1 - M0)) "$CYCLES")
mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
AGENT_SERIES=$("$AGENT" --once | grep -vc '^#')
printf '\n| %-60s | %12s | %5s | %8s | %8s | %8s | %7s | %7s |\n' "" "CPU/cycle ms" "ratio" \
  "RSS MB" "anon MB" "file MB" "HWM MB" "samples"
printf '| %-60s | %12s | %5s | %8s | %8s | %8s | %7s | %7s |\n' "---" "---" "---" "---" "---" \
  "---" "---" "---"
ratio() { awk -v a="$A_MS" -v b="$1" 'BEGIN {printf "%.2f", a / b}'; }
row() {  # row NAME MS RATIO RSS ANON FILE HWM SAMPLES
  printf '| %-60s | %12s | %5s | %8s | %8s | %8s | %7s | %7s |\n' "$1" "$2" "$3" "$(mb "$4")" \
    "$(mb "$5")" "$(mb "$6")" "$(mb "$7")" "$8"
}
row "hivewatch-agent (collect, encode, gzip, spool, push)" "$A_MS" "" "$AGENT_VmRSS" \
  "$AGENT_RssAnon" "$AGENT_RssFile" "$AGENT_VmHWM" "$AGENT_SERIES"
row "node_exporter, defaults but systemd (one gzip scrape)" "$D_MS" "$(ratio "$D_MS")" \
  "$NED_VmRSS" "$NED_RssAnon" "$NED_RssFile" "$NED_VmHWM" "$(series "$NE_DEFAULT_PORT")"
row "node_exporter, the agent's collectors only (one gzip scrape)" "$M_MS" "$(ratio "$M_MS")" \
  "$NEM_VmRSS" "$NEM_RssAnon" "$NEM_RssFile" "$NEM_VmHWM" "$(series "$NE_MATCHED_PORT")"
echo
echo "ratio = the agent's CPU per cycle / that row's (aim <= 0.25 against node_exporter);" \
  "agent: $((B1 - B0)) cycles, $((A1 - A0)) ticks; node_exporter: $CYCLES scrapes," \
  "$((D1 - D0)) and $((M1 - M0)) ticks (1 tick = $((1000 / HZ)) ms)"
# Thread ids in start order: main, log batcher, shipper, collection loop, statvfs helper.
echo "agent threads, ms per cycle by thread id (main, batcher, shipper, collection, statvfs):" \
  "$(join <(sort "$DIR/threads0") <(sort "$DIR/threads1") | sort -n | awk -v n=$((B1 - B0)) -v hz="$HZ" \
    '{printf "%s %.2f  ", $1, ($3 - $2) * 1000 / hz / n}')"
