"""Pages of party-history study, red landmarks and publicity for staff (``/education/``).
Each part keeps its own block below."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from shishi.education import landmark_views, party_views, publicity_views, study_views, views

app_name = "education"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
]

# landmarks (office): landmarks, photos, posters, import/export, routes, words, counts
L = landmark_views
urlpatterns += [
    path("landmarks/", L.landmarks, name="landmarks"),
    path("landmarks/new/", L.landmark_new, name="landmark_new"),
    path("landmarks/order", L.landmark_order, name="landmark_order"),
    path("landmarks/<int:pk>/", L.landmark_edit, name="landmark_edit"),
    path("landmarks/<int:pk>/open", L.landmark_open, name="landmark_open"),
    path("landmarks/<int:pk>/photos", L.landmark_photo_add, name="landmark_photo_add"),
    path("landmarks/<int:pk>/poster/", L.landmark_poster, name="landmark_poster"),
    path("landmarks/posters/", L.landmark_posters, name="landmark_posters"),
    path("landmarks/photos/<int:pk>", L.landmark_photo, name="landmark_photo"),
    path(
        "landmarks/photos/<int:pk>/caption",
        L.landmark_photo_caption,
        name="landmark_photo_caption",
    ),
    path("landmarks/photos/<int:pk>/delete", L.landmark_photo_delete, name="landmark_photo_delete"),
    path("landmarks/template.xlsx", L.landmark_template, name="landmark_template"),
    path("landmarks/export.xlsx", L.landmark_export, name="landmark_export"),
    path("landmarks/import/", L.landmark_import, name="landmark_import"),
    path("landmarks/import/<int:pk>/", L.landmark_import_preview, name="landmark_import_preview"),
    path(
        "landmarks/import/<int:pk>/confirm",
        L.landmark_import_confirm,
        name="landmark_import_confirm",
    ),
    path(
        "landmarks/import/<int:pk>/cancel", L.landmark_import_cancel, name="landmark_import_cancel"
    ),
    path("landmarks/routes/", L.routes, name="routes"),
    path("landmarks/routes/new/", L.route_new, name="route_new"),
    path("landmarks/routes/<int:pk>/", L.route_edit, name="route_edit"),
    path("landmarks/routes/<int:pk>/active", L.route_active, name="route_active"),
    path("landmarks/sensitive-words/", L.sensitive_words, name="sensitive_words"),
    path(
        "landmarks/sensitive-words/remove",
        L.sensitive_words_remove,
        name="sensitive_words_remove",
    ),
    path("landmarks/counts/", L.landmark_counts, name="landmark_counts"),
    path("landmarks/counts.csv", L.landmark_counts_csv, name="landmark_counts_csv"),
]

# Part D — party organisations and publicity
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

# study (part C): study activities (五学) and the 十百千万 campaign
urlpatterns += [
    path("study/", study_views.study_list, name="study_list"),
    path("study/mine/", study_views.study_mine, name="study_mine"),
    path("study/new/", study_views.study_new, name="study_new"),
    path("study/review/", study_views.study_review, name="study_review"),
    path("study/review/approve", study_views.study_approve_many, name="study_approve_many"),
    path("study/export.<str:fmt>", study_views.study_export, name="study_export"),
    path("study/<int:pk>/", study_views.study_activity, name="study_activity"),
    path("study/<int:pk>/edit/", study_views.study_edit, name="study_edit"),
    path("study/<int:pk>/approve", study_views.study_approve, name="study_approve"),
    path("study/<int:pk>/return", study_views.study_return, name="study_return"),
    path("study/photos/<int:pk>", study_views.study_photo, name="study_photo"),
    path("campaign/", study_views.campaign_page, name="campaign"),
    path("campaign/target", study_views.campaign_target, name="campaign_target"),
    path("campaign/activities/", study_views.campaign_activities, name="campaign_activities"),
]
