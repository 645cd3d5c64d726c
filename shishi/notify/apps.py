from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "shishi.notify"
    label = "notify"
    verbose_name = "消息通知"

    def ready(self) -> None:
        from shishi.notify import jobs  # noqa: F401  (registers the scheduled jobs)
