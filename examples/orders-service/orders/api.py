"""Order API handlers."""

from __future__ import annotations

import uuid

from pydynox import DynamoDBClient, SyncTransaction

from .models import INVENTORY_TABLE, Order

client = DynamoDBClient()


def create_order(customer_id: str, sku: str, total: int) -> str:
    order = Order(pk=str(uuid.uuid4()), customer_id=customer_id, total=total)
    with SyncTransaction(client) as tx:
        tx.condition_check(INVENTORY_TABLE, {"sku": sku}, condition_expression="available > :zero")
        tx.save_model(order)
    return order.pk


def get_order(order_id: str) -> Order | None:
    return Order.sync_get(pk=order_id)


def orders_of(customer_id: str) -> list[Order]:
    return list(Order.by_customer.sync_query(customer_id=customer_id))


def ship(order_id: str) -> None:
    order = Order.sync_get(pk=order_id)
    if order is not None:
        order.sync_update(status="shipped")
