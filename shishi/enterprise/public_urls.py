"""Public pages of enterprise services, without login (``/public/``): the published policies,
a push's read-receipt link, the enterprise's service-request form and its tracking."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from shishi.enterprise import policy_public_views, push_views, request_public_views

app_name = "enterprise_public"

urlpatterns: list[URLPattern | URLResolver] = []

# policies (h18-policies): the published policy library
urlpatterns += [
    path("policies/<str:district>/", policy_public_views.policies, name="policies"),
    path("policies/<str:district>/<int:pk>/", policy_public_views.policy, name="policy"),
    path(
        "policies/<str:district>/<int:pk>/source/",
        policy_public_views.policy_source,
        name="policy_source",
    ),
]

# h18-push: a pushed policy's read-receipt link
urlpatterns += [
    path("policy-read/<str:token>/", push_views.policy_read, name="policy_read"),
]

# <requests> the service-request form with its SMS code, the page after it, the tracking page
# and the rating (docs/enterprise.md, "Service requests").
urlpatterns += [
    path(
        "enterprise-requests/track/",
        request_public_views.track,
        name="request_track",
    ),
    path(
        "enterprise-requests/track/rate/",
        request_public_views.rate,
        name="request_rate",
    ),
    path(
        "enterprise-requests/<str:district>/new/",
        request_public_views.new,
        name="request_new",
    ),
    path(
        "enterprise-requests/<str:district>/done/",
        request_public_views.done,
        name="request_done",
    ),
]
