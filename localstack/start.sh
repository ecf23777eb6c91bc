#!/usr/bin/env bash
# Start the test environment on the host (no Docker):
# - LocalStack (IAM/STS/KMS/S3) on 127.0.0.1:$LOCALSTACK_PORT (default 4566), pinned in
#   requirements.txt;
# - moto's server (a real DynamoDB API: LocalStack's DynamoDB cannot run here) on
#   127.0.0.1:$MOTO_PORT (default 5000), pinned in moto-requirements.txt, with LocalStack's
#   account id (000000000000).
# Creates their venvs on first use (and the venv of the pydynox release the real-library test
# runs, tools/pydynox-probe/requirements.txt), waits for each to be healthy (bounded), and
# records each PID (.localstack/localstack.pid, .localstack/moto.pid) so stop.sh stops exactly
# them. A server this script started earlier that is still healthy is reused.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
state="$root/.localstack"
port="${LOCALSTACK_PORT:-4566}"
moto_port="${MOTO_PORT:-5000}"
timeout="${LOCALSTACK_START_TIMEOUT:-90}"
python="${PYTHON:-python3}"

mkdir -p "$state"

# ensure_venv DIR REQUIREMENTS [PIP ARGS...]: a venv keyed by its requirements file (a changed
# pin rebuilds it). Every file is a full pin list, installed without dependency resolution.
ensure_venv() {
  local venv="$state/$1" req="$2"
  shift 2
  local stamp="$venv/.requirements.sha256" want
  want="$(sha256sum "$req" | cut -d' ' -f1)"
  if [[ ! -x "$venv/bin/python" ]] || [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    echo "test env: creating venv $venv from ${req#"$root"/} (first run takes about a minute)"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps "$@" -r "$req"
    echo "$want" > "$stamp"
  fi
}

# wait_healthy NAME PIDFILE URL LOG: until URL answers, the process has not exited, and the
# deadline has not passed. On failure the server is stopped and its log tail printed.
wait_healthy() {
  local name="$1" pidfile="$2" url="$3" log="$4"
  local deadline=$((SECONDS + timeout))
  until curl -sf -o /dev/null "$url" 2>/dev/null; do
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      echo "$name: exited during start-up; last lines of $log:" >&2
      tail -n 30 "$log" >&2
      rm -f "$pidfile"
      return 1
    fi
    if (( SECONDS >= deadline )); then
      echo "$name: not healthy after ${timeout}s; stopping it. Last lines of $log:" >&2
      tail -n 30 "$log" >&2
      bash "$here/stop.sh" "$name" || true
      return 1
    fi
    sleep 0.5
  done
  echo "$name: ready (pid $(cat "$pidfile"))"
}

# running NAME PIDFILE URL: whether the server this script started is alive and healthy;
# fails the start when something else answers on its port.
running() {
  local name="$1" pidfile="$2" url="$3"
  if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null && curl -sf -o /dev/null "$url" 2>/dev/null; then
    echo "$name: already running (pid $(cat "$pidfile")) at ${url%/*/}"
    return 0
  fi
  if curl -sf -o /dev/null "$url" 2>/dev/null; then
    echo "$name: something else already answers at $url; stop it first" >&2
    exit 1
  fi
  return 1
}

ensure_venv venv "$here/requirements.txt"
ensure_venv moto-venv "$here/moto-requirements.txt"
ensure_venv pydynox-venv "$root/tools/pydynox-probe/requirements.txt" --only-binary :all:

moto_health="http://127.0.0.1:$moto_port/moto-api/"
if ! running moto "$state/moto.pid" "$moto_health"; then
  echo "moto: starting on 127.0.0.1:$moto_port (log: $state/moto.log)"
  MOTO_ACCOUNT_ID=000000000000 \
    nohup "$state/moto-venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" \
    >"$state/moto.log" 2>&1 </dev/null &
  echo $! > "$state/moto.pid"
  wait_healthy moto "$state/moto.pid" "$moto_health" "$state/moto.log"
fi

health="http://127.0.0.1:$port/_localstack/health"
if ! running localstack "$state/localstack.pid" "$health"; then
  mkdir -p "$state/data"
  echo "localstack: starting on 127.0.0.1:$port (log: $state/localstack.log)"
  SERVICES=iam,sts,kms,s3 \
  GATEWAY_LISTEN="127.0.0.1:$port" \
  DNS_ADDRESS=0 \
  SKIP_SSL_CERT_DOWNLOAD=1 \
  DISABLE_EVENTS=1 \
  FILESYSTEM_ROOT="$state/data" \
    nohup "$state/venv/bin/python" -m localstack.runtime.main >"$state/localstack.log" 2>&1 </dev/null &
  echo $! > "$state/localstack.pid"
  wait_healthy localstack "$state/localstack.pid" "$health" "$state/localstack.log"
fi
