#!/usr/bin/env bash
# Installs every Debian package hivewatch needs to build, run and test.
# Used by both README commands and by .ci/run. Safe to run again (apt-get is idempotent).
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PACKAGES=(
  # toolchain
  build-essential cmake pkg-config ninja-build
  # libraries (see README "Libraries")
  libboost-dev libboost-program-options-dev libspdlog-dev libfmt-dev prometheus-cpp-dev libcurl4-openssl-dev libsqlite3-dev
  zlib1g-dev libdeflate-dev libssl-dev libtomlplusplus-dev nlohmann-json3-dev libsimdjson-dev libsystemd-dev
  # tests
  catch2 curl sqlite3 bsdutils procps
  openssl  # the TLS tests make a throwaway CA and server certificate with the openssl command
  clang libclang-rt-14-dev  # fuzz/: libFuzzer and the sanitizer runtimes
  prometheus  # promtool checks the agent's and collector's exposition; the server scrapes /metrics and /federate in tests
  nginx  # the syslog test starts its own nginx (on a systemd host the package also enables nginx.service)
  systemd-journal-remote  # the journald input's tests make real journal files from export format
  # packaging (tests/packaging): cpack's dpkg-shlibdeps; systemd-analyze verify/security on the units
  dpkg-dev systemd
  help2man  # the packages' man pages, made from each program's --help
  strace  # tests/packaging: the system calls the daemons make, against their units' SystemCallFilter
  clickhouse-server clickhouse-client  # the clickhouse backend's tests start their own server (18.16)
  # browser tests (tests/browser): Debian's chromium driven by playwright-core from npm; the font
  # the dashboard's screenshots are taken with
  chromium fonts-inter
)
# node and npm come from Debian, or from NodeSource, whose nodejs bundles npm and conflicts with
# Debian's npm package: install Debian's only when the commands are missing.
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-deps: all packages present"
fi
