from django.apps import AppConfig


class EnterpriseConfig(AppConfig):
    name = "shishi.enterprise"
    label = "enterprise"
    verbose_name = "惠企服务（政策、企业、诉求）"
