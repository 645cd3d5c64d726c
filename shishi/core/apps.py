from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shishi.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from django.db.models.signals import pre_save

        from shishi.core.inputs import check_columns

        # Every project model's row is checked against its columns before it is written.
        pre_save.connect(check_columns, dispatch_uid="shishi.core.inputs.check_columns")

        from shishi.core import (
            checks,  # noqa: F401  (registers the system checks)
            throttle,  # noqa: F401  (connects the login signals' receivers)
        )
