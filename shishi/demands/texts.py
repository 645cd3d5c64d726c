"""SMS to a resident's own number: the web form's code, the demand taken in (its tracking
code), the demand resolved (the reply in short, with the tracking link).

A resident has no user and no notification settings, so these do not go through
``notify()``'s inbox; they go through the same SMS channel (``notify``'s gateway contract,
``SHISHI_NOTIFY_CHANNELS["sms"]``) and each leaves a ``ResidentText`` row: the delivery
record, with the number encrypted and its status, the gateway's message id or the reason it
failed. A code is sent at once (the resident waits for it; its text is not kept); the other
texts are queued on commit and sent by the worker (``send_resident_text``). A landline gets
no SMS. Logs name the record's id and outcome, never a number or a code.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from shishi.core import audit
from shishi.core.errors import ValidationFailed
from shishi.core.fields import PersonalNumber, personal_number
from shishi.demands import permissions
from shishi.demands.models import Demand, ResidentText
from shishi.notify.channels.base import Outcome, Outgoing
from shishi.notify.channels.registry import get_channel

log = logging.getLogger(__name__)

# The provider's pre-approved templates (docs/demands.md, "Intake"); the apps above add
# theirs with ``register_template`` (a text not about a demand sends its whole text as the
# template's one parameter ``text``).
TEMPLATES = {
    "code": "SMS_DEMAND_CODE",
    "taken_in": "SMS_DEMAND_TAKEN_IN",
    "resolved": "SMS_DEMAND_RESOLVED",
}


def register_template(purpose: str, template_id: str) -> None:
    """Name the provider's template for texts of ``purpose`` (at most 16 characters)."""
    if len(purpose) > 16:
        raise ValueError("purpose too long")
    TEMPLATES[purpose] = template_id


REPLY_CHARS = 40  # the reply in short; the tracking page has it all
MAX_ATTEMPTS = 3


def tracking_link() -> str:
    return settings.SHISHI_SITE_URL.rstrip("/") + reverse("public_demands:track")


def _send(row: ResidentText, params: dict[str, str], text: str) -> ResidentText:
    """One send through the SMS channel; the outcome stored on ``row``."""
    number = personal_number("phone", row.phone)
    sender = get_channel("sms")
    try:
        result = sender.send(
            Outgoing(
                channel="sms",
                address=number.reveal(),
                key=f"resident-text:{row.pk}:{row.attempts + 1}",
                text=text,
                template_id=TEMPLATES[row.purpose],
                params=params,
            )
        )
    finally:
        sender.close()
    row.attempts += 1
    if result.outcome in (Outcome.SENT, Outcome.DELIVERED):
        row.status, row.provider_id, row.sent_at = "sent", result.provider_id, timezone.now()
        row.error = ""
    elif result.outcome == Outcome.TEMPORARY and row.attempts < MAX_ATTEMPTS:
        row.status, row.error = "queued", result.error[:300]
    elif result.outcome == Outcome.UNKNOWN:
        row.status, row.error = "unknown", result.error[:300]
    else:
        row.status, row.error = "failed", result.error[:300]
    row.save(update_fields=["status", "provider_id", "sent_at", "error", "attempts"])
    log.info("resident text %s (%s): %s", row.pk, row.purpose, row.status)
    return row


def send_code(
    number: PersonalNumber, code: str, *, jurisdiction_id: int | None = None
) -> ResidentText:
    """Send the form's verification code now (its text is kept without the code), for the
    district whose form asked for it."""
    row = ResidentText.objects.create(
        purpose="code",
        phone=number.reveal(),
        text="验证码短信（内容不留存）",
        jurisdiction_id=jurisdiction_id,
    )
    text = f"您的验证码是{code}，{10}分钟内有效。请勿告诉他人。"
    return _send(row, {"code": code, "minutes": "10"}, text)


def _params(row: ResidentText) -> dict[str, str]:
    demand = row.demand
    if demand is None:  # a text queued by another app (``queue_text``)
        return {"text": row.text}
    params = {"number": demand.number, "link": tracking_link()}
    if row.purpose == "resolved":
        reply = demand.reply.strip().replace("\n", " ")
        params["reply"] = reply[:REPLY_CHARS] + ("…" if len(reply) > REPLY_CHARS else "")
    return params


