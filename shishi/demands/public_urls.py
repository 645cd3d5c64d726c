"""The residents' pages, mounted at ``/public/demands/`` (shishi/urls.py)."""

from django.urls import path

from shishi.demands import public_views

app_name = "public_demands"

urlpatterns = [
    path("track/", public_views.track, name="track"),
    path("track/rate/", public_views.rate, name="rate"),
    path("<str:code>/new/", public_views.new, name="new"),
    path("<str:code>/done/", public_views.done, name="done"),
]
