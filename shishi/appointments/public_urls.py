"""Public pages of the appointment services, without login: a resident's own booking
(``/public/appointments/``) and health-certificate verification (``/public/certificates/``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from shishi.appointments import booking_public_views, certificate_public_views

app_name = "appointments_public"

urlpatterns: list[URLPattern | URLResolver] = [
    # booking
    path("appointments/lookup/", booking_public_views.lookup, name="lookup"),
    path(
        "appointments/<str:district>/<slug:service>/",
        booking_public_views.book,
        name="book",
    ),
    # certs
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
