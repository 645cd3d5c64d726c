"""URLs of the jobs app."""

from django.urls import URLPattern, URLResolver, path

from shishi.jobs import views

app_name = "jobs"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.office, name="office"),
]
