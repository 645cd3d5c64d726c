from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "shishi.appointments"
    label = "appointments"
    verbose_name = "预约服务（上门服务、健康证）"
