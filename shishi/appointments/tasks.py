"""The appointment services' background work, found by ``jobs.schedule`` (it imports every
app's ``tasks``): the health certificates' expiry reminders (``certificate_tasks``)."""

from shishi.appointments import certificate_tasks  # noqa: F401  (registers its job)
