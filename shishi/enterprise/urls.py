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
