from pydynox import Model, ModelConfig
from pydynox.attributes import StringAttribute


class User(Model):
    model_config = ModelConfig(table="users")
    pk = StringAttribute(partition_key=True)

    def refresh(self):
        return type(self).sync_get(pk=self.pk)

    def clone(self):
        return self.__class__(pk=self.pk + "-copy").sync_save()


class Order(Model):
    model_config = ModelConfig(table="orders")
    pk = StringAttribute(partition_key=True)


Dynamic = type("Dynamic", (Model,), {"model_config": ModelConfig(table="dyn")})
Dynamic.sync_get(pk="1")
