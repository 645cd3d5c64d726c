"""Public pages of the appointment services, without login: a resident's own booking
(``/public/appointments/``) and health-certificate verification (``/public/certificates/``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "appointments_public"

urlpatterns: list[URLPattern | URLResolver] = []
