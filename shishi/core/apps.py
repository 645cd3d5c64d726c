from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shishi.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from shishi.core import throttle  # noqa: F401  (connects the login signals' receivers)
