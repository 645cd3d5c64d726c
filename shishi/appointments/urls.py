"""Pages of the appointment services for staff (``/appointments/``): operators' booking,
staff's visits, the office's catalogue, clinics' health examinations and certificates."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "appointments"

urlpatterns: list[URLPattern | URLResolver] = []
