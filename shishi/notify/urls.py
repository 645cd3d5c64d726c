"""URLs of the notify app."""

from django.urls import URLPattern, URLResolver, path

from shishi.notify import callback_views

app_name = "notify"
urlpatterns: list[URLPattern | URLResolver] = [
    path("sms/reports/", callback_views.sms_reports, name="sms_reports"),
]
