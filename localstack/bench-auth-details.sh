#!/usr/bin/env bash
# Peak memory and wall time of `check --from-auth-details` auditing one role of a large account
# export: 10,000 roles by default (about 77 MB; `bash localstack/bench-auth-details.sh 20000` for
# more), written by localstack/gen-auth-details.py (deterministic). The export is read as a
# stream, so memory should stay far below the file's size. Needs python3 and cargo; does not need
# LocalStack. BIN=path/to/pydynox-iam skips the release build (to compare two builds).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
roles="${1:-10000}"
case "$roles" in
  '' | *[!0-9]*) echo "error: role count \`$roles\` is not a number" >&2; exit 2 ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
details="$work/details.json"
python3 "$here/gen-auth-details.py" --roles "$roles" "$details"
bytes="$(wc -c < "$details")"
echo "generated $roles roles: $bytes bytes ($(awk -v b="$bytes" 'BEGIN { printf "%.1f MiB", b / 1048576 }'))"

if [ -z "${BIN:-}" ]; then
  (cd "$root" && cargo build --release --locked --quiet)
  BIN="$root/target/release/pydynox-iam"
fi
cmd=("$BIN" check --from-auth-details "$details" --role bench-role-04242
  --features crud,query --table orders --no-table-policy --region eu-west-1 --format json)
echo "command: pydynox-iam ${cmd[*]:1}"

# Untimed run: the audit must succeed (and the file is in the page cache afterwards).
set +e
"${cmd[@]}" > "$work/report.json"
status=$?
set -e
if [ "$status" -ne 0 ]; then
  echo "error: the audit exited $status" >&2
  exit 1
fi

runs="${RUNS:-5}"
walls=()
for _ in $(seq 1 "$runs"); do
  start="$(date +%s.%N)"
  "${cmd[@]}" > /dev/null
  end="$(date +%s.%N)"
  walls+=("$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", e - s }')")
done
if [ -x /usr/bin/time ]; then
  /usr/bin/time -v "${cmd[@]}" > /dev/null 2> "$work/time.txt"
  rss="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")"
  awk -v k="$rss" -v b="$bytes" 'BEGIN { printf "peak RSS: %.1f MiB (%.1f%% of the file)\n", k / 1024, 100 * k * 1024 / b }'
fi
printf '%s\n' "${walls[@]}" | sort -n | awk -v runs="$runs" '
  { w[NR] = $1 }
  END {
    m = (NR % 2) ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2
    printf "wall time, median of %d runs: %.3f s (min %.3f, max %.3f)\n", runs, m, w[1], w[NR]
  }'
