from django.apps import AppConfig


class DemandsConfig(AppConfig):
    name = "shishi.demands"
    label = "demands"
    verbose_name = "群众诉求（接诉即办）"

    def ready(self) -> None:
        # What demands add to the lower apps' pages, through their registries: the demands an
        # item answers on its page, the district's three rates on the battle board and in
        # compiled reports (``demands.panels``).
        from shishi.board.panels import register_panel
        from shishi.demands import panels
        from shishi.demands.clusters import item_panel
        from shishi.ledger.item_panels import register_item_panel
        from shishi.reports.extras import register_report_part

        register_item_panel("demands.answered", item_panel)
        register_panel("demands.rates", panels.board_panel, with_page=True)
        register_report_part("demands", panels.report_part)

        # office: 12345 sheets kept between the import's preview and its confirmation are
        # removed once imported; one left unconfirmed is an orphan after the grace period.
        from shishi.core.uploads import register_derived_files
        from shishi.demands.hotline_uploads import PREFIX

        register_derived_files(PREFIX, lambda names: ())
