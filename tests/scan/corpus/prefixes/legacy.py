# Written for pydynox 0.21 (sync by default, async_ prefix) beside 0.22+ code (sync_ prefix).
from pydynox import Model, ModelConfig
from pydynox.attributes import StringAttribute


class Counter(Model):
    model_config = ModelConfig(table="counters")
    pk = StringAttribute(hash_key=True)


async def bump_old(pk: str) -> None:
    c = await Counter.async_get(pk=pk)
    await c.async_update(value=1)


def bump_sync(pk: str) -> None:
    Counter.sync_update_by_key(pk=pk, value=1)


async def bump_new(pk: str) -> None:
    await Counter.update_by_key(pk=pk, value=2)
