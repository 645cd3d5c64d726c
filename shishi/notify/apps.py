from typing import Any

from django.apps import AppConfig


def _delivery_purpose(row: dict[str, Any]) -> str:
    return "email" if row["channel"] == "email" else "phone"


class NotifyConfig(AppConfig):
    name = "shishi.notify"
    label = "notify"
    verbose_name = "消息通知"

    def ready(self) -> None:
        # The columns holding ciphertexts as plain text (written by the bulk writer, copied
        # from a contact into its deliveries), for `shishi rotate_pii_keys`; Contact's phone
        # is a PhoneField, found by itself.
        from shishi.core.pii_rotation import register_column

        register_column(
            "notify.Delivery", "address_encrypted", purpose=_delivery_purpose, needs=("channel",)
        )
        register_column("notify.RobotHook", "url_encrypted", purpose="robot")
        register_column("notify.RobotHook", "secret_encrypted", purpose="robot")
