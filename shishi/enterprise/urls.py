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

# policies (h18-policies): the policy library
from shishi.enterprise import policy_views  # noqa: E402

urlpatterns += [
    path("policies/", policy_views.policies, name="policies"),
    path("policies/new/", policy_views.policy_new, name="policy_new"),
    path("policies/export/", policy_views.policy_export, name="policy_export"),
    path("policies/import/", policy_views.policy_import, name="policy_import"),
    path(
        "policies/import/<int:pk>/",
        policy_views.policy_import_preview,
        name="policy_import_preview",
    ),
    path(
        "policies/import/<int:pk>/confirm/",
        policy_views.policy_import_confirm,
        name="policy_import_confirm",
    ),
    path(
        "policies/import/<int:pk>/cancel/",
        policy_views.policy_import_cancel,
        name="policy_import_cancel",
    ),
    path("policies/<int:pk>/", policy_views.policy, name="policy"),
    path("policies/<int:pk>/edit/", policy_views.policy_edit, name="policy_edit"),
    path("policies/<int:pk>/publish/", policy_views.policy_publish, name="policy_publish"),
    path("policies/<int:pk>/unpublish/", policy_views.policy_unpublish, name="policy_unpublish"),
    path("policies/<int:pk>/expire/", policy_views.policy_expire, name="policy_expire"),
    path("policies/<int:pk>/source/", policy_views.policy_source, name="policy_source"),
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
