from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo's top: ``seed_demo`` loads every app's demo data in order (each app keeps its
    own seeds, e.g. ``ledger/demo/seed.py``); it sits above all apps so none depends on it."""

    name = "shishi.demo"
    label = "demo"
    verbose_name = "演示数据"
