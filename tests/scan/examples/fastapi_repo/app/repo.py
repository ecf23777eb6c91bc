from pydynox import DynamoDBClient

from app.models import Order


class PaymentsRepo:
    TABLE = "payments"

    def __init__(self, client: DynamoDBClient):
        self.client = client

    async def record(self, order_id: str, amount: int) -> None:
        await self.client.put_item(self.TABLE, {"pk": order_id, "amount": amount})

    async def history(self, order_id: str) -> list:
        return await self.client.query(self.TABLE, key_condition_expression="pk = :p").to_list()


def make_repo() -> PaymentsRepo:
    return PaymentsRepo(DynamoDBClient(region="eu-west-1"))


async def load_order(order_id: str) -> Order:
    return await Order.get(pk=order_id)
