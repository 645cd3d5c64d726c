"""SMS to a service request's contact — received (its number and where to track it) and
closed (the outcome) — through the residents' texts of ``demands.texts``, as the appointment
services send theirs: the same gateway contract, the same delivery records (the office's
texts page), sent by the worker after the transaction commits. No number is ever logged."""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from shishi.demands import texts as resident_texts
from shishi.demands.models import ResidentText
from shishi.enterprise.models import ServiceRequest

# purpose → the provider's pre-approved template (the whole text is its parameter ``text``).
TEMPLATES = {
    "ent_request": "SMS_ENT_REQUEST",
    "ent_request_done": "SMS_ENT_REQUEST_DONE",
}
for _purpose, _template in TEMPLATES.items():
    resident_texts.register_template(_purpose, _template)


def tracking_link() -> str:
    try:
        path = reverse("enterprise_public:request_track")
    except NoReverseMatch:  # pragma: no cover - the URL is part of this app
        path = "/public/enterprise-requests/track/"
    return settings.SHISHI_SITE_URL.rstrip("/") + path


def _send(request: ServiceRequest, purpose: str, text: str) -> ResidentText | None:
    if not request.contact_phone:
        return None
    return resident_texts.queue_text(
        jurisdiction_id=request.jurisdiction_id,
        phone=request.contact_phone.reveal(),
        purpose=purpose,
        text=text,
    )


def text_received(request: ServiceRequest) -> ResidentText | None:
    return _send(
        request,
        "ent_request",
        f"您的企业诉求已受理，编号{request.number}，可凭编号和手机尾号在{tracking_link()}查询。",
    )


def text_closed(request: ServiceRequest) -> ResidentText | None:
    return _send(
        request,
        "ent_request_done",
        f"您的企业诉求（编号{request.number}）已办结，结果：{request.get_outcome_display()}。"
        f"详情及评价请见{tracking_link()}",
    )
