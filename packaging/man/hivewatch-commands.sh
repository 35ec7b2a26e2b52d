#!/usr/bin/env bash
# Writes a help2man include file for the `hivewatch` CLI: a COMMANDS section with each command's
# own help (`hivewatch help COMMAND`), which the top-level --help only lists.
# Usage: hivewatch-commands.sh HIVEWATCH_BIN OUT
set -euo pipefail
bin=$1 out=$2
{
  echo '[COMMANDS]'
  for command in logs hosts metrics; do
    echo ".SS $command"
    echo '.nf'
    # roff: backslashes escaped, a leading dot or quote protected.
    "$bin" help "$command" | sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"
    echo '.fi'
  done
  echo '[SEE ALSO]'
  echo '.BR hivewatch-collector (1),'
  echo '.BR hivewatch-agent (1).'
} >"$out"
