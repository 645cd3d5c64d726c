"""Pages of the appointment services for staff (``/appointments/``): operators' booking,
staff's visits, the office's catalogue, clinics' health examinations and certificates."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from shishi.appointments import (
    booking_views,
    catalogue_views,
    certificate_views,
    views,
    visit_views,
)

app_name = "appointments"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
]

# booking
urlpatterns += [
    path("book/", booking_views.book, name="book"),
    path("bookings/", booking_views.bookings, name="bookings"),
    path("bookings/<int:pk>/", booking_views.booking_page, name="booking"),
]

# visits
urlpatterns += [
    path("mine/", visit_views.mine, name="mine"),
    path("visits/<int:pk>/", visit_views.visit, name="visit"),
    path("visits/<int:pk>/photos/<int:photo>/", visit_views.visit_photo, name="visit_photo"),
    path("services/", catalogue_views.services, name="services"),
    path("services/<int:pk>/", catalogue_views.service, name="service"),
    path("matters/", catalogue_views.matters, name="matters"),
]

# certs
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
