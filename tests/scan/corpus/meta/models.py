from pydynox import Model
from pydynox.attributes import StringAttribute


class LegacyOrder(Model):
    class Meta:
        table = "legacy-orders"

    pk = StringAttribute(hash_key=True)


class Serializer:
    """Not a pydynox model: its Meta names no table pydynox uses."""

    class Meta:
        table = "not-a-table"

    def get(self, **kwargs):
        return kwargs


def run():
    LegacyOrder.get(pk="1")
    Serializer().get(pk="1")
