"""Pages of party-history study, red landmarks and publicity for staff (``/education/``).
Each part keeps its own block below."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from shishi.education import views

app_name = "education"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
]

# Part D — party organisations and publicity
from shishi.education import party_views, publicity_views  # noqa: E402

urlpatterns += [
    path("orgs/", party_views.orgs, name="orgs"),
    path("orgs/new/", party_views.org_new, name="org_new"),
    path("orgs/<int:pk>/edit/", party_views.org_edit, name="org_edit"),
    path("orgs/<int:pk>/remove/", party_views.org_remove, name="org_remove"),
    path("orgs/export/", party_views.orgs_export, name="orgs_export"),
    path("orgs/import/", party_views.orgs_import, name="orgs_import"),
    path("orgs/import/<int:pk>/", party_views.orgs_import_preview, name="orgs_import_preview"),
    path(
        "orgs/import/<int:pk>/confirm/",
        party_views.orgs_import_confirm,
        name="orgs_import_confirm",
    ),
    path("orgs/import/<int:pk>/cancel/", party_views.orgs_import_cancel, name="orgs_import_cancel"),
    path("publicity/", publicity_views.publicity, name="publicity"),
    path("publicity/channels/", publicity_views.channels, name="publicity_channels"),
    path("publicity/channels/new/", publicity_views.channel_new, name="publicity_channel_new"),
    path(
        "publicity/channels/<int:pk>/",
        publicity_views.channel_edit,
        name="publicity_channel_edit",
    ),
    path(
        "publicity/channels/<int:pk>/remove/",
        publicity_views.channel_remove,
        name="publicity_channel_remove",
    ),
    path(
        "publicity/channels/<int:pk>/columns/new/",
        publicity_views.column_new,
        name="publicity_column_new",
    ),
    path("publicity/columns/<int:pk>/", publicity_views.column_edit, name="publicity_column_edit"),
    path(
        "publicity/columns/<int:pk>/remove/",
        publicity_views.column_remove,
        name="publicity_column_remove",
    ),
    path("publicity/posts/", publicity_views.posts, name="publicity_posts"),
    path("publicity/posts/new/", publicity_views.post_new, name="publicity_post_new"),
    path("publicity/posts/<int:pk>/", publicity_views.post_edit, name="publicity_post_edit"),
    path(
        "publicity/posts/<int:pk>/remove/",
        publicity_views.post_remove,
        name="publicity_post_remove",
    ),
    path("publicity/posts/export/", publicity_views.posts_export, name="publicity_posts_export"),
    path("publicity/posts/import/", publicity_views.posts_import, name="publicity_posts_import"),
    path(
        "publicity/posts/import/<int:pk>/",
        publicity_views.posts_import_preview,
        name="publicity_posts_import_preview",
    ),
    path(
        "publicity/posts/import/<int:pk>/confirm/",
        publicity_views.posts_import_confirm,
        name="publicity_posts_import_confirm",
    ),
    path(
        "publicity/posts/import/<int:pk>/cancel/",
        publicity_views.posts_import_cancel,
        name="publicity_posts_import_cancel",
    ),
    path("publicity/media/", publicity_views.media, name="publicity_media"),
    path("publicity/media/new/", publicity_views.media_new, name="publicity_media_new"),
    path("publicity/media/<int:pk>/", publicity_views.media_edit, name="publicity_media_edit"),
    path(
        "publicity/media/<int:pk>/remove/",
        publicity_views.media_remove,
        name="publicity_media_remove",
    ),
    path("publicity/media/export/", publicity_views.media_export, name="publicity_media_export"),
    path("publicity/media/import/", publicity_views.media_import, name="publicity_media_import"),
    path(
        "publicity/media/import/<int:pk>/",
        publicity_views.media_import_preview,
        name="publicity_media_import_preview",
    ),
    path(
        "publicity/media/import/<int:pk>/confirm/",
        publicity_views.media_import_confirm,
        name="publicity_media_import_confirm",
    ),
    path(
        "publicity/media/import/<int:pk>/cancel/",
        publicity_views.media_import_cancel,
        name="publicity_media_import_cancel",
    ),
]