def _text(purpose: str, params: dict[str, str]) -> str:
    if purpose == "taken_in":
        return (
            f"您的诉求已受理，查询码{params['number']}，"
            f"可凭查询码和手机尾号在{params['link']}查询。"
        )
    return (
        f"您的诉求（查询码{params['number']}）已答复：{params['reply']}"
        f"详情及评价请见{params['link']}"
    )


def _queue(demand: Demand, purpose: str) -> ResidentText | None:
    if not demand.phone:  # a landline or no number: the call-back is by phone
        return None
    row = ResidentText(
        demand=demand, jurisdiction_id=demand.jurisdiction_id, purpose=purpose, phone=demand.phone
    )
    row.text = _text(purpose, _params(row))
    row.save()
    row_id = row.pk
    transaction.on_commit(lambda: send_resident_text.enqueue(row_id))
    return row


def queue_text(*, jurisdiction_id: int, phone: str, purpose: str, text: str) -> ResidentText:
    """Queue a text that is not about a demand (a booking confirmed, a reminder, a
    certificate expiring) to a mobile, sent by the worker once the transaction commits;
    ``purpose`` must have a template (``register_template``)."""
    if purpose not in TEMPLATES:
        raise ValueError(f"no SMS template for {purpose!r}")
    row = ResidentText.objects.create(
        jurisdiction_id=jurisdiction_id, purpose=purpose, phone=phone, text=text
    )
    row_id = row.pk
    transaction.on_commit(lambda: send_resident_text.enqueue(row_id))
    return row


def text_taken_in(demand: Demand) -> ResidentText | None:
    """Queue the SMS telling the resident the demand was taken in, with its tracking code."""
    return _queue(demand, "taken_in")


def text_resolved(demand: Demand) -> ResidentText | None:
    """Queue the SMS with the reply in short and the tracking link."""
    return _queue(demand, "resolved")


def resend_text(row: ResidentText, *, actor: Any) -> ResidentText:
    """Queue a failed text again (an operator or the office of its district): the same
    record, sent by the worker as a new attempt. A code cannot be sent again: its text is not
    kept (the resident asks for a new one)."""
    demand = row.demand
    if row.purpose == "code" or (demand is None and row.jurisdiction_id is None):
        raise ValidationFailed("验证码短信不保存内容，不能重发；请群众重新获取验证码")
    jurisdiction_id = demand.jurisdiction_id if demand is not None else row.jurisdiction_id
    assert jurisdiction_id is not None
    permissions.require_operator(actor, jurisdiction_id)
    with transaction.atomic():
        locked = ResidentText.objects.select_for_update().get(pk=row.pk)
        if locked.status != "failed":
            raise ValidationFailed("只有发送失败的短信可以重发")
        ResidentText.objects.filter(pk=row.pk).update(status="queued", error="")
        locked.status, locked.error = "queued", ""
        audit.record(
            actor=actor,
            action="demands.resend_text",
            target=demand if demand is not None else locked,
            changes={
                "text": [None, f"{locked.pk}:{locked.purpose}"],
                "status": ["failed", "queued"],
            },
            jurisdiction_id=jurisdiction_id,
        )
        row_id = locked.pk
        transaction.on_commit(lambda: send_resident_text.enqueue(row_id))
    log.info("resident text %s queued again", row_id)
    return locked


@task()
def send_resident_text(text_id: int) -> str:
    """Send one queued resident text (the worker); its status after."""
    row = ResidentText.objects.select_related("demand").filter(pk=text_id).first()
    if row is None or row.status != "queued":
        return row.status if row else "gone"
    row = _send(row, _params(row), row.text)
    if row.status == "queued":  # temporary: once more, later
        send_resident_text.using(run_after=timezone.now() + _later(row.attempts)).enqueue(text_id)
    return row.status


def _later(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=60 * 2**attempts)
