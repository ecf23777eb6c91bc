#!/usr/bin/env bash
# Run a command with LocalStack up: start it (unless this script's LocalStack is already
# running), run the command with the LocalStack endpoint and dummy credentials in its
# environment, stop LocalStack again if this script started it (even when the command
# fails), and exit with the command's status.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pidfile="$here/../.localstack/localstack.pid"

started=0
if ! { [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }; then
  "$here/start.sh" || exit 3
  started=1
fi
cleanup() { if (( started )); then "$here/stop.sh"; fi; }
trap cleanup EXIT INT TERM

export AWS_ENDPOINT_URL="http://127.0.0.1:${LOCALSTACK_PORT:-4566}"
export PYDYNOX_IAM_LOCALSTACK="$AWS_ENDPOINT_URL"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN

"$@"
status=$?
exit $status
