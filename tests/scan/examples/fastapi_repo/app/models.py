from pydynox import Model, ModelConfig
from pydynox.attributes import StringAttribute


class Order(Model):
    model_config = ModelConfig(table="shop-orders")
    pk = StringAttribute(partition_key=True)
    status = StringAttribute()

    async def mark_paid(self) -> None:
        self.status = "paid"
        await self.save()
