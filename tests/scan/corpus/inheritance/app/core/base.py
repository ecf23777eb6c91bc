from pydynox import Model, ModelConfig
from pydynox.attributes import StringAttribute

TABLE = "single-table"


class BaseEntity(Model):
    model_config = ModelConfig(table=TABLE)
    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)

    async def touch(self):
        await self.save()
