"""Pages of the appointment services for staff (``/appointments/``): operators' booking,
staff's visits, the office's catalogue, clinics' health examinations and certificates."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from shishi.appointments import booking_views

app_name = "appointments"

urlpatterns: list[URLPattern | URLResolver] = []

# booking
urlpatterns += [
    path("book/", booking_views.book, name="book"),
    path("bookings/", booking_views.bookings, name="bookings"),
    path("bookings/<int:pk>/", booking_views.booking_page, name="booking"),
]
