#!/usr/bin/env bash
# Times `pydynox-iam simulate --requests FILE --format json` as a whole process on a generated
# batch (default 10,000 lines; `bash localstack/bench-simulate-batch.sh 50000` for more). The
# batch (localstack/gen-simulate-batch.py) is deterministic: three roles (identity policies, some
# with a permissions boundary) asking for pydynox's DynamoDB, KMS (with a key policy), S3 and STS
# actions with request context, plus a few malformed lines. Needs python3 and cargo; does not need
# LocalStack. localstack/bench-simulate-compare.sh runs the same batch through an independent
# simulator too.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
lines="${1:-10000}"
case "$lines" in
  '' | *[!0-9]*) echo "error: line count \`$lines\` is not a number" >&2; exit 2 ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
requests="$work/requests.jsonl"

python3 "$here/gen-simulate-batch.py" "$lines" "$requests"

echo "generated $lines requests ($(du -h "$requests" | cut -f1)) in $requests"
(cd "$root" && cargo build --release --locked --quiet)
bin="$root/target/release/pydynox-iam"

# Untimed run: checks the output has one line per input line (and warms the page cache).
set +e
"$bin" simulate --requests "$requests" --format json > "$work/out.jsonl"
status=$?
set -e
got="$(wc -l < "$work/out.jsonl")"
if [ "$got" -ne "$lines" ]; then
  echo "error: $got output lines for $lines requests (exit code $status)" >&2
  exit 1
fi
echo "decisions: $(grep -o '"decision":"[a-z_]*"' "$work/out.jsonl" | sort | uniq -c | awk '{printf "%s %s  ", $1, $2}')"
echo "exit code $status (2 is expected: the batch has malformed lines on purpose)"

# Timed runs, the whole process, output discarded; the median of RUNS (default 5).
runs="${RUNS:-5}"
walls=()
for _ in $(seq 1 "$runs"); do
  start="$(date +%s.%N)"
  "$bin" simulate --requests "$requests" --format json > /dev/null 2>&1 || true
  end="$(date +%s.%N)"
  walls+=("$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", e - s }')")
done
if [ -x /usr/bin/time ]; then
  /usr/bin/time -v "$bin" simulate --requests "$requests" --format json > /dev/null 2> "$work/time.txt" || true
  grep -E "Maximum resident set size" "$work/time.txt" | sed 's/^\s*/  /'
fi
printf '%s\n' "${walls[@]}" | sort -n | awk -v n="$lines" -v runs="$runs" '
  { w[NR] = $1 }
  END {
    m = (NR % 2) ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2
    printf "wall time, median of %d runs: %.3f s (min %.3f, max %.3f) for %d lines: %.0f lines/second\n", runs, m, w[1], w[NR], n, n / m
  }'
