import datetime

from pydynox import DynamoDBClient, Model, ModelConfig, SyncBatchWriter
from pydynox.attributes import NumberAttribute, StringAttribute

client = DynamoDBClient()
SUMMARY_TABLE = "daily-summary"


class Sale(Model):
    model_config = ModelConfig(table="sales", client=client)
    pk = StringAttribute(partition_key=True)
    amount = NumberAttribute()


def run(day: datetime.date) -> None:
    total = sum(s.amount for s in Sale.sync_parallel_scan(total_segments=4))
    count = Sale.sync_count()
    refunds = client.sync_execute_statement('SELECT pk FROM "sales"."by-status" WHERE status = ?', ["refunded"])
    top = Sale.sync_batch_get([{"pk": "a"}, {"pk": "b"}])
    with SyncBatchWriter(client, SUMMARY_TABLE) as w:
        w.put({"pk": day.isoformat(), "total": total, "count": count, "refunds": len(refunds), "top": len(top)})
