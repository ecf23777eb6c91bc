#!/usr/bin/env bash
# `check --all-roles` (one read of the account) against the per-principal fleet path on the same
# 1,000 LocalStack roles: AWS calls and wall time (localstack/bench-org.py). BIN=path/to/binary
# skips the release build; ROLES and RUNS change the role count (1000) and timed runs (3).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"
if [ -z "${BIN:-}" ]; then
  cargo build --release --locked --quiet
  BIN="$root/target/release/pydynox-iam"
fi
bash localstack/with-localstack.sh bash -c '.localstack/venv/bin/python localstack/bench-org.py "$1" --roles "$2" --runs "$3"' \
  bench "$BIN" "${ROLES:-1000}" "${RUNS:-3}"
