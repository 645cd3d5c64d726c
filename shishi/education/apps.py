from django.apps import AppConfig


class EducationConfig(AppConfig):
    name = "shishi.education"
    label = "education"
    verbose_name = "党史学习教育（学习活动、红色地标、宣传）"

    def ready(self) -> None:
        # Part D — party organisations and publicity: the publicity figures in the compiled
        # reports' data statistics (``publicity_figures``), through the reports' registry.
        from shishi.education import publicity_figures
        from shishi.reports.extras import register_report_part

        register_report_part("education.publicity", publicity_figures.report_part)
