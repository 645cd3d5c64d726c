from django.apps import AppConfig


class EducationConfig(AppConfig):
    name = "shishi.education"
    label = "education"
    verbose_name = "党史学习教育（学习活动、红色地标、宣传）"

    def ready(self) -> None:
        # The board panel of the 十百千万 campaign, and the compiled reports' data statistics:
        # the study figures and the publicity figures (through the lower apps' registries);
        # importing study_services registers the inbox kind study.returned for the workers.
        from shishi.board.panels import register_panel
        from shishi.education import publicity_figures, study_figures, study_services  # noqa: F401
        from shishi.reports.extras import register_report_part

        register_panel("education.campaign", study_figures.board_panel, with_page=True)
        register_report_part("education.study", study_figures.report_part)
        register_report_part("education.publicity", publicity_figures.report_part)
