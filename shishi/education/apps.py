from django.apps import AppConfig


class EducationConfig(AppConfig):
    name = "shishi.education"
    label = "education"
    verbose_name = "党史学习教育（学习活动、红色地标、宣传）"
