#!/usr/bin/env bash
# Creates (once) the Python venv the IaC reader's tests use: the AWS SAM translator and cfn-lint,
# pinned in requirements.txt beside this script. The venv lives in the repository's .iac-venv/
# and is rebuilt when requirements.txt changes. Several test threads may call this at once: a
# lock makes one build and the others wait. Prints the venv's python on stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="$root/.iac-venv"
python="${PYTHON:-python3}"
mkdir -p "$venv"
exec 9>"$venv.lock"
flock 9
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" ]] || [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  echo "iac-venv: creating $venv (first run takes about a minute)" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$here/requirements.txt" >&2
  echo "$want" > "$stamp"
fi
echo "$venv/bin/python"
