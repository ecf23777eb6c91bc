from pydynox import DynamoDBClient, Model, ModelConfig
from pydynox.attributes import StringAttribute
from pydynox.indexes import GlobalSecondaryIndex, LocalSecondaryIndex

BY_STATUS = "status-index"


class UserOrder(Model):
    model_config = ModelConfig(table="orders")
    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)
    status = StringAttribute()
    by_order = GlobalSecondaryIndex(index_name="inverted", partition_key="sk", sort_key="pk")
    by_status = GlobalSecondaryIndex(BY_STATUS, partition_key="status")
    recent = LocalSecondaryIndex("recent-lsi", sort_key="created")


client = DynamoDBClient()


async def lookups(sk: str):
    async for o in UserOrder.by_order.query(sk=sk):
        print(o.pk)
    open_orders = UserOrder.by_status.sync_query(status="open")
    latest = [x async for x in UserOrder.recent.query(pk="p", consistent_read=True)]
    rows = client.sync_query("orders", key_condition_expression="#s = :s", index_name="by-email")
    total = client.sync_count("orders", index_name=BY_STATUS)
    everything = client.sync_scan("orders")
    return open_orders, latest, rows, total, everything
