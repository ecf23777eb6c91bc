#!/usr/bin/env bash
# The benchmarks behind the README's figures (what `make bench` runs): builds the release binary,
# then, with LocalStack up (started and stopped by with-localstack.sh unless it is already
# running), runs `localstack/bench.py audit`, `localstack/bench.py fleet` and `localstack/bench.py
# latency` (one audit through localstack/latency-proxy.py at 0, 50 and 100 ms added per request).
# They print Markdown tables ready for the README; the whole output is also saved to
# target/bench/results.md. BENCH_BEFORE_BIN (a binary of an earlier build) adds it to the latency
# table for comparison.
#
# BENCH_AUDIT_RUNS (default 7), BENCH_FLEET_RUNS (default 5) and BENCH_LATENCY_RUNS (default 5)
# set the timed runs; the audit
# dominates the run time (the AWS CLI script takes about 20 s a run on a 2-CPU machine).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

cargo build --release --locked

mkdir -p target/bench
# One LocalStack for every benchmark. The venv's python is only named here; start.sh creates it.
bash localstack/with-localstack.sh bash -c '
  set -euo pipefail
  .localstack/venv/bin/python localstack/bench.py audit --runs "$1"
  .localstack/venv/bin/python localstack/bench.py fleet --runs "$2"
  .localstack/venv/bin/python localstack/latency-proxy.py --self-test >&2
  .localstack/venv/bin/python localstack/bench.py latency --runs "$3" ${4:+--before-bin "$4"}
' bench "${BENCH_AUDIT_RUNS:-7}" "${BENCH_FLEET_RUNS:-5}" "${BENCH_LATENCY_RUNS:-5}" "${BENCH_BEFORE_BIN:-}" | tee target/bench/results.md.tmp
mv target/bench/results.md.tmp target/bench/results.md
echo "bench: results saved to target/bench/results.md" >&2
