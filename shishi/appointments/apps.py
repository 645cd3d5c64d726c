from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "shishi.appointments"
    label = "appointments"
    verbose_name = "预约服务（上门服务、健康证）"

    def ready(self) -> None:
        # certs: the workers certified on the battle board and in compiled reports
        # (``certificate_figures``), through the lower apps' registries.
        from shishi.appointments import certificate_figures
        from shishi.board.panels import register_panel
        from shishi.reports.extras import register_report_part

        register_panel("appointments.certificates", certificate_figures.board_panel, with_page=True)
        register_report_part("appointments.certificates", certificate_figures.report_part)
