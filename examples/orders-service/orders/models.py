"""The orders table: its name from the environment, one GSI."""

import os

from pydynox import Model, ModelConfig
from pydynox.attributes import NumberAttribute, StringAttribute
from pydynox.indexes import GlobalSecondaryIndex

ORDERS_TABLE = os.environ.get("ORDERS_TABLE", "orders-dev")
INVENTORY_TABLE = "inventory"


class Order(Model):
    model_config = ModelConfig(table=ORDERS_TABLE)

    pk = StringAttribute(partition_key=True)
    customer_id = StringAttribute()
    status = StringAttribute(default="new")
    total = NumberAttribute()

    by_customer = GlobalSecondaryIndex(index_name="by-customer", partition_key="customer_id")
