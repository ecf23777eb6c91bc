from .db import TENANTS, USAGE, client


def tenant(tenant_id: str) -> dict | None:
    return client.sync_get_item(TENANTS, {"pk": tenant_id})


def record_usage(tenant_id: str, units: int) -> None:
    client.sync_update_item(USAGE, {"pk": tenant_id}, update_expression="ADD units :u", expression_attribute_values={":u": units})


def snapshot(a: str, b: str) -> list:
    return client.sync_transact_get([{"table": TENANTS, "key": {"pk": a}}, {"table": TENANTS, "key": {"pk": b}}])
