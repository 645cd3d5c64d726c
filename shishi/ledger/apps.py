from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "shishi.ledger"
    label = "ledger"
    verbose_name = "台账"
