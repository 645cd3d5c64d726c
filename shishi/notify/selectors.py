"""Reads of the notify app: the bell's count, the inbox, the preferences page, the delivery
log and the robots page, each scoped to the user."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.utils import timezone

from shishi.core import pii
from shishi.core.errors import NotFound
from shishi.notify import permissions
from shishi.notify.kinds import KINDS, Kind, people_kinds
from shishi.notify.models import PERSONAL_CHANNELS, Channel, Contact, Delivery, Message, Preference
from shishi.notify.models import Status as DeliveryStatus
from shishi.orgs.models import Jurisdiction, Unit
from shishi.orgs.permissions import scope_for

BELL_CAP = 100  # the bell counts to 99, then says 99+


def unread_count(user: Any) -> int:
    """The user's unread messages, counted up to ``BELL_CAP`` (one query, on notify_unread)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Message.objects.filter(recipient_id=user.pk, read_at__isnull=True)[:BELL_CAP].count()


def bell_label(count: int) -> str:
    return f"{BELL_CAP - 1}+" if count >= BELL_CAP else str(count)


# --- the inbox --------------------------------------------------------------------------------


@dataclass
class InboxPage:
    page: Page[Message]
    unread: int
    only_unread: bool


def inbox_page(user: Any, *, page: str = "1", only_unread: bool = False) -> InboxPage:
    messages = Message.objects.filter(recipient_id=user.pk)
    if only_unread:
        messages = messages.filter(read_at__isnull=True)
    messages = messages.only("id", "kind", "urgency", "text", "link", "read_at", "created_at")
    paginator = Paginator(messages.order_by("-created_at", "-id"), 20)
    return InboxPage(
        page=paginator.get_page(page), unread=unread_count(user), only_unread=only_unread
    )


# --- preferences -----------------------------------------------------------------------------


@dataclass
class KindChoice:
    kind: Kind
    channels: list[str]


@dataclass
class PreferencesPage:
    contact: Contact | None
    kinds: list[KindChoice]
    email: str
    channels: list[tuple[str, str]] = field(default_factory=list)


def preferences_page(user: Any) -> PreferencesPage:
    contact = Contact.objects.filter(user_id=user.pk).first()
    chosen = dict(Preference.objects.filter(user_id=user.pk).values_list("kind", "channels"))
    kinds = [KindChoice(k, list(chosen.get(k.name, k.channels))) for k in people_kinds()]
    return PreferencesPage(
        contact=contact,
        kinds=kinds,
        email=user.email or "",
        channels=[(c.value, str(c.label)) for c in PERSONAL_CHANNELS],
    )


# --- the delivery log --------------------------------------------------------------------------


@dataclass(frozen=True)
class LogFilters:
    channel: str = ""
    status: str = ""
    kind: str = ""
    since: dt.date | None = None
    until: dt.date | None = None


@dataclass
class LogRow:
    delivery: Delivery
    kind_label: str
    recipient: str
    address: str


@dataclass
class LogPage:
    page: Page[Delivery]
    rows: list[LogRow]
    unknown: list[LogRow]
    full_addresses: bool  # shown in full on this page (an audited "show")
    can_show: bool  # the viewer may ask for them (core.masking: the system administrator)
    channels: list[tuple[str, str]]
    statuses: list[tuple[str, str]]
    kinds: list[tuple[str, str]]


def _log_rows(deliveries: list[Delivery], full: bool) -> list[LogRow]:
    rows = []
    for d in deliveries:
        if d.hook_id and d.hook is not None:
            recipient, address = d.hook.name, d.hook.url_masked
        else:
            recipient = str(d.recipient) if d.recipient is not None else "—"
            address = d.address_masked
            if full and d.address_encrypted:
                purpose = "email" if d.channel == Channel.EMAIL else "phone"
                with contextlib.suppress(pii.DecryptionFailed):
                    address = pii.decrypt(d.address_encrypted, purpose=purpose)
        kind = KINDS.get(d.kind)
        rows.append(LogRow(d, str(kind.label) if kind else d.kind, recipient, address))
    return rows


def log_page(user: Any, filters: LogFilters, *, page: str = "1", show: bool = False) -> LogPage:
    """One page of the delivery log; addresses masked, in full only with ``show`` for who may
    (the caller records that view: ``core.masking.record_shown``)."""
    scope_q = permissions.log_filter(user)
    deliveries = Delivery.objects.filter(scope_q)
    if filters.channel:
        deliveries = deliveries.filter(channel=filters.channel)
    if filters.status:
        deliveries = deliveries.filter(status=filters.status)
    if filters.kind:
        deliveries = deliveries.filter(kind=filters.kind)
    tz = timezone.get_current_timezone()
    if filters.since:
        start = dt.datetime.combine(filters.since, dt.time.min, tzinfo=tz)
        deliveries = deliveries.filter(created_at__gte=start)
    if filters.until:
        end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        deliveries = deliveries.filter(created_at__lt=end)
    related = deliveries.select_related("recipient", "hook").defer(
        "recipient__password", "message_id"
    )
    paginator = Paginator(related.order_by("-created_at", "-id"), 50)
    current = paginator.get_page(page)
    can_show = permissions.sees_full_addresses(user)
    full = show and can_show
    unknown = list(
        Delivery.objects.filter(scope_q, status=DeliveryStatus.UNKNOWN)
        .select_related("recipient", "hook")
        .order_by("-created_at", "-id")[:100]
    )
    return LogPage(
        page=current,
        rows=_log_rows(list(current.object_list), full),
        unknown=_log_rows(unknown, full),
        full_addresses=full,
        can_show=can_show,
        channels=[(c.value, str(c.label)) for c in Channel],
        statuses=[(s.value, str(s.label)) for s in DeliveryStatus],
        kinds=[(k.name, str(k.label)) for k in KINDS.values()],
    )


# --- group robots ------------------------------------------------------------------------------


@dataclass
class HooksPage:
    hooks: list[Any]
    jurisdictions: list[Jurisdiction]
    units: list[Unit]


def hooks_page(user: Any) -> HooksPage:
    """The robots the user manages, and where they may add one."""
    hooks = list(
        permissions.visible_hooks(user)
        .select_related("jurisdiction", "unit")
        .order_by("jurisdiction__code", "unit__name", "name")
    )
    scope = scope_for(user)
    if scope.is_superuser:
        jurisdictions = list(Jurisdiction.objects.order_by("code"))
        units = list(
            Unit.objects.select_related("jurisdiction").order_by("jurisdiction__code", "name")
        )
    else:
        offices = scope.office_covered_ids()
        jurisdictions = list(Jurisdiction.objects.filter(pk__in=offices).order_by("code"))
        units = list(
            Unit.objects.filter(Q(jurisdiction_id__in=offices) | Q(pk__in=scope.editor_unit_ids))
            .select_related("jurisdiction")
            .order_by("jurisdiction__code", "name")
        )
    return HooksPage(hooks=hooks, jurisdictions=jurisdictions, units=units)


def hook_target(page: HooksPage, value: str) -> tuple[Jurisdiction, Unit | None]:
    """``j:<id>`` (a district) or ``u:<id>`` (a unit) among those ``page`` (the user's
    ``hooks_page``) lets them add robots to."""
    prefix, _, raw = (value or "").partition(":")
    if prefix == "j":
        for j in page.jurisdictions:
            if str(j.pk) == raw:
                return j, None
    elif prefix == "u":
        for u in page.units:
            if str(u.pk) == raw:
                return u.jurisdiction, u
    raise NotFound("请选择本辖区或本单位")
