"""Enterprise service requests (企业诉求): every write, by every channel (docs/enterprise.md,
"Service requests").

**Intake.** On the public form (``take_in_public``: the view has proven the phone with an SMS
code) or by the office or a station's staff (``take_in_by_staff``). The enterprise is found
in the district's register by its USCC (``core.uscc``, checksum checked): one in the register
keeps its register data (the name typed is not written over it); one that is not is added
with the name and USCC given. A station's staff take in only for the enterprises their
station serves. Each request gets a number ``QY`` + 8 characters (unique; characters read
alike left out) and an SMS to the contact with it.

**Handling.** The office or the station's staff assign the owner unit and the time limit in
working days (``SHISHI_ENTERPRISE_REQUEST_DAYS`` per kind by default): ``due_on`` is that
many working days after the day of assignment, counted on the district's working-day
calendar (``workdays.calendar``); assigning again (another unit, another limit) counts from
that day. The owner unit's people (and the office, and the station's staff) record their
contacts with the enterprise; the owner unit (or the office) closes the request with an
outcome — solved, partly solved, or not solvable, which needs the reason — and the contact
gets an SMS. The enterprise rates a closed request once (1–5 and a note) from the public
tracking page. Overdue: past ``due_on`` and not closed.

Every step is a ``RequestEvent`` and an audit event (the phone masked), in one transaction
with the change; every edit carries the ``version`` the form was loaded with and a stale one
is refused (``StaleEdit``), never written over.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from shishi.core import audit, uscc
from shishi.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.fields import PersonalNumber
from shishi.core.inputs import has_control
from shishi.enterprise import permissions, request_permissions, request_texts
from shishi.enterprise.models import (
    Enterprise,
    RequestEvent,
    RequestKind,
    RequestOutcome,
    RequestStatus,
    ServiceRequest,
    Station,
)
from shishi.orgs.models import Unit
from shishi.workdays import calendar

# Numbers: QY + 8 characters without the ones read alike (0/O, 1/I/L, 5/S, 2/Z, 8/B, U/V).
NUMBER_PREFIX = "QY"
NUMBER_ALPHABET = "34679ACDEFGHJKMNPQRTWXY"
NUMBER_LENGTH = 8
DESCRIPTION_MAX = 2000
NOTE_MAX = 2000
MAX_LIMIT_DAYS = 60


class Channel:
    PUBLIC = "public"
    STATION = "station"
    OFFICE = "office"
    LABELS = {PUBLIC: "网上提交", STATION: "益企工作站代办", OFFICE: "专班录入"}


class Action:
    """``RequestEvent.action`` values, with the words the pages show."""

    RECEIVED = "received"
    ASSIGNED = "assigned"
    CONTACT = "contacted"
    CLOSED = "closed"
    RATED = "rated"
    LABELS = {
        RECEIVED: "受理",
        ASSIGNED: "交办",
        CONTACT: "对接企业",
        CLOSED: "办结",
        RATED: "企业评价",
    }


@dataclass
class RequestInput:
    """What a request needs. ``uscc`` names the enterprise; ``enterprise_name`` is used only
    for an enterprise not yet in the register. ``station_id``: the station taking it in."""

    kind: str
    description: str
    contact_name: str
    contact_phone: str
    uscc: str
    enterprise_name: str = ""
    station_id: int | None = None


def refuse(name: str, message: str) -> None:
    raise ValidationFailed(message, {name: message})


def default_days(kind: str) -> int:
    """The time limit in working days a request of ``kind`` gets unless told otherwise."""
    days: dict[str, int] = getattr(settings, "SHISHI_ENTERPRISE_REQUEST_DAYS", {})
    return int(days.get(kind, 10))


def is_overdue(request: ServiceRequest, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        request.status != RequestStatus.CLOSED
        and request.due_on is not None
        and request.due_on < today
    )


def closed_on_time(request: ServiceRequest) -> bool | None:
    """Whether a closed request was closed by its due date (None: not closed or no date)."""
    if request.closed_at is None or request.due_on is None:
        return None
    return timezone.localdate(request.closed_at) <= request.due_on


# --- intake ----------------------------------------------------------------------------------


def _text(errors: dict[str, str], name: str, value: str, limit: int, *, label: str) -> str:
    text = (value or "").strip()
    if not text:
        errors[name] = f"请填写{label}"
    elif len(text) > limit:
        errors[name] = f"{label}最多{limit}个字"
    elif has_control(text):
        errors[name] = f"{label}含有无法识别的字符"
    return text


def _line(errors: dict[str, str], name: str, value: str, limit: int, *, label: str) -> str:
    text = _text(errors, name, value, limit, label=label)
    if name not in errors and ("\n" in text or "\r" in text):
        errors[name] = f"{label}含有无法识别的字符"
    return text


@dataclass(frozen=True)
class _Checked:
    kind: str
    description: str
    contact_name: str
    phone: PersonalNumber
    uscc: str
    enterprise_name: str


def _check(data: RequestInput, *, name_needed: bool) -> _Checked:
    errors: dict[str, str] = {}
    if data.kind not in RequestKind.values:
        errors["kind"] = "请选择诉求类别"
    description = _text(errors, "description", data.description, DESCRIPTION_MAX, label="诉求内容")
    contact_name = _line(errors, "contact_name", data.contact_name, 50, label="联系人")
    phone: PersonalNumber | None = None
    try:
        phone = PersonalNumber.of("phone", data.contact_phone or "")
    except ValueError as exc:
        errors["contact_phone"] = str(exc)
    code = ""
    try:
        code = uscc.normalize_uscc(data.uscc)
    except ValueError as exc:
        errors["uscc"] = str(exc)
    name = (data.enterprise_name or "").strip()
    if name or name_needed:
        name = _line(errors, "enterprise_name", name, 200, label="企业名称")
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    assert phone is not None
    return _Checked(data.kind, description, contact_name, phone, code, name)


def _new_number() -> str:
    return NUMBER_PREFIX + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_LENGTH))


def _enterprise(jurisdiction_id: int, checked: _Checked, *, actor: Any) -> Enterprise:
    """The register's enterprise with this USCC, or one added with the name given."""
    found = Enterprise.objects.filter(jurisdiction_id=jurisdiction_id, uscc=checked.uscc).first()
    if found is not None:
        return found
    if not checked.enterprise_name:
        refuse("enterprise_name", "这家企业不在本区企业名录中，请填写企业名称")
    try:
        with transaction.atomic():
            added = Enterprise.objects.create(
                jurisdiction_id=jurisdiction_id, uscc=checked.uscc, name=checked.enterprise_name
            )
    except IntegrityError:  # added by another request at the same moment
        return Enterprise.objects.get(jurisdiction_id=jurisdiction_id, uscc=checked.uscc)
    audit.record(
        actor=actor,
        action="enterprise.add_from_request",
        target=added,
        changes={"uscc": [None, added.uscc], "name": [None, added.name]},
        jurisdiction_id=jurisdiction_id,
    )
    return added


