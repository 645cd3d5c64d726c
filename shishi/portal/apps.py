from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "shishi.portal"
    label = "portal"
    verbose_name = "公开进度"

    def ready(self) -> None:
        from shishi.ledger.signals import items_changed
        from shishi.portal.images import configure_pillow
        from shishi.portal.services import on_items_changed

        configure_pillow()
        items_changed.connect(on_items_changed, dispatch_uid="portal.on_items_changed")
