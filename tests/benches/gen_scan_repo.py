#!/usr/bin/env python3
"""Writes a deterministic Python repository for the scan benchmark.

Usage: python3 tests/benches/gen_scan_repo.py OUT_DIR [--files N]

About a quarter of the files use pydynox (models with GSIs, encrypted and S3 attributes, handlers
that get/save/query, transactions, batch writers, PartiQL, table management, low-level client
calls); the rest is ordinary application code (utilities, dataclasses, boto3 code, dict.get,
match statements, async code, tests). One file in two hundred has a syntax error. A `.venv`
with site-packages and a `node_modules` folder, both of which the scan must skip, and a
`.gitignore` are written too. The same arguments always give the same tree.
"""

import argparse
import os
import random

WORDS = ["order", "customer", "invoice", "payment", "user", "session", "product", "cart",
         "shipment", "refund", "coupon", "review", "account", "ledger", "report", "event"]


def model_module(rng, pkg, i):
    w = rng.choice(WORDS)
    cls = w.capitalize() + str(i)
    table = f"{pkg}-{w}s"
    lines = [
        "import os",
        "from datetime import datetime, timezone",
        "",
        "from pydynox import Model, ModelConfig",
        "from pydynox.attributes import StringAttribute, NumberAttribute, EncryptedAttribute, EncryptionMode",
        "from pydynox.indexes import GlobalSecondaryIndex",
        "",
        f'TABLE = os.environ.get("{w.upper()}_TABLE", "{table}")',
        "",
        "",
        f"class {cls}(Model):",
        f'    """A {w} as stored in DynamoDB."""',
        "",
        "    model_config = ModelConfig(table=TABLE)",
        "",
        "    pk = StringAttribute(partition_key=True)",
        "    sk = StringAttribute(sort_key=True)",
        "    status = StringAttribute()",
        "    amount = NumberAttribute(default=0)",
    ]
    if rng.random() < 0.3:
        lines.append('    secret = EncryptedAttribute(key_id="alias/app-secrets", mode=EncryptionMode.WriteOnly)')
    lines += [
        f'    by_status = GlobalSecondaryIndex(index_name="{w}-status-index", partition_key="status")',
        "",
        "    def label(self) -> str:",
        '        return f"{self.pk}/{self.sk}"',
        "",
    ]
    for j in range(rng.randint(2, 8)):
        lines += [
            f"    def helper_{j}(self, value: int) -> int:",
            f"        total = value * {j + 1}",
            "        for step in range(3):",
            "            total += step",
            "        return total",
            "",
        ]
    return cls, "\n".join(lines) + "\n"


def handler_module(rng, pkg, model_mod, cls):
    lines = [
        "import asyncio",
        "import logging",
        "",
        "from pydynox import DynamoDBClient, SyncTransaction, SyncBatchWriter, set_default_client",
        f"from {pkg}.{model_mod} import {cls}",
        "",
        "log = logging.getLogger(__name__)",
        'client = DynamoDBClient(region="eu-west-1")',
        "set_default_client(client)",
        "",
    ]
    ops = [
        (f"def load(pk: str, sk: str):\n    item = {cls}.sync_get(pk=pk, sk=sk)\n"
         "    if item is None:\n        log.info('missing %s', pk)\n    return item\n"),
        (f"def create(pk: str, sk: str):\n    item = {cls}(pk=pk, sk=sk, status='new')\n"
         "    item.sync_save()\n    return item\n"),
        (f"async def by_status(status: str):\n    out = []\n"
         f"    async for x in {cls}.by_status.query(status=status):\n        out.append(x.pk)\n    return out\n"),
        (f"def close(pk: str, sk: str):\n    item = {cls}.sync_get(pk=pk, sk=sk)\n"
         "    item.status = 'closed'\n    item.sync_save()\n"),
        ("def move(a: dict, b: dict):\n    with SyncTransaction(client) as tx:\n"
         f"        tx.put({cls}.model_config.table, a)\n        tx.delete({cls}.model_config.table, b)\n"),
        ("def bulk(items: list):\n    with SyncBatchWriter(client, 'audit-log') as w:\n"
         "        for it in items:\n            w.put(it)\n"),
        ("def report():\n    return client.sync_execute_statement('SELECT * FROM \"audit-log\" WHERE pk = ?', ['x'])\n"),
        (f"def purge(pk: str, sk: str):\n    {cls}.sync_delete_by_key(pk=pk, sk=sk)\n"),
        (f"def count_all():\n    return {cls}.sync_count()\n"),
        ("def healthy() -> bool:\n    return client.ping()\n"),
    ]
    for op in rng.sample(ops, rng.randint(3, 7)):
        lines.append(op)
    lines.append("def settings(cfg: dict):\n    return cfg.get('timeout', 30), cfg.get('retries')\n")
    return "\n".join(lines) + "\n"