def _create(
    jurisdiction_id: int,
    enterprise: Enterprise,
    checked: _Checked,
    *,
    channel: str,
    station: Station | None,
    actor: Any,
    now: dt.datetime,
) -> ServiceRequest:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                made = ServiceRequest.objects.create(
                    jurisdiction_id=jurisdiction_id,
                    number=_new_number(),
                    enterprise=enterprise,
                    station=station,
                    kind=checked.kind,
                    description=checked.description,
                    channel=channel,
                    contact_name=checked.contact_name,
                    contact_phone=checked.phone.reveal(),
                    limit_days=default_days(checked.kind),
                )
            break
        except IntegrityError:  # the number was taken: another one
            continue
    else:
        raise ValidationFailed("诉求编号生成失败，请重试")
    _event(made, Action.RECEIVED, Channel.LABELS[channel], actor, now)
    audit.record(
        actor=actor,
        action="enterprise.request_take_in",
        target=made,
        changes={
            "enterprise": [None, enterprise.uscc],
            "kind": [None, made.kind],
            "channel": [None, channel],
            "station": [None, station.pk if station else None],
            "contact_name": [None, made.contact_name],
            "contact_phone": [None, checked.phone.masked],
        },
        jurisdiction_id=jurisdiction_id,
    )
    request_texts.text_received(made)
    return made


