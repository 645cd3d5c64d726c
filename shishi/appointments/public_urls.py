"""Public pages of the appointment services, without login: a resident's own booking
(``/public/appointments/``) and health-certificate verification (``/public/certificates/``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

app_name = "appointments_public"

urlpatterns: list[URLPattern | URLResolver] = []

# certs
from shishi.appointments import certificate_public_views  # noqa: E402

urlpatterns += [
    path(
        "certificates/<slug:number>.json",
        certificate_public_views.certificate_json,
        name="certificate_json",
    ),
    path(
        "certificates/<slug:number>/",
        certificate_public_views.certificate,
        name="certificate",
    ),
]
