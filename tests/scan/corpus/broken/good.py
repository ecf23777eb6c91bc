from bad import Bad


def fine() -> None:
    Bad.sync_delete_by_key(pk="1")