def take_in_public(
    jurisdiction_id: int, data: RequestInput, *, now: dt.datetime | None = None
) -> ServiceRequest:
    """A request from the public form (the contact's phone proven by a code in the view).
    ``ValidationFailed`` names the field: ``kind``, ``description``, ``contact_name``,
    ``contact_phone``, ``uscc``, ``enterprise_name``."""
    now = now or timezone.now()
    checked = _check(data, name_needed=False)
    with transaction.atomic():
        enterprise = _enterprise(jurisdiction_id, checked, actor=None)
        return _create(
            jurisdiction_id,
            enterprise,
            checked,
            channel=Channel.PUBLIC,
            station=None,
            actor=None,
            now=now,
        )


def take_in_by_staff(
    jurisdiction_id: int, data: RequestInput, *, actor: Any, now: dt.datetime | None = None
) -> ServiceRequest:
    """A request entered by a station's staff (channel ``station``: the station must serve
    the enterprise, already in the register) or by the office (channel ``office``: any
    enterprise of the district, added when new; a station given must serve it)."""
    if not request_permissions.may_take_in(actor, jurisdiction_id):
        raise PermissionDenied("只有本区专班和益企工作站工作人员可以录入企业诉求")
    office = permissions.is_office(actor, jurisdiction_id)
    now = now or timezone.now()
    checked = _check(data, name_needed=False)
    station: Station | None = None
    if data.station_id is not None:
        station = Station.objects.filter(
            pk=data.station_id, jurisdiction_id=jurisdiction_id, is_active=True
        ).first()
        if station is None or (
            not office and station.pk not in permissions.staffed_station_ids(actor)
        ):
            refuse("station", "请选择您所在的益企工作站")
    elif not office:
        refuse("station", "请选择受理的益企工作站")
    with transaction.atomic():
        if office:
            enterprise = _enterprise(jurisdiction_id, checked, actor=actor)
        else:
            found = Enterprise.objects.filter(
                jurisdiction_id=jurisdiction_id, uscc=checked.uscc
            ).first()
            if found is None:
                refuse("uscc", "这家企业不在本区企业名录中，请联系专班先录入企业")
            assert found is not None
            enterprise = found
        assert station is not None or office
        if station is not None and not station.enterprises.filter(pk=enterprise.pk).exists():
            refuse("uscc", f"这家企业不是“{station.name}”服务的企业")
        return _create(
            jurisdiction_id,
            enterprise,
            checked,
            channel=Channel.OFFICE if office and station is None else Channel.STATION,
            station=station,
            actor=actor,
            now=now,
        )


# --- handling --------------------------------------------------------------------------------


def _event(request: ServiceRequest, action: str, note: str, actor: Any, now: dt.datetime) -> None:
    RequestEvent.objects.create(
        request=request,
        action=action,
        note=note,
        actor=actor if getattr(actor, "pk", None) else None,
        at=now,
    )


def _lock(
    request: ServiceRequest,
    expected_version: int | None,
    allowed: Callable[[ServiceRequest], bool] | None = None,
    denied: str = "",
) -> ServiceRequest:
    """The request's row, locked and as it is now: the permission is judged on it (another
    unit's request after a reassignment is refused), then the version."""
    locked = ServiceRequest.objects.select_for_update().filter(pk=request.pk).first()
    if locked is None:
        raise NotFound("没有这条企业诉求")
    if allowed is not None and not allowed(locked):
        raise PermissionDenied(denied)
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit("这条企业诉求已被他人处理，请刷新后再操作")
    return locked


