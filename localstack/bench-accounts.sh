#!/usr/bin/env bash
# `check --accounts` over several LocalStack accounts, one account at a time against several at
# once (localstack/bench-accounts.py). BIN=path/to/binary skips the release build; ACCOUNTS,
# ROLES and RUNS change the accounts (4), roles per account (250) and timed runs (3).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"
if [ -z "${BIN:-}" ]; then
  cargo build --release --locked --quiet
  BIN="$root/target/release/pydynox-iam"
fi
bash localstack/with-localstack.sh bash -c '.localstack/venv/bin/python localstack/bench-accounts.py "$1" --accounts "$2" --roles "$3" --runs "$4"' \
  bench "$BIN" "${ACCOUNTS:-4}" "${ROLES:-250}" "${RUNS:-3}"
