from pydynox import Model, ModelConfig
from pydynox.attributes import EncryptedAttribute, EncryptionMode, ListAttribute, StringAttribute

import settings


class Cart(Model):
    model_config = ModelConfig(table=settings.CARTS_TABLE)
    pk = StringAttribute(partition_key=True)
    items = ListAttribute()
    payment_token = EncryptedAttribute(key_id=settings.KMS_KEY, mode=EncryptionMode.WriteOnly)


def add_item(cart_id: str, sku: str) -> None:
    cart = Cart.sync_get(pk=cart_id) or Cart(pk=cart_id, items=[])
    cart.items.append(sku)
    cart.sync_save()


def checkout(cart_id: str, token: str) -> None:
    Cart.sync_update_by_key(pk=cart_id, payment_token=token)