def _save(locked: ServiceRequest, **changes: Any) -> None:
    changes["version"] = F("version") + 1
    changes["updated_at"] = timezone.now()
    ServiceRequest.objects.filter(pk=locked.pk).update(**changes)
    locked.refresh_from_db()


def _not_closed(locked: ServiceRequest) -> None:
    if locked.status == RequestStatus.CLOSED:
        refuse("status", "这条企业诉求已办结，不能再处理")


def assign(
    request: ServiceRequest,
    *,
    unit_id: int | None,
    limit_days: int | None,
    actor: Any,
    expected_version: int | None,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> ServiceRequest:
    """Give the request to ``unit_id`` (a unit of its district) with ``limit_days`` working
    days (None: the kind's default); ``due_on`` counted from ``today``."""
    denied = "只有本区专班和受理的益企工作站可以交办企业诉求"
    if not request_permissions.may_assign(actor, request):
        raise PermissionDenied(denied)
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    errors: dict[str, str] = {}
    unit = (
        Unit.objects.filter(pk=unit_id, jurisdiction_id=request.jurisdiction_id).first()
        if unit_id is not None
        else None
    )
    if unit is None:
        errors["owner_unit"] = "请选择本区的承办单位"
    days = default_days(request.kind) if limit_days is None else limit_days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_LIMIT_DAYS:
        errors["limit_days"] = f"办理时限应为1到{MAX_LIMIT_DAYS}个工作日"
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    assert unit is not None
    due = calendar.add_working_days(today, days, jurisdiction=request.jurisdiction_id)
    with transaction.atomic():
        locked = _lock(
            request, expected_version, lambda r: request_permissions.may_assign(actor, r), denied
        )
        _not_closed(locked)
        old: dict[str, Any] = {
            "owner_unit": locked.owner_unit_id,
            "limit_days": locked.limit_days,
            "due_on": locked.due_on,
            "status": locked.status,
        }
        _save(
            locked,
            owner_unit_id=unit.pk,
            limit_days=days,
            due_on=due,
            status=RequestStatus.HANDLING,
        )
        _event(
            locked, Action.ASSIGNED, f"{unit.name}，{days}个工作日，{due:%Y-%m-%d}前", actor, now
        )
        audit.record(
            actor=actor,
            action="enterprise.request_assign",
            target=locked,
            changes=audit.diff(
                old,
                {
                    "owner_unit": unit.pk,
                    "limit_days": days,
                    "due_on": due,
                    "status": RequestStatus.HANDLING,
                },
            ),
            jurisdiction_id=locked.jurisdiction_id,
        )
    return locked


def record_contact(
    request: ServiceRequest,
    *,
    note: str,
    actor: Any,
    expected_version: int | None,
    now: dt.datetime | None = None,
) -> ServiceRequest:
    """A contact with the enterprise (a call, a visit, a meeting), with what was said."""
    denied = "只有承办单位、本区专班和受理的益企工作站可以记录对接情况"
    errors: dict[str, str] = {}
    text = _text(errors, "note", note, NOTE_MAX, label="对接情况")
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(
            request,
            expected_version,
            lambda r: request_permissions.may_record_contact(actor, r),
            denied,
        )
        _not_closed(locked)
        if locked.status != RequestStatus.HANDLING:
            refuse("status", "请先交办承办单位，再记录对接情况")
        _save(locked)
        _event(locked, Action.CONTACT, text, actor, now)
        audit.record(
            actor=actor,
            action="enterprise.request_contact",
            target=locked,
            changes={"contact": [None, text[:200]]},
            jurisdiction_id=locked.jurisdiction_id,
        )
    return locked


def close(
    request: ServiceRequest,
    *,
    outcome: str,
    text: str,
    actor: Any,
    expected_version: int | None,
    now: dt.datetime | None = None,
) -> ServiceRequest:
    """Close with an outcome; "not solvable" needs the reason in ``text``. The contact gets
    an SMS."""
    denied = "只有承办单位和本区专班可以办结企业诉求"
    errors: dict[str, str] = {}
    if outcome not in RequestOutcome.values:
        errors["outcome"] = "请选择办理结果"
    said = (text or "").strip()
    if outcome == RequestOutcome.UNSOLVABLE and not said:
        errors["outcome_text"] = "无法解决的，请写明原因"
    elif len(said) > NOTE_MAX:
        errors["outcome_text"] = f"办理情况最多{NOTE_MAX}个字"
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(
            request, expected_version, lambda r: request_permissions.may_close(actor, r), denied
        )
        _not_closed(locked)
        if locked.status != RequestStatus.HANDLING:
            refuse("status", "请先交办承办单位，再办结")
        _save(
            locked,
            status=RequestStatus.CLOSED,
            outcome=outcome,
            outcome_text=said,
            closed_at=now,
        )
        label = RequestOutcome(outcome).label
        _event(locked, Action.CLOSED, f"{label}：{said}" if said else str(label), actor, now)
        audit.record(
            actor=actor,
            action="enterprise.request_close",
            target=locked,
            changes={
                "status": [RequestStatus.HANDLING, RequestStatus.CLOSED],
                "outcome": [None, outcome],
                "outcome_text": [None, said[:200]],
            },
            jurisdiction_id=locked.jurisdiction_id,
        )
        request_texts.text_closed(locked)
    return locked


def rate(
    request: ServiceRequest, *, rating: int, note: str = "", now: dt.datetime | None = None
) -> ServiceRequest:
    """The enterprise's rating of a closed request (1–5 and a note), once; from the public
    tracking page (the view has matched the number with the phone's last four digits)."""
    errors: dict[str, str] = {}
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errors["rating"] = "请选择1到5分的评价"
    said = (note or "").strip()
    if len(said) > 300:
        errors["rating_note"] = "评价说明最多300个字"
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(request, None)
        if locked.status != RequestStatus.CLOSED:
            refuse("rating", "诉求办结后才能评价")
        if locked.rating is not None:
            refuse("rating", "这条诉求已经评价过了")
        _save(locked, rating=rating, rating_note=said, rated_at=now)
        _event(locked, Action.RATED, f"{rating}分" + (f"：{said}" if said else ""), None, now)
        audit.record(
            actor=None,
            action="enterprise.request_rate",
            target=locked,
            changes={"rating": [None, rating], "rating_note": [None, said]},
            jurisdiction_id=locked.jurisdiction_id,
        )
    return locked


def reveal_phone(request: ServiceRequest, *, actor: Any) -> str:
    """The contact's full phone for whoever works on the request; each view an audit event
    (``pii.show``: who, which request, which field — never the number)."""
    if not request_permissions.may_show_phone(actor, request):
        raise PermissionDenied("无权查看完整号码")
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="pii.show",
            target=request,
            changes={"field": "contact_phone", "viewer": "enterprise.request"},
            jurisdiction_id=request.jurisdiction_id,
        )
    return request.contact_phone.reveal()


# --- the public tracking page ----------------------------------------------------------------


def normalise_number(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "").upper()[:20]


def find_for_contact(raw_number: str, tail: str) -> ServiceRequest | None:
    """The request with this number whose contact phone ends in the four digits ``tail``;
    None otherwise, whichever part was wrong."""
    number = normalise_number(raw_number)
    tail = (tail or "").strip()
    if not number or not re.fullmatch(r"\d{4}", tail):
        return None
    found = (
        ServiceRequest.objects.select_related("enterprise", "owner_unit", "station")
        .filter(number=number)
        .first()
    )
    if found is None:
        return None
    try:
        plain = found.contact_phone.reveal()
    except Exception:  # a key gone: nobody can prove the number
        return None
    if hmac.compare_digest(plain[-4:].encode(), tail.encode()):
        return found
    return None
