from django.apps import AppConfig


class DemandsConfig(AppConfig):
    name = "shishi.demands"
    label = "demands"
    verbose_name = "群众诉求（接诉即办）"
