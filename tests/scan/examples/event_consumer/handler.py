import json

from entities import Address, Customer, customer_view


def handler(event: dict, context) -> None:
    for record in event["Records"]:
        body = json.loads(record["body"])
        if body.get("type") == "customer.deleted":
            Customer.sync_delete_by_key(pk=body["id"], sk="PROFILE")
            continue
        Address(**body["address"]).sync_save()


def view(customer_id: str):
    return customer_view.sync_query(pk=customer_id)
