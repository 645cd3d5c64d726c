from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "shishi.board"
    label = "board"
    verbose_name = "挂图作战"

    def ready(self) -> None:
        from shishi.board.services import on_items_changed
        from shishi.ledger.signals import items_changed

        items_changed.connect(on_items_changed, dispatch_uid="board.on_items_changed")
