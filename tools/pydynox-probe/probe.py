"""Run every pydynox feature for real, through the recording endpoint, against moto's server.

Each scenario is the code a service using one catalogue feature (or a few, declared
together) would run, with the real pydynox release installed in this interpreter. Between
scenarios a marker request tells the recording proxy which scenario the following AWS
requests belong to. The result is one JSON document on stdout (or --out):

    {"pydynox_version": "1.8.0", "lock_table": ..., "tables": [...], "key_arn": ...,
     "scenarios": [{"name", "features": [...], "error": null | "text",
                    "expected_error": bool, "calls": [<proxy records>]}]}

The Rust test (tests/real_pydynox.rs) maps each call to the IAM actions AWS authorizes it
by and asserts that the catalogue's checks for the declared features cover them.

Usage (the interpreter must have pydynox installed):
    python probe.py --upstream http://127.0.0.1:5000 [--out result.json]
Standard library plus pydynox only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "us-east-1"
ACCOUNT = "000000000000"


def moto_call(upstream: str, service: str, method: str, path: str, body: bytes, headers: dict):
    """A set-up request straight to moto (not recorded); moto does not check signatures."""
    u = urllib.parse.urlsplit(upstream)
    h = {
        "Authorization": f"AWS4-HMAC-SHA256 Credential=test/20260101/{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=0",
        **headers,
    }
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conn.request(method, path, body=body, headers=h)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    if resp.status >= 300:
        raise RuntimeError(f"set-up {service} {method} {path}: {resp.status} {data[:300]!r}")
    return data


class Recorder:
    """The recording proxy as a child process."""

    def __init__(self, upstream: str, record: str):
        self.record = record
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "record_proxy.py"), "--upstream", upstream, "--record", record],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "listening":
            self.proc.kill()
            raise RuntimeError(f"record_proxy did not start: {line}")
        self.url = f"http://127.0.0.1:{line[1]}"

    def mark(self, scenario: str):
        with open(self.record, "a", encoding="utf-8") as f:
            f.write(json.dumps({"scenario": scenario}) + "\n")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--upstream", required=True, help="moto's server, e.g. http://127.0.0.1:5000")
    ap.add_argument("--out", help="write the result here instead of stdout")
    args = ap.parse_args()

    record = tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False).name
    rec = Recorder(args.upstream, record)
    try:
        result = run(args.upstream, rec)
    finally:
        rec.stop()
    calls_by_scenario: dict[str, list] = {}
    current = None
    with open(record, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if "scenario" in r:
                current = r["scenario"]
                calls_by_scenario.setdefault(current, [])
            elif current is not None:
                calls_by_scenario[current].append(r)
    os.unlink(record)
    for s in result["scenarios"]:
        s["calls"] = calls_by_scenario.get(s["name"], [])
    text = json.dumps(result, indent=1, sort_keys=True)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text)
    failed = [s["name"] for s in result["scenarios"] if s["error"] and not s["expected_error"]]
    if failed:
        print(f"probe: scenarios failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def run(upstream: str, rec: Recorder) -> dict:
    # Every SDK client pydynox builds goes to the recorder: the DynamoDB and S3 clients by
    # endpoint_url, the KMS client (which does not inherit the DynamoDB client's settings)
    # and STS by the environment.
    for k in list(os.environ):
        if k.startswith("AWS_ENDPOINT_URL") or k in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            del os.environ[k]
    os.environ["AWS_ENDPOINT_URL"] = rec.url
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    os.environ["AWS_REGION"] = REGION
    os.environ["AWS_DEFAULT_REGION"] = REGION

    import pydynox
    from pydynox import DynamoDBClient, Model, ModelConfig, SyncBatchWriter, SyncTransaction
    from pydynox.attributes import EncryptedAttribute, EncryptionMode, S3Attribute, S3File, StringAttribute
    from pydynox.indexes import GlobalSecondaryIndex
    from pydynox.lock import SyncDistributedLock

    suffix = uuid.uuid4().hex[:8]
    table = f"probe-users-{suffix}"
    other = f"probe-orders-{suffix}"
    lock_table = f"probe-locks-{suffix}"
    cmk_table = f"probe-cmk-{suffix}"
    bucket = f"probe-media-{suffix}"
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/probe-target"

    # Set-up straight to moto: a KMS key and a bucket.
    key = json.loads(
        moto_call(upstream, "kms", "POST", "/", b"{}", {"X-Amz-Target": "TrentService.CreateKey", "Content-Type": "application/x-amz-json-1.1"})
    )
    key_arn = key["KeyMetadata"]["Arn"]
    moto_call(upstream, "s3", "PUT", f"/{bucket}", b"", {})
    # The lock table is provisioned apart from the service, as pydynox's docs ask: a string
    # partition key named `key`, no sort key.
    moto_call(
        upstream,
        "dynamodb",
        "POST",
        "/",
        json.dumps(
            {
                "TableName": lock_table,
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "key", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "key", "KeyType": "HASH"}],
            }
        ).encode(),
        {"X-Amz-Target": "DynamoDB_20120810.CreateTable", "Content-Type": "application/x-amz-json-1.0"},
    )

    client = DynamoDBClient(region=REGION, endpoint_url=rec.url)

    class User(Model):
        model_config = ModelConfig(table=table, client=client)
        pk = StringAttribute(partition_key=True)
        email = StringAttribute()
        name = StringAttribute()
        by_email = GlobalSecondaryIndex("by-email", partition_key="email")

    def secret_model(mode):
        class Secret(Model):
            model_config = ModelConfig(table=table, client=client)
            pk = StringAttribute(partition_key=True)
            email = StringAttribute()
            secret = EncryptedAttribute(key_id=key_arn, mode=mode, context={"tenant": "probe"})

        return Secret

    class Doc(Model):
        model_config = ModelConfig(table=table, client=client)
        pk = StringAttribute(partition_key=True)
        email = StringAttribute()
        content = S3Attribute(bucket=bucket, prefix="docs/")

    scenarios = []

    def scenario(name, features, expected_error=False):
        def wrap(fn):
            rec.mark(name)
            entry = {"name": name, "features": features, "error": None, "expected_error": expected_error}
            try:
                fn()
            except Exception as e:  # recorded; the caller decides whether it was expected
                entry["error"] = f"{type(e).__name__}: {e}"
                if not expected_error:
                    traceback.print_exc(file=sys.stderr)
            scenarios.append(entry)
            return fn

        return wrap

    @scenario("table-management: create with GSI and wait, exists", ["table-management", "crud"])
    def _():
        User.sync_create_table(wait=True)
        client.sync_create_table(other, partition_key=("pk", "S"), wait=True)
        client.sync_put_item(other, {"pk": "o1", "n": 1})
        assert client.sync_table_exists(table)
        client.sync_wait_for_table_active(table)

    @scenario("table-cmk: create_table with a customer managed key", ["table-management", "table-cmk"])
    def _():
        client.sync_create_table(cmk_table, partition_key=("pk", "S"), encryption="CUSTOMER_MANAGED", kms_key_id=key_arn)

    @scenario("ping", ["ping"])
    def _():
        assert client.ping()

    @scenario("crud: model and client", ["crud"])
    def _():
        u = User(pk="u1", email="a@example.com", name="A")
        u.sync_save()
        got = User.sync_get(pk="u1")
        got.name = "B"
        got.sync_save()
        got.sync_update(name="C")
        User.sync_update_by_key(pk="u1", name="D")
        client.sync_put_item(table, {"pk": "u2", "email": "b@example.com"})
        client.sync_get_item(table, {"pk": "u2"})
        client.sync_update_item(table, {"pk": "u2"}, updates={"name": "E"})
        client.sync_delete_item(table, {"pk": "u2"})
        User(pk="u3", email="c@example.com").sync_save()
        User.sync_get(pk="u3").sync_delete()
        User.sync_delete_by_key(pk="u1")
        User(pk="u1", email="a@example.com", name="A").sync_save()

    @scenario("query: base table", ["query"])
    def _():
        list(User.sync_query(partition_key="u1"))
        list(client.sync_query(table, "#p = :v", expression_attribute_names={"#p": "pk"}, expression_attribute_values={":v": "u1"}))

    @scenario("scan: scan, count, parallel scan", ["scan"])
    def _():
        list(User.sync_scan())
        User.sync_count()
        client.sync_count(table)
        client.sync_parallel_scan(table, total_segments=2)

    @scenario("indexes: GSI query, index scan and count", ["indexes"])
    def _():
        list(User.by_email.sync_query(email="a@example.com"))
        list(client.sync_scan(table, index_name="by-email"))
        client.sync_count(table, index_name="by-email")

    @scenario("batch: batch_get, BatchWriter, batch_write", ["batch"])
    def _():
        with SyncBatchWriter(client, table) as w:
            w.put({"pk": "b1", "email": "b1@example.com"})
            w.put({"pk": "b2", "email": "b2@example.com"})
            w.delete({"pk": "b2"})
        client.sync_batch_write(table, put_items=[{"pk": "b3", "email": "x"}], delete_keys=[{"pk": "b3"}])
        User.sync_batch_get([{"pk": "b1"}])
        client.sync_batch_get(table, [{"pk": "b1"}], projection=["pk"])

    @scenario("transactions: write elements and transact_get", ["transactions"])
    def _():
        with SyncTransaction(client) as tx:
            tx.put(table, {"pk": "t1", "email": "t@example.com"})
            tx.update(other, {"pk": "o1"}, "SET n = :n", expression_attribute_values={":n": 2})
            tx.condition_check(table, {"pk": "u1"}, "attribute_exists(pk)")
        with SyncTransaction(client) as tx:
            tx.delete(table, {"pk": "t1"})
            tx.save_model(User(pk="t2", email="t2@example.com"))
        client.sync_transact_get([{"table": table, "key": {"pk": "u1"}}, {"table": other, "key": {"pk": "o1"}}])

    @scenario("partiql: SELECT", ["partiql"])
    def _():
        client.sync_execute_statement(f'SELECT * FROM "{table}" WHERE pk = ?', parameters=["u1"])

    @scenario("partiql-write: INSERT, UPDATE, DELETE", ["partiql-write"])
    def _():
        client.sync_execute_statement(f"INSERT INTO \"{table}\" VALUE {{'pk': 'p1', 'email': 'p@example.com'}}")
        client.sync_execute_statement(f"UPDATE \"{table}\" SET email = 'q@example.com' WHERE pk = 'p1'")
        client.sync_execute_statement(f"DELETE FROM \"{table}\" WHERE pk = 'p1'")

    @scenario("encryption-readwrite: encrypt on save, decrypt on get", ["encryption-readwrite", "crud"])
    def _():
        Secret = secret_model(EncryptionMode.ReadWrite)
        Secret(pk="s1", email="s@example.com", secret="hush").sync_save()
        assert Secret.sync_get(pk="s1").secret == "hush"

    @scenario("encryption-writeonly: encrypt on save", ["encryption-writeonly", "crud"])
    def _():
        Secret = secret_model(EncryptionMode.WriteOnly)
        Secret(pk="s2", email="s@example.com", secret="hush").sync_save()

    @scenario("encryption-readonly: decrypt on get", ["encryption-readonly", "crud"])
    def _():
        Secret = secret_model(EncryptionMode.ReadOnly)
        Secret.sync_get(pk="s1").secret

    @scenario("s3-attribute: upload, download, presign, delete with the model", ["s3-attribute", "crud"])
    def _():
        d = Doc(pk="d1", email="d@example.com")
        d.content = S3File(b"hello", name="hello.txt")
        d.sync_save()
        got = Doc.sync_get(pk="d1")
        value = got.content
        assert value.sync_get_bytes() == b"hello"
        value.sync_presigned_url(60)
        got.sync_delete()

    @scenario("locks: acquire, renew, contend, release", ["locks"])
    def _():
        with SyncDistributedLock(client, table=lock_table, key="job:1", lease_duration=1.5, wait_timeout=1.0) as guard:
            # A second holder contends (consistent GetItem of the current owner), then gives up.
            try:
                with SyncDistributedLock(client, table=lock_table, key="job:1", lease_duration=1.5, wait_timeout=0.0):
                    raise AssertionError("a held lock was acquired twice")
            except pydynox.exceptions.LockNotAcquired:
                pass
            # Renewal (UpdateItem) runs in the background every third of the lease: hold the
            # lock until the guard has renewed once, within a bound.
            deadline = time.monotonic() + 30
            while guard.metrics.renewals < 1:
                if guard.metrics.lost or time.monotonic() > deadline:
                    raise RuntimeError(f"the lock was not renewed: {guard.metrics.renewals} renewals")
                time.sleep(0.05)

    @scenario("locks-in-transactions: check_in", ["locks", "locks-in-transactions", "transactions"])
    def _():
        with SyncDistributedLock(client, table=lock_table, key="job:2", lease_duration=30, wait_timeout=1.0) as guard:
            with SyncTransaction(client) as tx:
                guard.check_in(tx)
                tx.put(table, {"pk": "locked", "email": "l@example.com"})

    @scenario("assume-role: role_arn on the client", ["assume-role", "ping"])
    def _():
        DynamoDBClient(region=REGION, endpoint_url=rec.url, role_arn=role_arn).ping()

    # moto does not serve vector search: the requests are recorded, the answers are errors.
    vector_index = {
        "index_name": "semantic",
        "vector_attribute": "embedding",
        "dimensions": 3,
        "distance_function": "COSINE",
    }

    @scenario("vector-indexes: create, describe, delete", ["vector-indexes"], expected_error=True)
    def _():
        errors = []
        for call in (
            lambda: client.sync_create_vector_index(table, vector_index),
            lambda: client.sync_describe_vector_index(table, "semantic"),
            lambda: client.sync_delete_vector_index(table, "semantic"),
        ):
            try:
                call()
            except Exception as e:
                errors.append(f"{type(e).__name__}: {e}")
        if errors:
            raise RuntimeError("; ".join(errors))

    @scenario("vector-search: search_vectors", ["vector-search"], expected_error=True)
    def _():
        client.sync_search_vectors(table, "semantic", [0.1, 0.2, 0.3], top_k=3)

    @scenario("table-management: delete with wait, wait_for_table_deleted", ["table-management"])
    def _():
        client.sync_delete_table(cmk_table, wait=True)
        client.sync_delete_table(other)
        client.sync_wait_for_table_deleted(other)
        User.sync_delete_table()

    return {
        "pydynox_version": pydynox.__version__,
        "tables": [table, other, cmk_table],
        "lock_table": lock_table,
        "bucket": bucket,
        "key_arn": key_arn,
        "role_arn": role_arn,
        "scenarios": scenarios,
    }


if __name__ == "__main__":
    sys.exit(main())
