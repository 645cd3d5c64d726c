from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "shishi.supervision"
    label = "supervision"
    verbose_name = "巡回指导与督办"

    def ready(self) -> None:
        # What supervision shows on the item page, the battle board and compiled reports
        # (``supervision.panels``), through the lower apps' registries.
        from shishi.board.panels import register_panel
        from shishi.ledger.item_panels import register_item_panel
        from shishi.reports.extras import register_report_part
        from shishi.supervision import panels

        register_item_panel("supervision.item", panels.item_panel)
        register_panel("supervision.board", panels.board_panel, with_page=True)
        register_report_part("supervision", panels.report_part)
