from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "shishi.portal"
    label = "portal"
    verbose_name = "公开进度"

    def ready(self) -> None:
        from shishi.portal.images import configure_pillow

        configure_pillow()
