"""Public pages of enterprise services, without login (``/public/``): the published policies,
a push's read-receipt link, the enterprise's service-request form and its tracking."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "enterprise_public"

urlpatterns: list[URLPattern | URLResolver] = []

# policies (h18-policies): the published policy library
from django.urls import path  # noqa: E402

from shishi.enterprise import policy_public_views  # noqa: E402

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
from django.urls import path  # noqa: E402

from shishi.enterprise import push_views  # noqa: E402

urlpatterns += [
    path("policy-read/<str:token>/", push_views.policy_read, name="policy_read"),
]
