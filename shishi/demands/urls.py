from django.urls import path

from shishi.demands import hotline_views, operator_views, views

app_name = "demands"

urlpatterns = [
    path("<int:pk>/", views.demand, name="demand"),
    # 12345 hotline
    path("hotline/<str:code>/", hotline_views.webhook, name="hotline_webhook"),
    # public intake: the operator's entry
    path("new/", operator_views.operator_new, name="operator_new"),
    # staff
    path("", views.index, name="index"),
    path("<int:pk>/act/<slug:action>/", views.act, name="act"),
    path("<int:pk>/photos/<int:photo_pk>/", views.photo, name="photo"),
    path("categories/", views.categories, name="categories"),
    path("clusters/", views.clusters_view, name="clusters"),
    path("categories/new/", views.category_new, name="category_new"),
    path("categories/<int:pk>/", views.category_edit, name="category_edit"),
]

# rates
from shishi.demands import stats_views  # noqa: E402

urlpatterns += [
    path("stats/", stats_views.stats, name="stats"),
    path("stats/export.xlsx", stats_views.stats_export, name="stats_export"),
]

# dispatch rules by street
from shishi.demands import rule_views  # noqa: E402

urlpatterns += [
    path("categories/<int:pk>/rules/", rule_views.rules, name="category_rules"),
    path(
        "categories/<int:pk>/rules/<int:rule_pk>/delete/",
        rule_views.remove_rule,
        name="category_rule_delete",
    ),
]

# link: a ledger item made from a cluster
urlpatterns += [
    path("clusters/new-item/", views.cluster_new_item, name="cluster_new_item"),
]
