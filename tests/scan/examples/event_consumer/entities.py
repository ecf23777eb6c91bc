from pydynox import Collection, Model, ModelConfig
from pydynox.attributes import StringAttribute

APP_TABLE = "app-entities"


class Entity(Model):
    pk = StringAttribute(partition_key=True)
    sk = StringAttribute(sort_key=True)
    kind = StringAttribute(discriminator=True)


class Customer(Entity):
    model_config = ModelConfig(table=APP_TABLE)


class Address(Entity):
    model_config = ModelConfig(table=APP_TABLE)


customer_view = Collection([Customer, Address])
