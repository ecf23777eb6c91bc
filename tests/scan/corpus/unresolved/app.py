from pydynox import Model, ModelConfig
from pydynox.attributes import StringAttribute


class Note(Model):
    model_config = ModelConfig(table="notes")
    pk = StringAttribute(partition_key=True)


async def handle(item) -> None:
    await item.save()


def helper(thing, cache) -> None:
    thing.sync_delete()
    cache.get("k")
