from pydynox import DynamoDBClient, Transaction, set_default_client

from .models import Customer, Order

client = DynamoDBClient(region="eu-west-1")
set_default_client(client)


async def customer_orders(customer_id: str) -> list[dict]:
    return [o.to_dict() async for o in Order.by_customer.query(customer_id=customer_id)]


async def profile(customer_id: str) -> Customer | None:
    return await Customer.get(pk=customer_id)


async def place(order: Order, sku: str) -> None:
    async with Transaction(client) as tx:
        tx.condition_check("inventory", {"sku": sku}, condition_expression="stock > :zero")
        tx.update("inventory", {"sku": sku}, update_expression="SET stock = stock - :one")
        tx.save_model(order)


def healthy() -> bool:
    return client.ping()
