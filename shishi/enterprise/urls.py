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

# h18-push: a policy's matches and the push, the push log, 免申即享 payouts, the contact's page
from shishi.enterprise import mine_views, payout_views, push_views  # noqa: E402

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
