#!/usr/bin/env bash
# Run a command with the test environment up: start LocalStack and moto (each unless this
# project's is already running), run the command with their endpoints and dummy credentials
# in its environment, stop again whatever this script started (even when the command fails),
# and exit with the command's status.
#
# Endpoints: AWS_ENDPOINT_URL is LocalStack (IAM, STS, KMS, S3); AWS_ENDPOINT_URL_DYNAMODB is
# moto, so only DynamoDB goes there. PYDYNOX_IAM_LOCALSTACK and PYDYNOX_IAM_MOTO carry the same
# for the tests, PYDYNOX_IAM_PYDYNOX_PYTHON the interpreter with the pinned pydynox release.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state="$here/../.localstack"

alive() { [[ -f "$state/$1.pid" ]] && kill -0 "$(cat "$state/$1.pid")" 2>/dev/null; }

started=()
for s in localstack moto; do alive "$s" || started+=("$s"); done
cleanup() { if (( ${#started[@]} )); then bash "$here/stop.sh" "${started[@]}"; fi; }
trap cleanup EXIT INT TERM
if (( ${#started[@]} )); then
  bash "$here/start.sh" || exit 3
fi

export AWS_ENDPOINT_URL="http://127.0.0.1:${LOCALSTACK_PORT:-4566}"
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:${MOTO_PORT:-5000}"
export PYDYNOX_IAM_LOCALSTACK="$AWS_ENDPOINT_URL"
export PYDYNOX_IAM_MOTO="$AWS_ENDPOINT_URL_DYNAMODB"
PYDYNOX_IAM_PYDYNOX_PYTHON="$(cd "$state" && pwd)/pydynox-venv/bin/python"
export PYDYNOX_IAM_PYDYNOX_PYTHON
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_IGNORE_CONFIGURED_ENDPOINT_URLS

"$@"
status=$?
exit $status
