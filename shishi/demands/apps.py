from django.apps import AppConfig


class DemandsConfig(AppConfig):
    name = "shishi.demands"
    label = "demands"
    verbose_name = "群众诉求（接诉即办）"

    def ready(self) -> None:
        from shishi.demands.clusters import item_panel
        from shishi.ledger.item_panels import register_item_panel

        register_item_panel("demands.answered", item_panel)
