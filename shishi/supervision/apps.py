from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "shishi.supervision"
    label = "supervision"
    verbose_name = "巡回指导与督办"
