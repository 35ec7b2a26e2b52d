#!/usr/bin/env bash
# The .deb packages for real, on this machine (CTest label `packaging`; run as root, as CI does):
# build them with cpack, install them, check the installed units (systemd-analyze verify and
# security), run the installed binaries by hand with the installed default configs plus a token
# (agent -> collector -> CLI), re-install over the installation and upgrade to a newer package
# version (configs and data kept), then remove and purge and compare the file system with how it
# was before.
# Usage: packaging_test.sh BUILD_DIR. Exit 77 = skipped (not root, or hivewatch already
# installed, or port 9800 busy). Purges what it installed, whatever happens.
set -euo pipefail

BUILD=$(cd "$1" && pwd)
PKGS=(hivewatch-agent hivewatch-collector hivewatch-cli)
MAX_EXPOSURE=3.0

skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAILED: $*" >&2; exit 1; }
step() { echo; echo "== $*"; }

[ "$(id -u)" -eq 0 ] || skip "needs root (dpkg -i); CI runs as root"
for p in "${PKGS[@]}"; do
  if dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^[a-z]i\|^[a-z]c'; then
    skip "$p is already on this machine; this test would replace it"
  fi
done
if (exec 3<>/dev/tcp/127.0.0.1/9800) 2>/dev/null; then
  skip "port 9800 is in use (the installed default config listens there)"
fi

WORK=$(mktemp -d /tmp/hivewatch-packaging-XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    pkill -KILL -P "$pid" 2>/dev/null || true  # a daemon under strace
    kill -KILL "$pid" 2>/dev/null || true
  done
  dpkg -P "${PKGS[@]}" >/dev/null 2>&1 || true
  rm -rf "$WORK" /var/log/hivewatch-packaging-test.log
}
trap cleanup EXIT

# Every path in the places a package may touch, minus those that change on their own or that
# dpkg itself keeps (its database and log) and useradd's backups of the account files.
snapshot() {
  find /etc /usr /lib /var /opt -xdev \
    \( -path /var/lib/dpkg -o -path /var/log -o -path /var/cache -o -path /var/tmp \
       -o -path /var/lib/apt -o -path /var/backups \) -prune -o -print 2>/dev/null |
    grep -v -x -e '/etc/passwd-' -e '/etc/group-' -e '/etc/shadow-' -e '/etc/gshadow-' |
    grep -v -e '/__pycache__' | sort
}
# Polls a command until it succeeds, at most $1 seconds.
wait_for() {
  local secs=$1; shift
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}
healthy() { curl -fs http://127.0.0.1:9800/healthz; }
# The collector, by hand as its service user with the installed default config; with an
# argument, under `strace -f -o FILE` (the daemon is then strace's child).
start_collector() {
  setpriv --reuid=hivewatch-collector --regid=hivewatch-collector --init-groups -- \
    ${1:+strace -f -qq -o "$1"} \
    /usr/bin/hivewatch-collector --config /etc/hivewatch/collector.toml \
    >/dev/null 2>>"$WORK/collector.log" &
  COLLECTOR_PID=$!
  PIDS+=("$COLLECTOR_PID")
  wait_for 20 healthy || { cat "$WORK/collector.log"; fail "the installed collector did not start"; }
}
# The daemon itself: the process started, or its child when it runs under strace.
daemon_pid() {  # PID NAME
  pgrep -P "$1" || echo "$1"
}
stop() {  # PID NAME: SIGTERM, and a clean exit
  kill -TERM "$(daemon_pid "$1" "$2")"
  local rc=0
  wait "$1" || rc=$?
  [ "$rc" -eq 0 ] || fail "$2 exited with $rc after SIGTERM"
}
# Every system call name SystemCallFilter=@GROUP lets through, groups expanded.
expand_filter() {
  systemd-analyze syscall-filter "$1" | awk 'NR > 1 && $1 !~ /^#/ { print $1 }' |
    while read -r name; do
      if [[ $name == @* ]]; then expand_filter "$name"; else echo "$name"; fi
    done
}
# What a strace -f log shows a daemon did that its unit's seccomp filter
# (@system-service ~@privileged @resources) or MemoryDenyWriteExecute=yes would refuse.
check_sandbox() {  # STRACE_LOG NAME
  expand_filter @system-service | sort -u >"$WORK/allowed"
  { expand_filter @privileged; expand_filter @resources; } | sort -u >"$WORK/denied"
  comm -23 "$WORK/allowed" "$WORK/denied" >"$WORK/permitted"
  sed -nE 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/p' "$1" | sort -u >"$WORK/used"
  local refused
  refused=$(comm -23 "$WORK/used" "$WORK/permitted" | tr '\n' ' ')
  [ -z "$refused" ] || fail "$2 makes system calls its unit's filter refuses: $refused"
  if grep -E 'mmap\(.*PROT_WRITE\|PROT_EXEC|mprotect\(.*PROT_EXEC' "$1" | head -3 | grep .; then
    fail "$2 maps memory writable and executable (MemoryDenyWriteExecute=yes refuses it)"
  fi
  echo "$2: $(wc -l <"$WORK/used") distinct system calls, all allowed by its unit's filter"
}
as_collector() {
  setpriv --reuid=hivewatch-collector --regid=hivewatch-collector --init-groups -- "$@"
}

BEFORE="$WORK/before.txt"
snapshot > "$BEFORE"

step "cpack: building the packages"
VERSION=$("$BUILD/agent/hivewatch-agent" --version | awk '{print $2}')
(cd "$WORK" && cpack -G DEB -B "$WORK/debs" --config "$BUILD/CPackConfig.cmake" >"$WORK/cpack.log" 2>&1) ||
  { cat "$WORK/cpack.log"; fail "cpack"; }
DEBS=()
for p in "${PKGS[@]}"; do
  deb=$(ls "$WORK"/debs/"${p}"_*.deb)
  DEBS+=("$deb")
  printf '%-22s %s  Depends: %s\n' "$(basename "$deb")" "$(du -h "$deb" | cut -f1)" \
    "$(dpkg-deb -f "$deb" Depends)"
  [ "$(dpkg-deb -f "$deb" Version)" = "$VERSION-1" ] || fail "$p: version is not $VERSION-1"
  dpkg-deb -f "$deb" Depends | grep -q 'libc6' || fail "$p: no shlibdeps (libc6 missing)"
done
for i in 0 1 2; do  # each program's man page (checked in the package: dpkg may exclude /usr/share/man)
  contents=$(dpkg-deb -c "${DEBS[$i]}")
  prog=$(grep -o 'usr/bin/[a-z-]*' <<<"$contents" | cut -d/ -f3)
  grep -q "usr/share/man/man1/$prog.1.gz" <<<"$contents" || fail "no man page for $prog"
done
dpkg-deb -f "${DEBS[0]}" Depends | grep -q 'libcurl4' || fail "agent: libcurl4 missing"
dpkg-deb -f "${DEBS[1]}" Depends | grep -q 'libsqlite3-0' || fail "collector: libsqlite3-0 missing"
dpkg-deb -f "${DEBS[2]}" Depends | grep -q 'libsystemd0' && fail "cli: needs no libsystemd0"

step "dpkg -i"
dpkg -i "${DEBS[@]}" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; fail "dpkg -i"; }
grep -q "hivewatch-agent is installed but NOT enabled or started" "$WORK/install.log" ||
  fail "no post-install message for the agent"
