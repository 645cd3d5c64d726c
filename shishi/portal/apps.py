from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "shishi.portal"
    label = "portal"
    verbose_name = "公开进度"

    def ready(self) -> None:
        from shishi.core.uploads import register_derived_files
        from shishi.ledger.signals import items_changed
        from shishi.portal.images import PUBLIC_COPIES, configure_pillow, copies_in_use
        from shishi.portal.services import on_items_changed

        configure_pillow()
        register_derived_files(PUBLIC_COPIES, copies_in_use)
        items_changed.connect(on_items_changed, dispatch_uid="portal.on_items_changed")
