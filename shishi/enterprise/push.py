"""Pushing a policy to the enterprises it fits, and the read receipts.

- ``push_policy`` writes one ``Push`` per matched enterprise not pushed before — the
  ``push_once`` constraint keeps an enterprise from getting the same policy twice, also when
  two pushes race (the policy row is locked for the count, and the insert skips conflicts) —
  each with its own random token, and hands the sending to the worker on commit.
- ``send_pushes_task`` (the worker) sends each unsent push to its enterprise's contacts: an
  SMS to each contact's mobile (the residents' texts of ``demands.texts``: the same gateway,
  the same delivery records), an e-mail to each contact's address (the notifications'
  e-mail channel), and an inbox message to each contact with a login (``notify``). The
  message carries the policy's title and the absolute read link
  (``SHISHI_SITE_URL`` + ``/public/policy-read/<token>/``). ``sent_at`` and ``channels``
  say what went out. A push with no contact to reach stays unsent (the log shows it).
- ``push_after_match`` is for after a policy's matches are stored: a published policy in
  force goes to its eligible enterprises not yet pushed, so a changed policy reaches only
  the enterprises it newly fits.
- ``record_read`` stamps ``read_at`` the first time the link is opened (a conditional
  UPDATE: concurrent opens stamp it once).

Phones and addresses are never logged; the log names push ids and counts.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from shishi.core import audit, bulk, pii
from shishi.core.errors import NotFound, PermissionDenied, ValidationFailed
from shishi.demands import texts as resident_texts
from shishi.enterprise import permissions
from shishi.enterprise.matches import in_force
from shishi.enterprise.models import Contact, Match, Policy, Push, Verdict
from shishi.notify.channels.base import Outcome, Outgoing
from shishi.notify.channels.registry import get_channel
from shishi.notify.kinds import Kind, register
from shishi.notify.services import notify

log = logging.getLogger("shishi.enterprise.push")

SMS_PURPOSE = "policy_push"
resident_texts.register_template(SMS_PURPOSE, "SMS_POLICY_PUSH")
# The inbox line for a contact with a login (templates/notify/kinds/policy.push/); SMS and
# e-mail go to the contact's own number and address instead, so none through preferences.
POLICY_PUSH = register(Kind("policy.push", _("惠企政策推送"), chosen_by_people=False))

SEND_BATCH = 500  # pushes a worker sends per transaction
TITLE_CHARS = 30  # the title in an SMS; the link has the rest
PUSHABLE = (Verdict.ELIGIBLE.value, Verdict.POSSIBLE.value)


def read_path(token: str) -> str:
    return reverse("enterprise_public:policy_read", args=[token])


def read_url(token: str) -> str:
    """The absolute read link of a push (the site's address from ``SHISHI_SITE_URL``)."""
    return settings.SHISHI_SITE_URL.rstrip("/") + read_path(token)


def _check_verdicts(verdicts: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(verdicts))
    if not chosen or any(v not in PUSHABLE for v in chosen):
        message = "推送对象只能是符合或可能符合的企业"
        raise ValidationFailed(message, {"verdicts": message})
    return chosen


def _insert_pushes(policy: Policy, verdicts: Sequence[str]) -> int:
    """Pushes for the matched enterprises not pushed before; how many were written (the
    caller holds the policy's row lock; a push that got in first anyway keeps its row)."""
    pushed = Push.objects.filter(policy_id=policy.pk, enterprise_id=OuterRef("enterprise_id"))
    ids = (
        Match.objects.filter(policy_id=policy.pk, verdict__in=verdicts)
        .exclude(Exists(pushed))
        .order_by("enterprise_id")
        .values_list("enterprise_id", flat=True)
    )
    now = timezone.now()
    bulk.upsert_many(
        Push,
        ("policy_id", "enterprise_id", "token", "channels", "created_at", "updated_at"),
        ((policy.pk, pk, secrets.token_urlsafe(32), "", now, now) for pk in ids.iterator()),
        conflict=(),
        update=(),  # ON CONFLICT DO NOTHING: an enterprise pushed meanwhile keeps its push
    )
    # This call's rows carry its own timestamp (to the microsecond).
    return Push.objects.filter(policy_id=policy.pk, created_at=now).count()


def _push(policy: Policy, verdicts: Sequence[str], actor: Any, reason: str) -> int:
    with transaction.atomic():
        locked = Policy.objects.select_for_update().filter(pk=policy.pk).first()
        if locked is None:
            raise NotFound("政策不存在")
        if not in_force(locked, timezone.localdate()):
            message = "只有已发布且在有效期内的政策可以推送"
            raise ValidationFailed(message, {"policy": message})
        made = _insert_pushes(locked, verdicts)
        if made:
            audit.record(
                actor=actor,
                action="enterprise.push",
                target=locked,
                changes={"pushes": [None, made], "verdicts": [None, list(verdicts)]},
                jurisdiction_id=locked.jurisdiction_id,
            )
            policy_id = locked.pk
            transaction.on_commit(lambda: send_pushes_task.enqueue(policy_id))
    log.info("policy %s pushed to %s enterprises (%s)", policy.pk, made, reason)
    return made


def push_policy(
    policy: Policy, *, actor: Any, verdicts: Iterable[str] = (Verdict.ELIGIBLE.value,)
) -> int:
    """Push ``policy`` to its matched enterprises of ``verdicts`` (eligible by default; also
    possible when asked) that have not had it; how many new pushes. The district's office
    only; a policy not published or not in force is refused. Sending follows on commit."""
    if not permissions.is_office(actor, policy.jurisdiction_id):
        raise PermissionDenied("只有本区专班可以推送政策")
    return _push(policy, _check_verdicts(verdicts), actor, "by hand")


def push_after_match(policy: Policy, *, wanted: bool = True) -> int:
    """After ``policy``'s matches were stored: when it is published and in force and a push
    is ``wanted``, push it to its eligible enterprises not yet pushed (a changed policy
    reaches only the enterprises it newly fits). The system acts; how many new pushes."""
    if not wanted or not in_force(policy, timezone.localdate()):
        return 0
    return _push(policy, (Verdict.ELIGIBLE.value,), None, "after matching")


# --- sending (the worker) -------------------------------------------------------------------


def _sms_text(policy: Policy, url: str) -> str:
    title = policy.title
    if len(title) > TITLE_CHARS:
        title = title[:TITLE_CHARS] + "…"
    return f"惠企政策推送：《{title}》可能适用于贵企业，逐条条件和申报指南请见{url}"


def _email(policy: Policy, enterprise_name: str, url: str) -> tuple[str, str]:
    subject = f"惠企政策推送：{policy.title}"[:200]
    lines = [
        f"{enterprise_name}：",
        "",
        f"根据贵企业在本区企业名录中登记的信息，以下政策可能适用于贵企业：{policy.title}",
    ]
    if policy.doc_number:
        lines.append(f"文号：{policy.doc_number}")
    if policy.amount_text:
        lines.append(f"支持标准：{policy.amount_text}")
    lines += ["", f"逐条条件、申报指南和所需材料请见：{url}"]
    if policy.contact:
        lines.append(f"咨询：{policy.contact}")
    return subject, "\n".join(lines)


def _send_email(sender: Any, address: str, key: str, subject: str, body: str) -> bool:
    result = sender.send(
        Outgoing(channel="email", address=address, key=key, subject=subject, text=body)
    )
    return result.outcome in (Outcome.SENT, Outcome.DELIVERED)


def _phone(contact: Contact) -> str:
    if not contact.phone:
        return ""
    try:
        return str(contact.phone.reveal())
    except pii.DecryptionFailed:
        log.warning("contact %s: phone does not decrypt", contact.pk)
        return ""


def _deliver(push: Push, contacts: list[Contact], mailer: Any) -> tuple[list[str], Contact | None]:
    """Send ``push`` to ``contacts``; the channels that went out and the contact named."""
    policy = push.policy
    url = read_url(push.token)
    channels: list[str] = []
    users = []
    subject, body = _email(policy, push.enterprise.name, url)
    for n, contact in enumerate(contacts):
        phone = _phone(contact)
        if phone:
            resident_texts.queue_text(
                jurisdiction_id=policy.jurisdiction_id,
                phone=phone,
                purpose=SMS_PURPOSE,
                text=_sms_text(policy, url),
            )
            channels.append("sms")
        if contact.email and _send_email(
            mailer, contact.email, f"policy-push-{push.pk}-{n}", subject, body
        ):
            channels.append("email")
        if contact.user_id is not None:
            users.append(contact.user)
    if users:
        notify(
            users,
            POLICY_PUSH.name,
            {"title": policy.title, "enterprise": push.enterprise.name},
            link=read_path(push.token),
            dedupe_key=f"policy-push:{push.pk}",
            jurisdiction=policy.jurisdiction_id,
        )
        channels.append("inbox")
    reached = next((c for c in contacts if c.phone or c.email or c.user_id), None)
    return list(dict.fromkeys(channels)), reached


def send_pushes(policy_id: int, *, after: int = 0, limit: int | None = None) -> tuple[int, int]:
    """Send up to ``limit`` unsent pushes of the policy after the push id ``after``; how
    many went out and the last id looked at (0 when none). Each push is claimed by a
    conditional UPDATE first, so two workers never send the same one."""
    ids = list(
        Push.objects.filter(policy_id=policy_id, sent_at__isnull=True, pk__gt=after)
        .order_by("pk")
        .values_list("pk", flat=True)[: limit or SEND_BATCH]
    )
    sent = 0
    mailer = get_channel("email")  # one connection for the batch
    try:
        for pk in ids:
            sent += _send_one(pk, mailer)
    finally:
        mailer.close()
    log.info("policy %s: %s pushes sent of %s", policy_id, sent, len(ids))
    return sent, (ids[-1] if ids else 0)


def _send_one(pk: int, mailer: Any) -> int:
    """Claim and send one push; 1 when something went out."""
    with transaction.atomic():
        now = timezone.now()
        claimed = Push.objects.filter(pk=pk, sent_at__isnull=True).update(
            sent_at=now, updated_at=now
        )
        if not claimed:
            return 0
        push = Push.objects.select_related("policy", "enterprise").get(pk=pk)
        contacts = list(
            Contact.objects.filter(enterprise_id=push.enterprise_id)
            .select_related("user")
            .order_by("-is_primary", "pk")
        )
        channels, reached = _deliver(push, contacts, mailer)
        if not channels:  # nobody to reach: stays unsent, tried again with the next push
            Push.objects.filter(pk=pk).update(sent_at=None, updated_at=now)
            return 0
        Push.objects.filter(pk=pk).update(
            channels=",".join(channels), contact=reached, updated_at=now
        )
        return 1


@task()
def send_pushes_task(policy_id: int, after: int = 0) -> int:
    """Send the policy's unsent pushes, a batch at a time (the next batch a new task)."""
    sent, last = send_pushes(policy_id, after=after)
    if (
        last
        and Push.objects.filter(policy_id=policy_id, sent_at__isnull=True, pk__gt=last).exists()
    ):
        send_pushes_task.enqueue(policy_id, last)
    return sent


# --- the read receipt ---------------------------------------------------------------------------


def record_read(token: str) -> Push:
    """The push of ``token`` with ``read_at`` stamped the first time (``NotFound`` for an
    unknown token)."""
    if not token or len(token) > 43:
        raise NotFound("链接无效")
    now = timezone.now()
    Push.objects.filter(token=token, read_at__isnull=True).update(read_at=now, updated_at=now)
    push = (
        Push.objects.select_related("policy", "enterprise", "enterprise__street")
        .filter(token=token)
        .first()
    )
    if push is None:
        raise NotFound("链接无效或已失效")
    return push
