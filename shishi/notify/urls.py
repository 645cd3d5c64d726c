"""URLs of the notify app."""

from django.urls import URLPattern, URLResolver, path

from shishi.notify import callback_views, views

app_name = "notify"
urlpatterns: list[URLPattern | URLResolver] = [
    path("sms/reports/", callback_views.sms_reports, name="sms_reports"),
    path("", views.inbox, name="inbox"),
    path("bell/", views.bell, name="bell"),
    path("messages/<int:pk>/open/", views.open_message, name="open"),
    path("messages/<int:pk>/read/", views.read, name="read"),
    path("messages/read-all/", views.read_all, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
    path("log/", views.delivery_log, name="log"),
    path("log/<int:pk>/resend/", views.resend, name="resend"),
    path("log/<int:pk>/fail/", views.mark_failed, name="mark_failed"),
    path("robots/", views.hooks, name="hooks"),
    path("robots/<int:pk>/", views.hook_edit, name="hook_edit"),
    path("robots/<int:pk>/test/", views.hook_test, name="hook_test"),
]
