from typing import TYPE_CHECKING

import boto3
from pydynox import DynamoDBClient, Model, ModelConfig, SyncBatchWriter
from pydynox.attributes import StringAttribute

if TYPE_CHECKING:
    from pydynox import Model as _M

    Widget.sync_delete_table()

client = DynamoDBClient()
legacy = boto3.resource("dynamodb").Table("legacy")


class Widget(Model):
    model_config = ModelConfig(table="widgets")
    pk = StringAttribute(partition_key=True)


def query(**kwargs):
    """A local function named like a pydynox method."""
    return kwargs


def settings(cfg: dict) -> int:
    # dict.get is not Model.get.
    return cfg.get("timeout", 30)


def migrate(item: dict) -> None:
    legacy.put_item(Item=item)
    legacy.delete_item(Key={"pk": item["pk"]})


def write(rows: list) -> None:
    with SyncBatchWriter(client, "widgets") as w:
        for r in rows:
            w.put(r)


def shadowed() -> None:
    Widget = {"get": lambda **k: None}
    Widget.get(pk="1")
    query(pk="1")


def dynamic(name: str) -> None:
    getattr(Widget, "sync_get")(pk="1")
    getattr(Widget, name)(pk="1")
