"""Public pages of enterprise services, without login (``/public/``): the published policies,
a push's read-receipt link, the enterprise's service-request form and its tracking."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

app_name = "enterprise_public"

urlpatterns: list[URLPattern | URLResolver] = []

# h18-push: a pushed policy's read-receipt link
from shishi.enterprise import push_views  # noqa: E402

urlpatterns += [
    path("policy-read/<str:token>/", push_views.policy_read, name="policy_read"),
]
