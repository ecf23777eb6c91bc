from pydynox import Model, ModelConfig


class Thing(Model):
    model_config = ModelConfig(table="things")


Thing.sync_get(pk="1")