def plain_module(rng, i):
    lines = ['"""Utilities with no DynamoDB access."""', "", "from __future__ import annotations", "",
             "import json", "import re", "from dataclasses import dataclass, field", "from typing import Any", ""]
    kind = rng.randrange(5)
    if kind == 0:
        lines += ["import boto3", "", "s3 = boto3.client('s3')", "table = boto3.resource('dynamodb').Table('legacy')", "",
                  "def migrate(item):", "    table.put_item(Item=item)", "    return table.get_item(Key={'pk': item['pk']})", ""]
    if kind == 1:
        lines += ["def route(cmd):", "    match cmd:", "        case {'op': 'get', 'key': k}:", "            return k",
                  "        case [first, *rest]:", "            return rest", "        case _:", "            return None", ""]
    for j in range(rng.randint(3, 15)):
        w = rng.choice(WORDS)
        lines += [
            "@dataclass",
            f"class {w.capitalize()}Record{j}:",
            "    name: str",
            "    tags: list[str] = field(default_factory=list)",
            "    extra: dict[str, Any] = field(default_factory=dict)",
            "",
            "    def to_json(self) -> str:",
            "        return json.dumps({'name': self.name, 'tags': self.tags, **self.extra})",
            "",
            "    def get(self, key: str, default=None):",
            "        return self.extra.get(key, default)",
            "",
            f"def parse_{w}_{j}(text: str) -> list[str]:",
            "    out = []",
            "    for line in text.splitlines():",
            "        if (m := re.match(r'^(\\w+)=(.*)$', line)):",
            "            out.append(f\"{m.group(1)}:{m.group(2)!r}\")",
            "    return sorted(out)",
            "",
        ]
    if rng.random() < 0.005:
        lines += ["def broken(:", "    return", ""]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--files", type=int, default=10000)
    args = ap.parse_args()
    rng = random.Random(42)
    out = args.out
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, ".gitignore"), "w") as f:
        f.write("build/\n*.generated.py\n")
    with open(os.path.join(out, "requirements.txt"), "w") as f:
        f.write("pydynox>=1.2,<2\nboto3==1.35.0\n")
    written = 0
    pkg_i = 0
    while written < args.files:
        pkg = f"svc_{pkg_i:03d}"
        pkg_i += 1
        d = os.path.join(out, "src", pkg)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "__init__.py"), "w") as f:
            f.write("")
        written += 1
        n_models = rng.randint(1, 3)
        for m in range(n_models):
            if written >= args.files:
                break
            cls, text = model_module(rng, pkg, m)
            with open(os.path.join(d, f"models_{m}.py"), "w") as f:
                f.write(text)
            written += 1
            if written >= args.files:
                break
            with open(os.path.join(d, f"handlers_{m}.py"), "w") as f:
                f.write(handler_module(rng, pkg, f"models_{m}", cls))
            written += 1
        for p in range(rng.randint(4, 10)):
            if written >= args.files:
                break
            with open(os.path.join(d, f"util_{p}.py"), "w") as f:
                f.write(plain_module(rng, p))
            written += 1
    # Skipped by the scan: a virtualenv, node_modules, an ignored build folder.
    for skipped in [".venv/lib/python3.12/site-packages/pydynox", "node_modules/some-pkg", "build/lib"]:
        d = os.path.join(out, skipped)
        os.makedirs(d, exist_ok=True)
        for k in range(20):
            with open(os.path.join(d, f"mod_{k}.py"), "w") as f:
                f.write("from pydynox import Model\nclass X(Model):\n    pass\nX.sync_delete_table()\n")
    print(f"wrote {written} files in {pkg_i} packages under {out}")


if __name__ == "__main__":
    main()
