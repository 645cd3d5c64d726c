"""The appointment services' scheduled jobs (run by ``shishi worker``).

The reminders the day before a booking (here) and the health certificates' expiry
reminders (``certificate_tasks``).
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from shishi.appointments import (
    booking,
    certificate_tasks,  # noqa: F401  (registers the expiry job)
)
from shishi.jobs.schedule import scheduled


# booking
@scheduled(
    "appointments.remind_bookings",
    "0 17 * * *",
    description=_("每天17:00短信提醒下一个工作日的预约（每条预约只提醒一次）"),
)
def remind_bookings(slot: datetime) -> None:
    booking.remind_next_day(now=slot)
