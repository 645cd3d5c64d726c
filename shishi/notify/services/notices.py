"""``notify()``: one notice to many recipients, written in bulk and handed to the worker.

Recipients may be users, units, districts (``Jurisdiction``) and robot hooks, mixed:

- a **user** gets an inbox message, plus e-mail and SMS as their preferences for the kind
  say (the kind's defaults when they chose nothing), where they have an address;
- a **unit** means its unit editors (as users), and its active group robots when the kind
  posts to groups (``Kind.to_robots``);
- a **district** means its programme office (as users), and the district's own robots
  (hooks without a unit) when the kind posts to groups;
- a **robot hook** always gets the message (if active).

A user reached twice (directly and through a unit) gets one message.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from shishi.core import bulk, pii
from shishi.notify import conf
from shishi.notify.kinds import Kind, get_kind, render
from shishi.notify.models import (
    PERSONAL_CHANNELS,
    Channel,
    Contact,
    Delivery,
    Message,
    Preference,
    RobotHook,
    Status,
    Urgency,
)
from shishi.orgs import selectors as org_selectors
from shishi.orgs.models import Jurisdiction, Unit, User

CHUNK = 5000  # ids per IN (…) list
MESSAGE_FIELDS = (
    "notice",
    "jurisdiction_id",
    "kind",
    "urgency",
    "context",
    "link",
    "dedupe_key",
    "created_at",
    "recipient_id",
    "hook_id",
    "language",
    "text",
)
HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Notice:
    """What one ``notify()`` call wrote (messages already there under its key not counted)."""

    token: str
    messages: int
    deliveries: int
    due_ids: list[int]  # deliveries handed to the worker at commit

    @property
    def due(self) -> int:
        return len(self.due_ids)


def _chunks(ids: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _split(recipients: Iterable[Any]) -> tuple[set[int], set[int], set[int], set[int]]:
    users: set[int] = set()
    units: set[int] = set()
    districts: set[int] = set()
    hooks: set[int] = set()
    for r in recipients:
        if isinstance(r, User):
            users.add(r.pk)
        elif isinstance(r, Unit):
            units.add(r.pk)
        elif isinstance(r, Jurisdiction):
            districts.add(r.pk)
        elif isinstance(r, RobotHook):
            hooks.add(r.pk)
        else:
            raise TypeError(f"cannot notify a {type(r).__name__}")
    return users, units, districts, hooks


def _hooks(kind: Kind, units: set[int], districts: set[int], hooks: set[int]) -> list[RobotHook]:
    query = Q(pk__in=hooks) if hooks else Q(pk__in=[])
    if kind.to_robots and units:
        query |= Q(unit_id__in=units)
    if kind.to_robots and districts:
        query |= Q(jurisdiction_id__in=districts, unit__isnull=True)
    return list(RobotHook.objects.filter(query, active=True).only("id", "kind", "jurisdiction_id"))


def _jurisdiction_of(
    explicit: Jurisdiction | int | None, units: set[int], districts: set[int], hooks: list[Any]
) -> int | None:
    if explicit is not None:
        return explicit.pk if isinstance(explicit, Jurisdiction) else int(explicit)
    found = set(districts) | {h.jurisdiction_id for h in hooks}
    if units:
        found |= org_selectors.unit_jurisdiction_ids(units)
    return found.pop() if len(found) == 1 else None


def in_quiet_hours(
    now: dt.datetime, start: dt.time | None, end: dt.time | None
) -> dt.datetime | None:
    """When the quiet hours around ``now`` end (local time), or None outside them."""
    if start is None or end is None or start == end:
        return None
    local = timezone.localtime(now)
    t = local.time()
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if ends <= local:
        ends += dt.timedelta(days=1)
    return ends


def _recent_counts(
    channels: Collection[str], user_ids: Sequence[int], since: dt.datetime
) -> dict[str, dict[int, int]]:
    """Per channel, each user's deliveries since ``since`` (one query per chunk of users)."""
    counts: dict[str, dict[int, int]] = {channel: {} for channel in channels}
    for chunk in _chunks(user_ids):
        rows = (
            Delivery.objects.filter(
                recipient_id__in=chunk, channel__in=counts, created_at__gte=since
            )
            .values("channel", "recipient_id")
            .annotate(n=Count("id"))
            .values_list("channel", "recipient_id", "n")
        )
        for channel, user_id, n in rows:
            counts[channel][user_id] = n
    return counts


