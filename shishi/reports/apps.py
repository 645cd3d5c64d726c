from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "shishi.reports"
    label = "reports"
    verbose_name = "报送与报告"
