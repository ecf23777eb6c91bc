#!/usr/bin/env bash
# Stop what start.sh started, by its recorded PID (never by name), and wait (bounded) for
# each to exit so its port is free for the next start. `stop.sh` stops LocalStack and moto;
# `stop.sh localstack` or `stop.sh moto` stops one.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state="$here/../.localstack"

stop_one() {
  local name="$1" pidfile="$state/$1.pid"
  [[ -f "$pidfile" ]] || { echo "$name: not running (no pid file)"; return 0; }
  local pid
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$name: pid $pid still alive after 15s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile"
  echo "$name: stopped (pid $pid)"
}

targets=("$@")
(( ${#targets[@]} )) || targets=(localstack moto)
for t in "${targets[@]}"; do
  case "$t" in
    localstack | moto) stop_one "$t" ;;
    *) echo "stop.sh: unknown server \`$t\` (localstack or moto)" >&2; exit 2 ;;
  esac
done
