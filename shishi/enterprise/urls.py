"""Pages of enterprise services for staff (``/enterprise/``): the policy library, the
register, matches and pushes, 免申即享 payouts, stations and service requests. Each part
keeps its own block below."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from shishi.enterprise import register_views, views

app_name = "enterprise"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    # h18-register: the enterprise register, its pages and its import wizard
    path("register/", register_views.register, name="register"),
    path("register/new/", register_views.enterprise_new, name="enterprise_new"),
    path("register/import/", register_views.register_import, name="register_import"),
    path(
        "register/import/<int:batch_id>/",
        register_views.register_import_preview,
        name="register_import_preview",
    ),
    path(
        "register/import/<int:batch_id>/confirm/",
        register_views.register_import_confirm,
        name="register_import_confirm",
    ),
    path("register/<str:district>/<str:uscc>/", register_views.enterprise, name="enterprise"),
    path(
        "register/<str:district>/<str:uscc>/edit/",
        register_views.enterprise_edit,
        name="enterprise_edit",
    ),
    path(
        "register/<str:district>/<str:uscc>/contacts/new/",
        register_views.contact_edit,
        name="contact_new",
    ),
    path(
        "register/<str:district>/<str:uscc>/contacts/<int:contact_id>/",
        register_views.contact_edit,
        name="contact_edit",
    ),
    path(
        "register/<str:district>/<str:uscc>/contacts/<int:contact_id>/remove/",
        register_views.contact_remove,
        name="contact_remove",
    ),
]
