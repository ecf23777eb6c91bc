from pydynox import DynamoDBClient, Model, ModelConfig, SyncTransaction
from pydynox.attributes import StringAttribute, VectorAttribute
from pydynox.indexes import VectorIndex
from pydynox.lock import SyncDistributedLock

client = DynamoDBClient()


class Article(Model):
    model_config = ModelConfig(table="articles", client=client)
    pk = StringAttribute(partition_key=True)
    embedding = VectorAttribute(768)
    semantic = VectorIndex(index_name="semantic-index", vector_attribute="embedding")


async def search(vector: list[float]) -> list:
    return await Article.semantic.search(vector, top_k=10)


def reindex() -> None:
    with SyncDistributedLock(client, table="job-locks", key="reindex") as guard:
        Article.semantic.sync_create(wait=True)
        with SyncTransaction(client) as tx:
            guard.check_in(tx)
            tx.put("articles", {"pk": "meta#reindexed"})
