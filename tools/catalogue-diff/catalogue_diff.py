"""catalogue-diff: a pydynox release's AWS call sites against the catalogue.

Downloads the release's source distribution from the package index, lists every AWS call
site in its Rust core (each `.send()`, `.presigned(` and the STS AssumeRoleProvider, mapped
to its SDK operation), writes that inventory to tools/catalogue-diff/inventory/X.json, and
diffs it against src/needs/catalogue.toml through tools/catalogue-diff/operation-actions.json:
which operations have no catalogue entry, and which catalogue entries no call site makes.

    python3 tools/catalogue-diff/catalogue_diff.py 1.9.0            (what `make catalogue-diff` runs)
    python3 tools/catalogue-diff/catalogue_diff.py 1.9.0 --sdist pydynox-1.9.0.tar.gz
    python3 tools/catalogue-diff/catalogue_diff.py 1.8.0 1.7.0 --check  (diff committed inventories only)

Exit 0 when the catalogue matches, 1 when it differs (the differences are printed), 2 on
bad input or a call site whose operation cannot be determined (its file and line printed).
Standard library only (Python 3.11+ for tomllib); needs `pip` and the network to download.

The method follows the research note on pydynox's call sites: a call site is the
SDK fluent builder (`client.get_item()`, with no arguments) nearest before the `.send()`,
in the same file. The sdist is fetched with
`pip download --no-deps --no-binary pydynox --only-binary maturin pydynox==X`:
`--no-binary :all:` would also make pip build maturin, the sdist's build backend, from
source just to read the package metadata.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
INVENTORY = HERE / "inventory"
MAPPING = HERE / "operation-actions.json"
CATALOGUE = ROOT / "src" / "needs" / "catalogue.toml"

# The SDK operations pydynox's core can call, by the fluent builder's snake_case name.
OPERATIONS = {
    "get_item": "dynamodb:GetItem",
    "put_item": "dynamodb:PutItem",
    "update_item": "dynamodb:UpdateItem",
    "delete_item": "dynamodb:DeleteItem",
    "query": "dynamodb:Query",
    "scan": "dynamodb:Scan",
    "batch_get_item": "dynamodb:BatchGetItem",
    "batch_write_item": "dynamodb:BatchWriteItem",
    "transact_write_items": "dynamodb:TransactWriteItems",
    "transact_get_items": "dynamodb:TransactGetItems",
    "execute_statement": "dynamodb:ExecuteStatement",
    "batch_execute_statement": "dynamodb:BatchExecuteStatement",
    "execute_transaction": "dynamodb:ExecuteTransaction",
    "create_table": "dynamodb:CreateTable",
    "describe_table": "dynamodb:DescribeTable",
    "delete_table": "dynamodb:DeleteTable",
    "update_table": "dynamodb:UpdateTable",
    "list_tables": "dynamodb:ListTables",
    "update_time_to_live": "dynamodb:UpdateTimeToLive",
    "describe_time_to_live": "dynamodb:DescribeTimeToLive",
    "search_vectors": "dynamodb:SearchVectors",
    "generate_data_key": "kms:GenerateDataKey",
    "encrypt": "kms:Encrypt",
    "decrypt": "kms:Decrypt",
    "describe_key": "kms:DescribeKey",
    "put_object": "s3:PutObject",
    "create_multipart_upload": "s3:CreateMultipartUpload",
    "upload_part": "s3:UploadPart",
    "complete_multipart_upload": "s3:CompleteMultipartUpload",
    "abort_multipart_upload": "s3:AbortMultipartUpload",
    "get_object": "s3:GetObject",
    "head_object": "s3:HeadObject",
    "delete_object": "s3:DeleteObject",
    "list_objects_v2": "s3:ListObjectsV2",
    "assume_role": "sts:AssumeRole",
    "get_caller_identity": "sts:GetCallerIdentity",
}
BUILDER = re.compile(r"\.(" + "|".join(sorted(OPERATIONS, key=len, reverse=True)) + r")\(\s*\)")
SEND = re.compile(r"\.send\(\s*\)|\.send_with\(|\.presigned\(")
# Ways to reach AWS without a `.send()` at the call site: none is used up to 1.8.0, so a
# release that starts using one stops the tool instead of being under-counted.
HIDDEN = re.compile(r"\.into_paginator\(|\.wait_until\(|\bwaiters::")
# How far back (in lines) the builder of a `.send()` may be.
WINDOW = 80


class Unresolved(Exception):
    pass


def version_key(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in v.split("."))


def download(version: str, dest: Path) -> Path:
    cmd = [
        sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
        "--no-deps", "--no-binary", "pydynox", "--only-binary", "maturin",
        f"pydynox=={version}", "-d", str(dest),
    ]
    subprocess.run(cmd, check=True)
    found = sorted(dest.glob(f"pydynox-{version}.tar.gz"))
    if not found:
        raise SystemExit(f"catalogue-diff: pip fetched no source distribution for pydynox {version}")
    return found[0]


def call_sites(sdist: Path) -> tuple[list[dict], list[str]]:
    """Every AWS call site in the sdist's Rust sources; unresolved sites as `file:line`."""
    sites, unresolved = [], []
    with tarfile.open(sdist) as tar:
        members = sorted(
            (m for m in tar.getmembers() if m.isfile() and m.name.endswith(".rs")),
            key=lambda m: m.name,
        )
        for m in members:
            parts = m.name.split("/", 1)
            rel = parts[1] if len(parts) == 2 else m.name
            if not rel.startswith("src/"):
                continue
            text = tar.extractfile(m).read().decode("utf-8", "replace")
            lines = text.splitlines()
            for i, line in enumerate(lines):
                code = line.split("//", 1)[0]
                for s in SEND.finditer(code):
                    op = None
                    # The builder nearest before the send: on this line left of it, or above.
                    same = [b.group(1) for b in BUILDER.finditer(code[: s.start()])]
                    if same:
                        op = same[-1]
                    else:
                        for back in range(i - 1, max(-1, i - WINDOW), -1):
                            found = [b.group(1) for b in BUILDER.finditer(lines[back].split("//", 1)[0])]
                            if found:
                                op = found[-1]
                                break
                    if op is None:
                        unresolved.append(f"{rel}:{i + 1}")
                        continue
                    operation = OPERATIONS[op]
                    if s.group(0).startswith(".presigned"):
                        operation += " (presign)"
                    sites.append({"operation": operation, "file": rel, "line": i + 1})
                if HIDDEN.search(code):
                    unresolved.append(f"{rel}:{i + 1} (paginator or waiter)")
                if "AssumeRoleProvider" in code and "use " not in code:
                    sites.append({"operation": "sts:AssumeRole", "file": rel, "line": i + 1})
    return sites, unresolved


