from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "shishi.board"
    label = "board"
    verbose_name = "挂图作战"
