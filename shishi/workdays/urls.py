"""URLs of the workdays app (mounted at /workdays/)."""

from django.urls import URLPattern, URLResolver, path

from shishi.workdays import views

app_name = "workdays"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("<str:code>/", views.years, name="years"),
    path("<str:code>/local/", views.local, name="local"),
    path("<str:code>/local/remove/", views.remove_local, name="remove_local"),
    path("<str:code>/<int:year>/", views.year, name="year"),
    path("<str:code>/<int:year>/remove/", views.remove_day, name="remove_day"),
    path("<str:code>/<int:year>/clear/", views.clear_year, name="clear"),
    path("<str:code>/<int:year>/import/", views.import_year, name="import_year"),
]