def _json_for(model: type[Any], field: str, value: Any) -> Any:
    """A JSON value as the database takes it, prepared once for every row."""
    return model._meta.get_field(field).get_db_prep_save(value, connection)


def _clean_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """The context as JSON keeps it (dates and decimals as text)."""
    data: dict[str, Any] = json.loads(json.dumps(dict(context), cls=DjangoJSONEncoder))
    return data


def notify(
    recipients: Iterable[Any],
    kind: str,
    context: Mapping[str, Any],
    *,
    urgency: str | None = None,
    dedupe_key: str | None = None,
    link: str = "",
    jurisdiction: Jurisdiction | int | None = None,
) -> Notice:
    """Tell ``recipients`` about something: inbox messages and deliveries, written in bulk.

    ``urgency``: "normal" or "urgent" (None: the kind's default). Urgent messages ignore
    quiet hours and skip the e-mail digest. ``dedupe_key``: a recipient that already has a
    message under this key gets nothing new (a unique constraint, so two concurrent calls
    write one message). ``link``: the path of the thing (the inbox links to it; e-mail, SMS
    and robots get the absolute address). ``jurisdiction``: whose delivery log shows it
    (default: the one district or unit named among the recipients).

    Runs in the caller's transaction (or its own); the deliveries due now are handed to the
    worker in batches when it commits. Returns what was written.
    """
    spec = get_kind(kind)
    if urgency is not None and urgency not in Urgency.values:
        raise ValueError(f"urgency must be one of {Urgency.values}")
    urgent = urgency == Urgency.URGENT if urgency is not None else spec.urgent
    key = (dedupe_key or "")[:200]
    data = _clean_context(context)
    link = (link or "")[:500]
    user_ids, unit_ids, district_ids, hook_ids = _split(recipients)
    user_ids |= org_selectors.unit_editor_ids(unit_ids)
    user_ids |= org_selectors.office_user_ids(district_ids)
    hooks = _hooks(spec, unit_ids, district_ids, hook_ids)
    jurisdiction_id = _jurisdiction_of(jurisdiction, unit_ids, district_ids, hooks)
    now = timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        users = _users(sorted(user_ids))
        contacts = _contacts([u[0] for u in users])
        default_language = settings.LANGUAGE_CODE
        texts: dict[str, str] = {}

        def inbox_text(language: str) -> str:
            if language not in texts:
                texts[language] = render(kind, "inbox.txt", data, language=language, link=link)
            return texts[language]

        urgency_value = Urgency.URGENT if urgent else Urgency.NORMAL
        context_json = _json_for(Message, "context", data)
        common = (token, jurisdiction_id, kind, urgency_value, context_json, link, key, now)
        rows: list[tuple[Any, ...]] = [
            (*common, user_id, None, language, inbox_text(language))
            for user_id, language in (
                (user_id, contacts.get(user_id, {}).get("language") or default_language)
                for user_id, _email in users
            )
        ]
        rows += [(*common, None, hook.pk, default_language, "") for hook in hooks]
        if key:  # the same key again: the constraint keeps the first, concurrent calls too
            bulk.upsert_many(
                Message, MESSAGE_FIELDS, rows, conflict=(), update=(), ready=("context",)
            )
        else:
            bulk.insert_many(Message, MESSAGE_FIELDS, rows, ready=("context",))
        written = list(
            Message.objects.filter(notice=token).values_list("id", "recipient_id", "hook_id")
        )
        deliveries = _deliveries(
            spec, urgent, written, users, contacts, hooks, jurisdiction_id, now
        )
        ids = bulk.reserve_ids(Delivery, len(deliveries))
        bulk.insert_many(
            Delivery,
            ("id", *DELIVERY_FIELDS),
            ((pk, *row) for pk, row in zip(ids, deliveries, strict=True)),
        )
        due_ids = [
            pk
            for pk, row in zip(ids, deliveries, strict=True)
            if row[STATUS] == Status.QUEUED and row[HANDED] is not None
        ]
        if due_ids:
            transaction.on_commit(lambda: hand_over(due_ids))
    return Notice(token=token, messages=len(written), deliveries=len(deliveries), due_ids=due_ids)


