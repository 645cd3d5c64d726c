"""Public pages of enterprise services, without login (``/public/``): the published policies,
a push's read-receipt link, the enterprise's service-request form and its tracking."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "enterprise_public"

urlpatterns: list[URLPattern | URLResolver] = []
