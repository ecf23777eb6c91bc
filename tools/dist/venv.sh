#!/usr/bin/env bash
# Prints the path of a venv holding the pinned packaging tools (tools/dist/requirements.txt),
# creating or updating it under target/dist/venv first when the pins changed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$root/target/dist/venv"
req="$root/tools/dist/requirements.txt"
if [[ ! -x "$venv/bin/python" ]] || ! cmp -s "$req" "$venv/requirements.txt"; then
  echo "installing the packaging tools (tools/dist/requirements.txt) into target/dist/venv" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet -r "$req" >&2
  cp "$req" "$venv/requirements.txt"
fi
echo "$venv"
