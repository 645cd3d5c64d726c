from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "shishi.workdays"
    label = "workdays"
    verbose_name = "工作日历"