def inventory(version: str, sdist: Path) -> dict:
    sites, unresolved = call_sites(sdist)
    if unresolved:
        raise Unresolved(", ".join(unresolved))
    return {
        "about": "AWS call sites of a pydynox release, written by tools/catalogue-diff (make catalogue-diff VERSION=...); do not edit",
        "pydynox_version": version,
        "sdist": sdist.name,
        "sdist_sha256": hashlib.sha256(sdist.read_bytes()).hexdigest(),
        "operations": sorted({s["operation"] for s in sites}),
        "call_sites": sites,
    }


def catalogue_actions(cat: dict, version: str) -> set[str]:
    """The actions the catalogue checks for `version` (the rules of src/needs/catalogue.rs)."""
    v = version_key(version)
    out = set()
    for f in cat["features"]:
        if "since" in f and v < version_key(f["since"]):
            continue
        for c in f["checks"]:
            if "since" in c and v < version_key(c["since"]):
                continue
            if "before" in c and v >= version_key(c["before"]):
                continue
            out.add(c["action"])
    return out


def diff(inv: dict, cat: dict, mapping: dict) -> list[str]:
    """Differences between the inventory (through the mapping) and the catalogue."""
    ops = mapping["operations"]
    server_side = set(mapping.get("not_from_the_client", {}))
    problems = []
    needed: dict[str, list[str]] = {}
    for op in inv["operations"]:
        if op not in ops:
            problems.append(f"operation `{op}` is not in operation-actions.json: map it to its IAM actions")
            continue
        for a in ops[op]:
            needed.setdefault(a, []).append(op)
    have = catalogue_actions(cat, inv["pydynox_version"])
    sites = {}
    for s in inv["call_sites"]:
        sites.setdefault(s["operation"], []).append(f"{s['file']}:{s['line']}")
    for action, from_ops in sorted(needed.items()):
        if action not in have:
            where = "; ".join(f"{op} at {', '.join(sites[op])}" for op in from_ops)
            problems.append(f"no catalogue entry for `{action}` ({where})")
    for action in sorted(have - set(needed) - server_side):
        problems.append(f"catalogue checks `{action}` but no call site of {inv['pydynox_version']} makes it")
    return problems


def run_one(version: str, args, cat: dict, mapping: dict) -> int:
    out = INVENTORY / f"{version}.json"
    if args.check:
        if not out.exists():
            print(f"catalogue-diff: no inventory for {version}; run make catalogue-diff VERSION={version}", file=sys.stderr)
            return 2
        inv = json.loads(out.read_text())
    else:
        with tempfile.TemporaryDirectory() as tmp:
            sdist = args.sdist or download(version, Path(tmp))
            try:
                inv = inventory(version, sdist)
            except Unresolved as e:
                print(f"catalogue-diff: cannot tell the operation of the call sites at {e}; extend OPERATIONS", file=sys.stderr)
                return 2
        INVENTORY.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(inv, indent=1) + "\n")
        print(f"catalogue-diff: {len(inv['call_sites'])} call sites, {len(inv['operations'])} operations -> {out.relative_to(ROOT)}")
    if version not in cat["releases"]:
        print(f"catalogue-diff: {version} is not in the catalogue's releases (newest {cat['newest_release']}); "
              "diffing against the newest release's checks", file=sys.stderr)
        inv = {**inv, "pydynox_version": cat["newest_release"]}
    problems = diff(inv, cat, mapping)
    for p in problems:
        print(f"  {p}")
    if problems:
        print(f"catalogue-diff: the catalogue differs from pydynox {version}'s call sites ({len(problems)})")
        return 1
    print(f"catalogue-diff: the catalogue matches pydynox {version}'s call sites")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("versions", nargs="+", metavar="VERSION")
    ap.add_argument("--sdist", type=Path, help="use this source distribution instead of downloading it (one VERSION)")
    ap.add_argument("--check", action="store_true", help="diff the committed inventory; no download, nothing written")
    ap.add_argument("--catalogue", type=Path, default=CATALOGUE, help="the catalogue to diff against (default: src/needs/catalogue.toml)")
    args = ap.parse_args()
    for v in args.versions:
        if not re.fullmatch(r"\d+\.\d+\.\d+", v):
            print(f"catalogue-diff: `{v}` is not a release version (MAJOR.MINOR.PATCH)", file=sys.stderr)
            return 2
    if args.sdist and len(args.versions) != 1:
        print("catalogue-diff: --sdist takes one VERSION", file=sys.stderr)
        return 2
    cat = tomllib.loads(args.catalogue.read_text())
    mapping = json.loads(MAPPING.read_text())
    return max(run_one(v, args, cat, mapping) for v in args.versions)


if __name__ == "__main__":
    sys.exit(main())
