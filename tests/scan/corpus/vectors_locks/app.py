from pydynox import DynamoDBClient, Model, ModelConfig, SyncTransaction
from pydynox.attributes import StringAttribute, VectorAttribute
from pydynox.indexes import VectorIndex
from pydynox.lock import SyncDistributedLock, distributed_lock

client = DynamoDBClient()


class Doc(Model):
    model_config = ModelConfig(table="docs")
    pk = StringAttribute(partition_key=True)
    embedding = VectorAttribute(3)
    semantic = VectorIndex("semantic-index", "embedding")


async def similar(v: list):
    return await Doc.semantic.search(v, top_k=5)


def maintain():
    Doc.semantic.sync_create(wait=True)
    client.sync_search_vectors("docs", "semantic-index", [0.1, 0.2, 0.3])


@distributed_lock(client, table="locks", key="nightly")
def nightly():
    pass


def guarded(pk: str):
    with SyncDistributedLock(client, table="locks", key=f"doc:{pk}") as guard:
        with SyncTransaction(client) as tx:
            guard.check_in(tx)
            tx.put("docs", {"pk": pk})
