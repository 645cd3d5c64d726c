"""URLs of the notify app."""

from django.urls import URLPattern, URLResolver

app_name = "notify"
urlpatterns: list[URLPattern | URLResolver] = []
