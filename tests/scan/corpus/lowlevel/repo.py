from pydynox import get_default_client

EVENTS = "events"
client = get_default_client()


class EventRepo:
    def __init__(self, table: str):
        self.client = client
        self.table = table

    def add(self, item: dict) -> None:
        client.sync_put_item(EVENTS, item)

    def remove(self, pk: str) -> None:
        client.sync_delete_item(EVENTS, {"pk": pk})

    def add_to(self, item: dict) -> None:
        # The table comes from the caller: unresolved.
        self.client.sync_put_item(self.table, item)

    def patch(self, pk: str) -> None:
        self.client.sync_update_item(table=EVENTS, key={"pk": pk}, updates={"seen": True})