def _users(ids: Sequence[int]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for chunk in _chunks(ids):
        out += org_selectors.active_emails(chunk)
    return out


def _contacts(ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    fields = ("user_id", "phone_encrypted", "phone_masked", "quiet_start", "quiet_end")
    for chunk in _chunks(ids):
        for row in Contact.objects.filter(user_id__in=chunk).values(
            *fields, "email_digest", "language"
        ):
            out[row["user_id"]] = row
    return out


def _preferences(kind: str, ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for chunk in _chunks(ids):
        out.update(
            Preference.objects.filter(kind=kind, user_id__in=chunk).values_list(
                "user_id", "channels"
            )
        )
    return out


DELIVERY_FIELDS = (
    "message_id",
    "recipient_id",
    "hook_id",
    "jurisdiction_id",
    "kind",
    "urgent",
    "channel",
    "address_encrypted",
    "address_masked",
    "status",
    "next_attempt_at",
    "handed_at",
    "key",
    "created_at",
)
STATUS = DELIVERY_FIELDS.index("status")
HANDED = DELIVERY_FIELDS.index("handed_at")


def _deliveries(
    spec: Kind,
    urgent: bool,
    written: Sequence[tuple[int, int | None, int | None]],
    users: list[tuple[int, str]],
    contacts: dict[int, dict[str, Any]],
    hooks: list[RobotHook],
    jurisdiction_id: int | None,
    now: dt.datetime,
) -> list[tuple[Any, ...]]:
    """The deliveries' rows (``DELIVERY_FIELDS``): channels chosen, addresses encrypted,
    quiet hours, the digest and the rate limit applied."""
    emails = dict(users)
    user_ids = [r for _m, r, _h in written if r is not None]
    preferences = _preferences(spec.name, user_ids)
    limits = conf.rate_limits()
    since = now - HOUR
    recent = _recent_counts(limits, user_ids, since) if user_ids and limits else {}
    hook_kinds = {h.pk: h.kind for h in hooks}
    default_channels = [c for c in spec.channels if c in PERSONAL_CHANNELS]
    out: list[tuple[Any, ...]] = []
    name = spec.name
    for message_id, user_id, hook_id in written:
        if hook_id is not None:
            channel = hook_kinds[hook_id]
            out.append(
                (message_id, None, hook_id, jurisdiction_id, name, urgent, channel, "", "",
                 Status.QUEUED, now, now, f"{message_id}:{channel}", now)
            )  # fmt: skip
            continue
        assert user_id is not None
        chosen = preferences.get(user_id)
        channels = (
            default_channels if chosen is None else [c for c in chosen if c in PERSONAL_CHANNELS]
        )
        contact = contacts.get(user_id, {})
        for channel in channels:
            status: str = Status.QUEUED
            due: dt.datetime | None = now
            if channel == Channel.EMAIL:
                address = emails.get(user_id) or ""
                if not address:
                    continue
                encrypted, masked = pii.encrypt(address, purpose="email"), pii.mask_email(address)
                if contact.get("email_digest") == Contact.Digest.DAILY and not urgent:
                    status, due = Status.DIGEST, None
            else:
                phone = contact.get("phone_encrypted")
                encrypted = phone.token() if phone else ""  # the ciphertext, as stored
                masked = contact.get("phone_masked", "")
                if not encrypted:
                    continue
                if not urgent:
                    ends = in_quiet_hours(now, contact.get("quiet_start"), contact.get("quiet_end"))
                    due = ends or now
            limit = limits.get(channel)
            if limit and due is not None:
                sent = recent[channel].get(user_id, 0)
                if sent >= limit:
                    due = max(due, now + HOUR * (sent // limit))
            handed = now if due is not None and due <= now else None
            out.append(
                (message_id, user_id, None, jurisdiction_id, name, urgent, channel, encrypted,
                 masked, status, due, handed, f"{message_id}:{channel}", now)
            )  # fmt: skip
    return out


def hand_over(delivery_ids: Sequence[int]) -> int:
    """Give these deliveries to the worker, ``SHISHI_NOTIFY_BATCH`` per task; tasks made."""
    from shishi.notify import tasks

    size = conf.batch_size()
    ids = list(delivery_ids)
    n = 0
    for start in range(0, len(ids), size):
        tasks.deliver.enqueue(ids[start : start + size])
        n += 1
    return n
