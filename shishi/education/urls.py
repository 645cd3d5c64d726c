"""Pages of party-history study, red landmarks and publicity for staff (``/education/``).
Each part keeps its own block below."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from shishi.education import landmark_views, views

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
