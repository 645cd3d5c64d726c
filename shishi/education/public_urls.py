"""Public landmark pages, without login (``/public/``): the open data, a landmark's page
(where its QR code points) and its check-in."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from shishi.education import public_views

app_name = "education_public"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:district>/landmarks.json", public_views.landmarks_json, name="landmarks_json"),
    path("<str:district>/landmarks/<int:pk>/", public_views.landmark, name="landmark"),
    path(
        "<str:district>/landmarks/<int:pk>/check-in",
        public_views.check_in,
        name="check_in",
    ),
    # h19-map: the guide map and a landmark's photos
    path("<str:district>/landmarks/", public_views.landmark_list, name="landmark_list"),
    path(
        "<str:district>/landmarks/<int:pk>/photos/<int:photo_pk>",
        public_views.landmark_photo,
        name="landmark_photo",
    ),
]