for f in /usr/bin/hivewatch-agent /usr/bin/hivewatch-collector /usr/bin/hivewatch \
  /etc/hivewatch/agent.toml /etc/hivewatch/collector.toml \
  /lib/systemd/system/hivewatch-agent.service /lib/systemd/system/hivewatch-collector.service \
  /usr/share/doc/hivewatch-collector/operations.md; do
  [ -e "$f" ] || fail "$f not installed"
done
dpkg-query -W -f='${Conffiles}\n' hivewatch-agent | grep -q ' /etc/hivewatch/agent.toml ' ||
  fail "agent.toml is not a conffile"
dpkg-query -W -f='${Conffiles}\n' hivewatch-collector | grep -q ' /etc/hivewatch/collector.toml ' ||
  fail "collector.toml is not a conffile"
for u in hivewatch-agent hivewatch-collector; do
  getent passwd "$u" >/dev/null || fail "no user $u"
  [ "$(stat -c %U:%a "/var/lib/$u")" = "$u:750" ] || fail "/var/lib/$u: $(stat -c %U:%a "/var/lib/$u")"
  [ "$(stat -c %G:%a "/etc/hivewatch/${u#hivewatch-}.toml")" = "$u:640" ] || fail "config mode"
done
# The collector is enabled at installation, the agent is not (it waits for its configuration).
[ -L /etc/systemd/system/multi-user.target.wants/hivewatch-collector.service ] ||
  fail "hivewatch-collector.service is not enabled"
[ ! -e /etc/systemd/system/multi-user.target.wants/hivewatch-agent.service ] ||
  fail "hivewatch-agent.service is enabled before it is configured"
for b in hivewatch-agent hivewatch-collector hivewatch; do
  "/usr/bin/$b" --help >/dev/null || fail "$b --help"
done

step "systemd-analyze verify"
verify=$(systemd-analyze verify /lib/systemd/system/hivewatch-agent.service \
  /lib/systemd/system/hivewatch-collector.service 2>&1) || fail "systemd-analyze verify: $verify"
[ -z "$verify" ] || fail "systemd-analyze verify warns: $verify"
echo "no warnings"

step "systemd-analyze security --offline=true"
for u in hivewatch-agent hivewatch-collector; do
  line=$(systemd-analyze security --offline=true "/lib/systemd/system/$u.service" |
    grep 'Overall exposure level')
  echo "$line"
  exposure=$(echo "$line" | sed -E 's/.*: ([0-9.]+) .*/\1/')
  awk -v e="$exposure" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(e <= m) }' ||
    fail "$u: exposure $exposure is above $MAX_EXPOSURE"
done

step "installed binaries: agent -> collector -> CLI, as the service users"
as_collector /usr/bin/hivewatch-collector --config /etc/hivewatch/collector.toml --check-config
INGEST=$(as_collector /usr/bin/hivewatch-collector --config /etc/hivewatch/collector.toml \
  token create --name packaging-agent --scope ingest 2>/dev/null)
READ=$(as_collector /usr/bin/hivewatch-collector --config /etc/hivewatch/collector.toml \
  token create --name packaging-read --scope read 2>/dev/null)
TRACES="$WORK/traces"
install -d -m 1777 "$TRACES"
chmod 0755 "$WORK"
start_collector "$TRACES/collector"
# The agent's configuration as the post-install message says: the token in its file, the
# file named in agent.toml (the collector URL's default is this machine's collector).
printf '%s\n' "$INGEST" | install -m 0640 -g hivewatch-agent /dev/stdin /etc/hivewatch/agent-token
# Every log input on, so that the system calls of each are checked below: syslog and the journal
# as agent.toml shows them, and a file in /var/log (group adm).
sed -i -e 's|^# token_file = ""|token_file = "/etc/hivewatch/agent-token"|' \
  -e 's|^# interval = "10s"|interval = "1s"|' \
  -e '/^\[inputs.syslog\]/,/^\[/ s|^# enabled = false|enabled = true|' \
  -e '/^\[inputs.journald\]/,$ s|^# enabled = false|enabled = true|' /etc/hivewatch/agent.toml
install -m 0640 -g adm /dev/null /var/log/hivewatch-packaging-test.log
printf '[[inputs.file]]\npaths = ["/var/log/hivewatch-packaging-test.log"]\nstart_at = "beginning"\n' \
  >>/etc/hivewatch/agent.toml
echo "hivewatch packaging file line" >>/var/log/hivewatch-packaging-test.log
AGENT_AS=(setpriv --reuid=hivewatch-agent --regid=hivewatch-agent --groups=adm)
getent group systemd-journal >/dev/null && AGENT_AS[3]=--groups=adm,systemd-journal
"${AGENT_AS[@]}" -- /usr/bin/hivewatch-agent --config /etc/hivewatch/agent.toml --check-config
"${AGENT_AS[@]}" -- strace -f -qq -o "$TRACES/agent" \
  /usr/bin/hivewatch-agent --config /etc/hivewatch/agent.toml >/dev/null 2>"$WORK/agent.log" &
AGENT_PID=$!
PIDS+=("$AGENT_PID")
HOST=$(hostname)
listed() {
  HIVEWATCH_TOKEN=$READ /usr/bin/hivewatch hosts --output json | grep -q "\"host\":\"$HOST\""
}
wait_for 30 listed || { cat "$WORK/agent.log" "$WORK/collector.log"; fail "the host never appeared"; }
HIVEWATCH_TOKEN=$READ /usr/bin/hivewatch hosts
samples=$(HIVEWATCH_TOKEN=$READ /usr/bin/hivewatch metrics node_load1 --output json | wc -l)
[ "$samples" -ge 1 ] || fail "hivewatch metrics node_load1: nothing"
logger -n 127.0.0.1 -P 5514 -d -t packaging "hivewatch packaging syslog line"
found() { HIVEWATCH_TOKEN=$READ /usr/bin/hivewatch logs --since 1h "$1" | grep -q "$1"; }
wait_for 30 found "hivewatch packaging file line" || { cat "$WORK/agent.log"; fail "file line not found"; }
wait_for 30 found "hivewatch packaging syslog line" || { cat "$WORK/agent.log"; fail "syslog line not found"; }
HIVEWATCH_TOKEN=$READ /usr/bin/hivewatch logs --since 1h "hivewatch packaging"
kill -HUP "$(daemon_pid "$AGENT_PID" hivewatch-agent)"
wait_for 10 grep -q "configuration reloaded" "$WORK/agent.log" || fail "agent: no reload"
stop "$AGENT_PID" hivewatch-agent
stop "$COLLECTOR_PID" hivewatch-collector
check_sandbox "$TRACES/agent" hivewatch-agent
check_sandbox "$TRACES/collector" hivewatch-collector
AGENT_ID=$(cat /var/lib/hivewatch-agent/agent_id)

step "re-install over the installation: configurations and data kept"
dpkg -i "${DEBS[@]}" >"$WORK/reinstall.log" 2>&1 || { cat "$WORK/reinstall.log"; fail "dpkg -i again"; }
grep -q '^token_file = "/etc/hivewatch/agent-token"' /etc/hivewatch/agent.toml ||
  fail "the edited agent.toml was replaced"
[ -f /etc/hivewatch/agent-token ] || fail "agent-token lost"
rm -f /var/log/hivewatch-packaging-test.log
# The maintainer scripts run again on their own (idempotent), even with a conffile deleted.
mv /etc/hivewatch/collector.toml "$WORK/collector.toml.saved"
dpkg-reconfigure hivewatch-collector hivewatch-agent >"$WORK/reconfigure.log" 2>&1 ||
  { cat "$WORK/reconfigure.log"; fail "postinst run again (no collector.toml)"; }
mv "$WORK/collector.toml.saved" /etc/hivewatch/collector.toml
[ "$(cat /var/lib/hivewatch-agent/agent_id)" = "$AGENT_ID" ] || fail "agent id changed"
start_collector
listed || fail "the collector's data or tokens did not survive the re-install"
stop "$COLLECTOR_PID" hivewatch-collector
echo "kept: edited agent.toml, agent-token, agent id, the collector's data and tokens"

step "upgrade to a newer version ($VERSION.1): configurations and data kept"
(cd "$WORK" && cpack -G DEB -B "$WORK/debs-next" -D CPACK_PACKAGE_VERSION="$VERSION.1" \
  --config "$BUILD/CPackConfig.cmake" >"$WORK/cpack-next.log" 2>&1) ||
  { cat "$WORK/cpack-next.log"; fail "cpack (next version)"; }
dpkg -i "$WORK"/debs-next/*.deb >"$WORK/upgrade.log" 2>&1 || { cat "$WORK/upgrade.log"; fail "upgrade"; }
for p in "${PKGS[@]}"; do
  [ "$(dpkg-query -W -f='${Version}' "$p")" = "$VERSION.1-1" ] || fail "$p was not upgraded"
done
grep -q "Unpacking hivewatch-agent ($VERSION.1-1) over ($VERSION-1)" "$WORK/upgrade.log" ||
  fail "not an upgrade: $(cat "$WORK/upgrade.log")"
grep -q '^token_file = "/etc/hivewatch/agent-token"' /etc/hivewatch/agent.toml ||
  fail "the upgrade replaced the edited agent.toml"
[ "$(cat /var/lib/hivewatch-agent/agent_id)" = "$AGENT_ID" ] || fail "agent id changed"
start_collector
listed || fail "the collector's data or tokens did not survive the upgrade"
stop "$COLLECTOR_PID" hivewatch-collector
echo "kept across the upgrade: edited agent.toml, agent id, the collector's data and tokens"

step "dpkg -r: programs and units gone, configurations and data kept"
dpkg -r "${PKGS[@]}" >"$WORK/remove.log" 2>&1 || { cat "$WORK/remove.log"; fail "dpkg -r"; }
for f in /usr/bin/hivewatch-agent /usr/bin/hivewatch-collector /usr/bin/hivewatch \
  /lib/systemd/system/hivewatch-agent.service /lib/systemd/system/hivewatch-collector.service; do
  [ ! -e "$f" ] || fail "$f left after dpkg -r"
done
for f in /etc/hivewatch/agent.toml /etc/hivewatch/collector.toml \
  /var/lib/hivewatch-collector/hivewatch.db /var/lib/hivewatch-agent/agent_id; do
  [ -e "$f" ] || fail "$f removed by dpkg -r (only purge removes it)"
done
echo "left for a re-install:"
find /etc/hivewatch /var/lib/hivewatch-* /etc/systemd/system /var/lib/systemd/deb-systemd-helper-* \
  \( -name 'hivewatch*' -o -path '/etc/hivewatch/*' -o -path '/var/lib/hivewatch-*/*' \) | sort

step "dpkg -P: nothing left"
dpkg -P "${PKGS[@]}" >"$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; fail "dpkg -P"; }
snapshot > "$WORK/after.txt"
if ! diff "$BEFORE" "$WORK/after.txt"; then fail "dpkg -P left (>) or removed (<) the files above"; fi
echo "the file system is as before (the system users stay, as Debian policy asks)"
echo
echo "packaging test passed"
