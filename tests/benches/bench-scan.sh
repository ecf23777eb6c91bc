#!/usr/bin/env bash
# Times the Python scan (`needs::scan`) as a whole process on a generated repository of FILES
# Python files (default 10,000; tests/benches/gen_scan_repo.py: a quarter use pydynox, the rest
# is ordinary code, with a .venv, node_modules and an ignored folder the scan must skip). Runs
# `examples/scan.rs` (the scan library alone, as `pydynox-iam scan` runs it) built in release; median of RUNS
# (default 5) runs, the page cache warm; peak RSS from /usr/bin/time. Also times `--parse-all`
# (every file parsed, not only those that can reach pydynox). Needs python3 and cargo.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
files="${1:-10000}"
case "$files" in
  '' | *[!0-9]*) echo "error: file count \`$files\` is not a number" >&2; exit 2 ;;
esac
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 "$here/gen_scan_repo.py" "$work/repo" --files "$files"
bytes="$(find "$work/repo" -name '*.py' -not -path '*/.venv/*' -not -path '*/node_modules/*' -not -path '*/build/*' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)"
(cd "$root" && cargo build --release --locked --quiet --example scan)
bin="$root/target/release/examples/scan"
"$bin" "$work/repo"
runs="${RUNS:-5}"
measure() {
  local label="$1"; shift
  local walls=()
  for _ in $(seq 1 "$runs"); do
    local start end
    start="$(date +%s.%N)"
    "$bin" "$@" "$work/repo" > /dev/null
    end="$(date +%s.%N)"
    walls+=("$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", e - s }')")
  done
  local rss=""
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "%M" "$bin" "$@" "$work/repo" > /dev/null 2> "$work/rss.txt"
    rss="$(tail -1 "$work/rss.txt")"
  fi
  printf '%s\n' "${walls[@]}" | sort -n | awk -v n="$files" -v b="$bytes" -v runs="$runs" -v label="$label" -v rss="$rss" '
    { w[NR] = $1 }
    END {
      m = (NR % 2) ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2
      printf "%s: median of %d runs %.3f s (min %.3f, max %.3f) for %d files, %.1f MB: %.0f files/s, %.1f MB/s, peak RSS %.1f MiB\n", label, runs, m, w[1], w[NR], n, b / 1e6, n / m, b / 1e6 / m, rss / 1024
    }'
}
echo "cores: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg)"
measure "scan (files that can reach pydynox parsed)"
measure "scan --parse-all (every file parsed)" --parse-all
