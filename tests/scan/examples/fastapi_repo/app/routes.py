from app.repo import load_order, make_repo

repo = make_repo()


async def pay(order_id: str, amount: int) -> dict:
    order = await load_order(order_id)
    await repo.record(order_id, amount)
    await order.mark_paid()
    return {"ok": True}


async def payments(order_id: str) -> list:
    return await repo.history(order_id)
