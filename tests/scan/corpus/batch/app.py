from pydynox import DynamoDBClient, Model, ModelConfig, SyncBatchWriter
from pydynox.attributes import StringAttribute

client = DynamoDBClient()


class Metric(Model):
    model_config = ModelConfig(table="metrics")
    pk = StringAttribute(partition_key=True)


def ingest(rows: list) -> None:
    with SyncBatchWriter(client, "raw-events") as writer:
        for row in rows:
            writer.put(row)
        writer.delete({"pk": "stale"})


def fetch(keys: list):
    return Metric.sync_batch_get(keys)


def low_level(keys: list):
    client.sync_batch_write("metrics", put_items=[{"pk": "a"}])
    return client.sync_batch_get("metrics", keys)
