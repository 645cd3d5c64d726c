"""Pages of enterprise services for staff (``/enterprise/``): the policy library, the
register, matches and pushes, 免申即享 payouts, stations and service requests. Each part
keeps its own block below."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from shishi.enterprise import views

app_name = "enterprise"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
]

# <requests> service requests (the queue, intake by staff, one request, the figures) and the
# service stations (docs/enterprise.md, "Service requests").
from shishi.enterprise import request_views, station_views  # noqa: E402

urlpatterns += [
    path("requests/", request_views.queue, name="requests"),
    path("requests/new/", request_views.new, name="request_new"),
    path("requests/figures/", request_views.figures, name="request_figures"),
    path("requests/<int:pk>/", request_views.request_page, name="request"),
    path("stations/", station_views.stations, name="stations"),
    path("stations/<int:pk>/", station_views.station, name="station"),
]
