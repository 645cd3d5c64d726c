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

# office
from shishi.demands import office_views  # noqa: E402

urlpatterns += [
    path("office/hotline/", hotline_views.hotline_import, name="hotline_import"),
    path("office/hotline/export.xlsx", hotline_views.hotline_export, name="hotline_export"),
    path("office/hotline/<slug:token>/", hotline_views.hotline_preview, name="hotline_preview"),
    path(
        "office/hotline/<slug:token>/confirm/",
        hotline_views.hotline_confirm,
        name="hotline_confirm",
    ),
    path("office/open311-keys/", office_views.open311_keys, name="open311_keys"),
    path(
        "office/open311-keys/<int:pk>/deactivate/",
        office_views.open311_key_deactivate,
        name="open311_key_deactivate",
    ),
    path("office/texts/", office_views.texts_view, name="texts"),
    path("office/texts/<int:pk>/resend/", office_views.text_resend, name="text_resend"),
]
