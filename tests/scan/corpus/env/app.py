from pydynox import DynamoDBClient, Model, ModelConfig
from pydynox.attributes import StringAttribute

from config import AUDIT, ORDERS_TABLE, SESSIONS

client = DynamoDBClient()


class Order(Model):
    model_config = ModelConfig(table=ORDERS_TABLE)
    pk = StringAttribute(partition_key=True)


def handler(event, context):
    order = Order.sync_get(pk=event["id"])
    client.sync_put_item(SESSIONS, {"pk": event["id"]})
    client.sync_get_item(table=AUDIT, key={"pk": "x"})
    return order
