"""Pages of enterprise services for staff (``/enterprise/``): the policy library, the
register, matches and pushes, 免申即享 payouts, stations and service requests. Each part
keeps its own block below."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from shishi.enterprise import (
    mine_views,
    payout_views,
    policy_views,
    push_views,
    register_views,
    request_views,
    station_views,
    views,
)

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

# policies (h18-policies): the policy library
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

# h18-push: a policy's matches and the push, the push log, 免申即享 payouts, the contact's page
urlpatterns += [
    path("policies/<int:pk>/matches/", push_views.policy_matches, name="policy_matches"),
    path("policies/<int:pk>/push/", push_views.policy_push, name="policy_push"),
    path("pushes/", push_views.pushes, name="pushes"),
    path("payouts/", payout_views.payouts, name="payouts"),
    path("payouts/policies/<int:pk>/", payout_views.policy_payouts, name="policy_payouts"),
    path("payouts/policies/<int:pk>/list/", payout_views.list_payouts, name="payouts_list"),
    path("payouts/policies/<int:pk>/export/", payout_views.export, name="payouts_export"),
    path("payouts/<int:pk>/", payout_views.payout, name="payout"),
    path("mine/", mine_views.mine, name="mine"),
]

# <requests> service requests (the queue, intake by staff, one request, the figures) and the
# service stations (docs/enterprise.md, "Service requests").
urlpatterns += [
    path("requests/", request_views.queue, name="requests"),
    path("requests/new/", request_views.new, name="request_new"),
    path("requests/figures/", request_views.figures, name="request_figures"),
    path("requests/<int:pk>/", request_views.request_page, name="request"),
    path("stations/", station_views.stations, name="stations"),
    path("stations/<int:pk>/", station_views.station, name="station"),
]
