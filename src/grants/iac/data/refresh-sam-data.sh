#!/usr/bin/env bash
# Regenerates the SAM data the template reader ships (src/grants/iac/data/):
#   sam-policy-templates.json  AWS SAM's policy templates (DynamoDBCrudPolicy, KMSDecryptPolicy, ...),
#                              exactly as the translator defines them
#   sam-managed-policies.json  the AWS managed policy names SAM turns into ARNs without asking IAM
#                              (`Policies: AmazonDynamoDBReadOnlyAccess`), per partition
#
# Source: the Python package aws-sam-translator (Apache-2.0), the code behind `sam build`/`sam deploy`
# and CloudFormation's AWS::Serverless transform: samtranslator/policy_templates_data/policy_templates.json
# and samtranslator/internal/data/aws_managed_policies.json. The version is pinned below and must match
# tests/iac/tools/requirements.txt (the tests compare this reader with that translator); bump both on
# purpose, run this script, review the diff and run the tests.
#
# Usage: bash src/grants/iac/data/refresh-sam-data.sh   (needs python3 with venv and pip access)
set -euo pipefail

SAM_TRANSLATOR_VERSION="1.115.0"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  -d "$tmp/wheel" "aws-sam-translator==$SAM_TRANSLATOR_VERSION"

"$tmp/venv/bin/python" - "$here" "$SAM_TRANSLATOR_VERSION" "$tmp"/wheel/*.whl <<'PY'
import json
import sys
import zipfile

out_dir, version, wheel = sys.argv[1], sys.argv[2], sys.argv[3]
z = zipfile.ZipFile(wheel)


def read(name):
    return json.loads(z.read(name).decode("utf-8")), "%04d-%02d-%02d" % z.getinfo(name).date_time[:3]


templates, templates_date = read("samtranslator/policy_templates_data/policy_templates.json")
managed, managed_date = read("samtranslator/internal/data/aws_managed_policies.json")


def dumps(v):
    return json.dumps(v, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def write(path, metadata, key, entries):
    lines = ["{", f'"metadata":{dumps(metadata)},', f'"{key}":{{']
    names = sorted(entries)
    for i, name in enumerate(names):
        comma = "," if i + 1 < len(names) else ""
        lines.append(f"{dumps(name)}:{dumps(entries[name])}{comma}")
    lines.append("}")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    json.loads(text)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


common = {
    "aws_sam_translator_version": version,
    "license": "Apache-2.0 (aws-sam-translator)",
    "generated_by": "src/grants/iac/data/refresh-sam-data.sh",
}
write(
    f"{out_dir}/sam-policy-templates.json",
    dict(common, source="samtranslator/policy_templates_data/policy_templates.json",
         templates_version=templates.get("Version"), file_date=templates_date),
    "Templates",
    templates["Templates"],
)

# name -> {"suffix": what follows ":policy/", "partitions": [...]}
names = {}
for partition, table in managed.items():
    for name, arn in table.items():
        prefix = f"arn:{partition}:iam::aws:policy/"
        if not arn.startswith(prefix):
            sys.exit(f"unexpected ARN {arn} for {name} in {partition}")
        e = names.setdefault(name, {"suffix": arn[len(prefix):], "partitions": []})
        if e["suffix"] != arn[len(prefix):]:
            sys.exit(f"{name} has different paths across partitions; the reader assumes one")
        e["partitions"].append(partition)
for e in names.values():
    e["partitions"].sort()
write(
    f"{out_dir}/sam-managed-policies.json",
    dict(common, source="samtranslator/internal/data/aws_managed_policies.json", file_date=managed_date),
    "Policies",
    names,
)
print(f"wrote {len(templates['Templates'])} policy templates and {len(names)} managed policy names (aws-sam-translator {version})")
PY
