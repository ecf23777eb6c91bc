import os

from pydynox import DynamoDBClient, Model, ModelConfig, set_default_client
from pydynox.attributes import StringAttribute

client = DynamoDBClient(
    role_arn=os.environ.get("DATA_ROLE_ARN", "arn:aws:iam::111122223333:role/data"),
    region="eu-west-1",
)
set_default_client(client)
reader = DynamoDBClient(role_arn="arn:aws:iam::111122223333:role/reader", region="eu-west-1")
local = DynamoDBClient(endpoint_url="http://localhost:8000", role_arn=None)


class Item(Model):
    model_config = ModelConfig(table="items", client=reader)
    pk = StringAttribute(partition_key=True)


def health() -> bool:
    return client.ping()


def count() -> int:
    return Item.sync_count()
