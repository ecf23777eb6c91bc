from pydynox import DynamoDBClient, Model, ModelConfig, SyncTransaction, Transaction
from pydynox.attributes import StringAttribute

client = DynamoDBClient()
ACCOUNTS = "accounts"


class Ledger(Model):
    model_config = ModelConfig(table="ledger")
    pk = StringAttribute(partition_key=True)


def transfer(src: str, dst: str, amount: int) -> None:
    with SyncTransaction(client) as tx:
        tx.condition_check(ACCOUNTS, {"pk": src}, condition_expression="balance >= :a")
        tx.update(ACCOUNTS, {"pk": src}, update_expression="SET balance = balance - :a")
        tx.update(table=ACCOUNTS, key={"pk": dst}, update_expression="SET balance = balance + :a")
        tx.save_model(Ledger(pk=f"{src}->{dst}"))


async def undo(entry: Ledger) -> None:
    async with Transaction(client) as tx:
        tx.delete_model(entry)


def bulk(ops_from_caller: list) -> None:
    client.sync_transact_write(
        [
            {"type": "put", "table": "audit", "item": {"pk": "a"}},
            {"type": "delete", "table": ACCOUNTS, "key": {"pk": "b"}},
        ]
    )
    client.sync_transact_get([{"table": ACCOUNTS, "key": {"pk": "a"}}])
    client.sync_transact_write(ops_from_caller)


def move(a: dict) -> None:
    with SyncTransaction(client) as tx:
        tx.put(Ledger.model_config.table, a)
