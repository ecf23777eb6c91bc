#!/usr/bin/env bash
# The baseline for `localstack/bench.py audit`: the audit an engineer writes today with the AWS
# CLI, doing what `pydynox-iam check --engine aws --features all` does for one role:
#
#   aws iam get-role, list-role-policies, get-role-policy (each inline policy),
#   list-attached-role-policies, get-policy + get-policy-version (each attached policy, and the
#   permissions boundary), aws s3api get-bucket-policy, then aws iam simulate-principal-policy with the same actions,
#   resource ARNs and context entries, one call per (context, resource set) group, as
#   `plan_simulations` in src/verdict/pipeline.rs groups them.
#
# The groups are not hard-coded: they are derived from `pydynox-iam features --format json`
# (the catalogue of the pydynox release the binary knows as newest), so they follow the
# catalogue. That listing is local (no AWS call). Prints the fetched policies and the
# simulator's decisions, then one last line `awscli-audit: N AWS calls`, and exits 0 whatever
# the decisions are (non-zero only when an AWS call fails).
#
# Usage: bash localstack/awscli-audit.sh ROLE TABLE INDEX KEY_ARN BUCKET PREFIX TARGET_ROLE_ARN
# Environment: the usual AWS variables (bench.py runs it under with-localstack.sh, which points
# them at LocalStack); PYDYNOX_IAM overrides the binary (default target/release/pydynox-iam).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

if (( $# != 7 )); then
  echo "usage: $0 ROLE TABLE INDEX KEY_ARN BUCKET PREFIX TARGET_ROLE_ARN" >&2
  exit 2
fi
role="$1" table="$2" index="$3" key_arn="$4" bucket="$5" prefix="$6" target_role_arn="$7"

if [[ -x "$root/.localstack/venv/bin/aws" ]]; then aws_bin="$root/.localstack/venv/bin/aws"; else aws_bin="aws"; fi
if [[ -x "$root/.localstack/venv/bin/python" ]]; then py="$root/.localstack/venv/bin/python"; else py="python3"; fi
tool="${PYDYNOX_IAM:-$root/target/release/pydynox-iam}"
if [[ ! -x "$tool" ]]; then
  echo "error: $tool not found; run \`cargo build --release --locked\` first (it lists the checks)" >&2
  exit 2
fi
region="${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"

# Each AWS call appends a line here (a file, because most calls run in command substitutions).
count_file="$(mktemp)"
trap 'rm -f "$count_file"' EXIT
aws() { echo >>"$count_file"; "$aws_bin" "$@"; }

# 1. The principal and its policies.
role_info="$(aws iam get-role --role-name "$role" \
  --query '[Role.Arn, Role.PermissionsBoundary.PermissionsBoundaryArn]' --output text)"
read -r role_arn boundary_arn <<<"$role_info"
[[ "$boundary_arn" == "None" ]] && boundary_arn=""
echo "== role $role_arn"

managed_policy() {
  local arn="$1" version
  version="$(aws iam get-policy --policy-arn "$arn" --query Policy.DefaultVersionId --output text)"
  echo "== managed policy $arn ($version)"
  aws iam get-policy-version --policy-arn "$arn" --version-id "$version" \
    --query PolicyVersion.Document --output json
}

inline="$(aws iam list-role-policies --role-name "$role" --query 'PolicyNames[]' --output text)"
for name in $inline; do
  echo "== inline policy $name"
  aws iam get-role-policy --role-name "$role" --policy-name "$name" --query PolicyDocument --output json
done
attached="$(aws iam list-attached-role-policies --role-name "$role" \
  --query 'AttachedPolicies[].PolicyArn' --output text)"
for arn in $attached; do
  managed_policy "$arn"
done
if [[ -n "$boundary_arn" ]]; then
  echo "== permissions boundary"
  managed_policy "$boundary_arn"
fi

# The bucket policy, which IAM's simulator does not see (pydynox-iam reads it with --engine aws
# too). The table policy is not read: LocalStack's DynamoDB does not run here, and pydynox-iam
# runs with --no-table-policy in this benchmark.
echo "== bucket policy of $bucket"
aws s3api get-bucket-policy --bucket "$bucket" --query Policy --output text 2>/dev/null || echo "(none)"

# 2. What pydynox needs for every feature, grouped as pydynox-iam groups its simulator calls:
# by context entries, then by the set of resources an action needs. One group per line:
# actions<TAB>resources<TAB>context entries (the CLI's JSON shape, or empty).
partition="$(cut -d: -f2 <<<"$role_arn")"
account="$(cut -d: -f5 <<<"$role_arn")"
features_json="$("$tool" features --format json)"
groups="$(FEATURES_JSON="$features_json" "$py" - "$partition" "$region" "$account" "$table" "$index" \
  "$key_arn" "$bucket" "$prefix" "$target_role_arn" <<'PY'
import json, os, sys

partition, region, account, table, index, key_arn, bucket, prefix, target = sys.argv[1:]
catalogue = json.loads(os.environ["FEATURES_JSON"])
print(f"== checks for pydynox {catalogue['pydynox_version']}", file=sys.stderr)
table_arn = table if table.startswith("arn:") else f"arn:{partition}:dynamodb:{region}:{account}:table/{table}"
resources = {  # resource kind -> concrete ARN, as plan::expand fills them
    "table": table_arn,
    "index": f"{table_arn}/index/{index}",
    "kms-key": key_arn,
    "s3-object": f"arn:{partition}:s3:::{bucket}/{prefix}pydynox-iam-check",
    "role": target,
    "any": "*",
}
by_context = {}  # context -> action -> set of resources
for feature in catalogue["features"]:
    for c in feature["checks"]:
        arn = resources[c["resource_kind"]]
        context = tuple(sorted((e["key"].lower(), e["key"], e["type"], tuple(e["values"]))
                               for e in (c.get("context") or [])))
        by_context.setdefault(context, {}).setdefault(c["action"], set()).add(arn)
for context in sorted(by_context):
    by_resources = {}
    for action, arns in sorted(by_context[context].items()):
        by_resources.setdefault(tuple(sorted(arns)), []).append(action)
    entries = [{"ContextKeyName": k, "ContextKeyType": t, "ContextKeyValues": list(v)}
               for _, k, t, v in context]
    for arns, actions in sorted(by_resources.items()):
        print("\t".join([" ".join(actions), " ".join(arns), json.dumps(entries) if entries else ""]))
PY
)"

# 3. One SimulatePrincipalPolicy per group.
while IFS=$'\t' read -r actions arns context; do
  read -ra action_list <<<"$actions"
  read -ra arn_list <<<"$arns"
  extra=()
  [[ -n "$context" ]] && extra=(--context-entries "$context")
  echo "== simulate ${actions} on ${arns}${context:+ with $context}"
  aws iam simulate-principal-policy --policy-source-arn "$role_arn" \
    --action-names "${action_list[@]}" --resource-arns "${arn_list[@]}" "${extra[@]}" \
    --query 'EvaluationResults[].[EvalActionName, EvalResourceName, EvalDecision]' --output text
done <<<"$groups"

echo "awscli-audit: $(wc -l <"$count_file") AWS calls"
