from django.apps import AppConfig


class EnterpriseConfig(AppConfig):
    name = "shishi.enterprise"
    label = "enterprise"
    verbose_name = "惠企服务（政策、企业、诉求）"

    def ready(self) -> None:
        # Service requests' figures in the compiled reports' data statistics
        # (``request_figures``), through the reports' registry.
        from shishi.enterprise import request_figures
        from shishi.reports.extras import register_report_part

        register_report_part("enterprise.requests", request_figures.report_part)
