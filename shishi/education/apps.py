from django.apps import AppConfig


class EducationConfig(AppConfig):
    name = "shishi.education"
    label = "education"
    verbose_name = "党史学习教育（学习活动、红色地标、宣传）"

    def ready(self) -> None:
        # study (part C): the 十百千万 panel on the battle board and the study part of the
        # compiled reports (``study_figures``), through the lower apps' registries; the
        # inbox kind study.returned (``study_services``) for the workers.
        from shishi.board.panels import register_panel
        from shishi.education import study_figures, study_services  # noqa: F401
        from shishi.reports.extras import register_report_part

        register_panel("education.campaign", study_figures.board_panel, with_page=True)
        register_report_part("education.study", study_figures.report_part)
