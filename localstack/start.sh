#!/usr/bin/env bash
# Start LocalStack on the host (no Docker), pinned to the version in requirements.txt.
# Creates the venv on first use, starts IAM/STS/KMS/S3 on 127.0.0.1:4566, waits for health
# (bounded), and records the PID in .localstack/localstack.pid so stop.sh can stop exactly it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
state="$root/.localstack"
venv="$state/venv"
pidfile="$state/localstack.pid"
log="$state/localstack.log"
port="${LOCALSTACK_PORT:-4566}"
timeout="${LOCALSTACK_START_TIMEOUT:-90}"
health="http://127.0.0.1:$port/_localstack/health"
python="${PYTHON:-python3}"

mkdir -p "$state"

# Reuse a LocalStack this script started earlier, if it is still healthy.
if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null && curl -sf "$health" >/dev/null 2>&1; then
  echo "localstack: already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"
  exit 0
fi
if curl -sf "$health" >/dev/null 2>&1; then
  echo "localstack: something else already answers on 127.0.0.1:$port; stop it first" >&2
  exit 1
fi

# The venv is keyed by the requirements file: a changed pin rebuilds it.
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" ]] || [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  echo "localstack: creating venv in $venv (first run takes about a minute)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$here/requirements.txt"
  echo "$want" > "$stamp"
fi

mkdir -p "$state/data"
echo "localstack: starting on 127.0.0.1:$port (log: $log)"
SERVICES=iam,sts,kms,s3 \
GATEWAY_LISTEN="127.0.0.1:$port" \
DNS_ADDRESS=0 \
SKIP_SSL_CERT_DOWNLOAD=1 \
DISABLE_EVENTS=1 \
FILESYSTEM_ROOT="$state/data" \
  nohup "$venv/bin/python" -m localstack.runtime.main >"$log" 2>&1 </dev/null &
echo $! > "$pidfile"

deadline=$((SECONDS + timeout))
until curl -sf "$health" >/dev/null 2>&1; do
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "localstack: exited during start-up; last lines of $log:" >&2
    tail -n 30 "$log" >&2
    rm -f "$pidfile"
    exit 1
  fi
  if (( SECONDS >= deadline )); then
    echo "localstack: not healthy after ${timeout}s; stopping it. Last lines of $log:" >&2
    tail -n 30 "$log" >&2
    "$here/stop.sh" || true
    exit 1
  fi
  sleep 0.5
done
echo "localstack: ready (pid $(cat "$pidfile"))"
