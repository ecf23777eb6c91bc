#!/usr/bin/env bash
# Peak memory and wall time of an offline organisation audit, `check --all-roles
# --from-auth-details`, over exports of 1,000, 5,000 and 10,000 roles that each describe
# their check with `pydynox:*` tags (localstack/gen-auth-details.py --tagged; deterministic),
# in the JSON and table formats. A fleet's table and JSON are streamed, the export is parsed
# once (keeping where each entry is) and each batch of roles reads only its own entries, so
# peak memory should stay flat and wall time grow with the roles, not their square.
# Needs python3 and cargo; does not need LocalStack. BIN=path/to/pydynox-iam skips the
# release build; SIZES="1000 5000" and FORMATS="json" narrow the runs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
sizes="${SIZES:-1000 5000 10000}"
formats="${FORMATS:-json table}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ -z "${BIN:-}" ]; then
  (cd "$root" && cargo build --release --locked --quiet)
  BIN="$root/target/release/pydynox-iam"
fi
if [ ! -x /usr/bin/time ]; then
  echo "error: /usr/bin/time (GNU time) is needed for peak memory" >&2
  exit 2
fi

printf '%-7s %-6s %12s %10s %12s\n' roles format "export MiB" "wall s" "peak RSS MiB"
for n in $sizes; do
  case "$n" in
    '' | *[!0-9]*) echo "error: role count \`$n\` is not a number" >&2; exit 2 ;;
  esac
  details="$work/details-$n.json"
  python3 "$here/gen-auth-details.py" --roles "$n" --tagged "$details"
  mib="$(awk -v b="$(wc -c < "$details")" 'BEGIN { printf "%.1f", b / 1048576 }')"
  for f in $formats; do
    cmd=("$BIN" check --all-roles --from-auth-details "$details" --no-table-policy
      --region eu-west-1 --format "$f")
    set +e
    /usr/bin/time -v "${cmd[@]}" > "$work/report" 2> "$work/time.txt"
    status=$?
    set -e
    # 1: some roles lack what they need (by design of the generated export); 0 or 1 only.
    if [ "$status" -gt 1 ]; then
      echo "error: the audit of $n roles ($f) exited $status" >&2
      tail -5 "$work/time.txt" >&2
      exit 1
    fi
    rss="$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$work/time.txt")"
    wall="$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.1f", s }' "$work/time.txt")"
    printf '%-7s %-6s %12s %10s %12s\n' "$n" "$f" "$mib" "$wall" "$rss"
  done
  rm -f "$details"
done
echo "command: pydynox-iam check --all-roles --from-auth-details FILE --no-table-policy --region eu-west-1 --format FORMAT"
