#!/usr/bin/env bash
# Stop the LocalStack that start.sh started, by its recorded PID (never by name), and wait
# (bounded) for it to exit so the port is free for the next start.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pidfile="$here/../.localstack/localstack.pid"
[[ -f "$pidfile" ]] || { echo "localstack: not running (no pid file)"; exit 0; }
pid="$(cat "$pidfile")"
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "localstack: pid $pid still alive after 15s; sending SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
fi
rm -f "$pidfile"
echo "localstack: stopped (pid $pid)"
