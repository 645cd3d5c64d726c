"""Pages of the appointment services for staff (``/appointments/``): operators' booking,
staff's visits, the office's catalogue, clinics' health examinations and certificates."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

app_name = "appointments"

urlpatterns: list[URLPattern | URLResolver] = []

# certs
from shishi.appointments import certificate_views  # noqa: E402

urlpatterns += [
    path("exams/", certificate_views.exams, name="exams"),
    path("exams/<int:pk>/", certificate_views.exam, name="exam"),
    path("exams/<int:pk>/photo/", certificate_views.exam_photo, name="exam_photo"),
    path("certificates/", certificate_views.certificates_list, name="certificates"),
    path("certificates/export/", certificate_views.certificates_export, name="certificates_export"),
    path("certificates/<int:pk>/", certificate_views.certificate, name="certificate"),
    path(
        "certificates/<int:pk>/print/",
        certificate_views.certificate_print,
        name="certificate_print",
    ),
]
