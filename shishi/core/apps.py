from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shishi.core"
    label = "core"
    verbose_name = "核心"
