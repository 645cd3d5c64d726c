from django.apps import AppConfig


class DemandsConfig(AppConfig):
    name = "shishi.demands"
    label = "demands"
    verbose_name = "群众诉求（接诉即办）"

    def ready(self) -> None:
        # The district's three rates on the battle board and in compiled reports
        # (``demands.panels``), through the lower apps' registries.
        from shishi.board.panels import register_panel
        from shishi.demands import panels
        from shishi.reports.extras import register_report_part

        register_panel("demands.rates", panels.board_panel, with_page=True)
        register_report_part("demands", panels.report_part)
