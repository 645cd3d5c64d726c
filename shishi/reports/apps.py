from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "shishi.reports"
    label = "reports"
    verbose_name = "报送与报告"

    def ready(self) -> None:
        from shishi.board.panels import register_panel
        from shishi.reports.indicators import board_panel

        register_panel("reports.indicators", board_panel)
