"""SMS to the people the appointment services serve (a booking confirmed or changed, the
reminder the day before, a health certificate expiring): through the residents' texts of
``demands.texts`` — the same gateway contract, the same delivery records (shown on the
office's texts page), sent by the worker after the transaction commits. A landline gets no
SMS: the booking page tells the operator to call. No number is ever logged."""

from __future__ import annotations

from shishi.demands import texts as resident_texts
from shishi.demands.models import ResidentText

# purpose → the provider's pre-approved template (the whole text is its parameter ``text``).
TEMPLATES = {
    "booking": "SMS_BOOKING",
    "booking_change": "SMS_BOOKING_CHANGE",
    "booking_remind": "SMS_BOOKING_REMIND",
    "cert_issued": "SMS_CERT_ISSUED",
    "cert_expiry": "SMS_CERT_EXPIRY",
}
for _purpose, _template in TEMPLATES.items():
    resident_texts.register_template(_purpose, _template)


def send(*, jurisdiction_id: int, phone: str, purpose: str, text: str) -> ResidentText | None:
    """Queue ``text`` to the mobile ``phone`` (nothing for an empty number); ``purpose`` is
    one of ``TEMPLATES``."""
    if not phone:
        return None
    if purpose not in TEMPLATES:
        raise ValueError(f"unknown purpose {purpose!r}")
    return resident_texts.queue_text(
        jurisdiction_id=jurisdiction_id, phone=phone, purpose=purpose, text=text
    )
