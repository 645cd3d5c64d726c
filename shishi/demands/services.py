"""Every write of demands: intake, the workflow's steps, extensions and appeals.

Each step checks who may take it (``demands.permissions``) and whether the demand's status
allows it (``demands.workflow``), locks the row, refuses a stale version, writes the
``DemandEvent`` and an audit event, and tells the unit or the office (``notify``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from shishi.core import audit, uploads
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.fields import PersonalNumber
from shishi.demands import permissions, texts, workflow
from shishi.demands.models import (
    Appeal,
    Category,
    Channel,
    Demand,
    DemandEvent,
    DemandPhoto,
    DispatchRule,
    Kind,
    Satisfaction,
    Status,
    Urgency,
)
from shishi.ledger.services.progress import check_uploads, store_upload
from shishi.notify.services import notify
from shishi.orgs.models import Unit

# Tracking codes: no 0/O, 1/I/L — read out over the phone without doubt.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
MAX_PHOTOS = 9
PUBLIC_CHANNELS = (Channel.WEB, Channel.OPEN311)
# Open311 lists its requests publicly: reports and complaints about people never go there.
NOT_OPEN311 = (Kind.REPORT, Kind.COMPLAINT)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def limits_of(category: Category) -> workflow.Limits:
    return workflow.Limits(
        accept_hours_urgent=category.accept_hours_urgent,
        accept_workdays=category.accept_workdays,
        resolve_hours_urgent=category.resolve_hours_urgent,
        resolve_workdays=category.resolve_workdays,
    )


# --- intake ---------------------------------------------------------------------------------


@dataclass
class IntakeInput:
    kind: str
    category_id: int | None
    description: str
    channel: str
    urgency: str = Urgency.NORMAL
    address: str = ""
    lat: Decimal | None = None
    lon: Decimal | None = None
    street_id: int | None = None
    contact_name: str = ""
    phone: str = ""  # a mobile (the web form's is verified by an SMS code first)
    landline: str = ""  # the operator's entry: a caller with no mobile
    hotline_number: str = ""
    photos: Sequence[UploadedFile] = field(default_factory=tuple)


def _check_intake(
    jurisdiction_id: int, data: IntakeInput
) -> tuple[Category | None, dict[str, str]]:
    errors: dict[str, str] = {}
    if data.kind not in Kind.values:
        errors["kind"] = "请选择诉求类型"
    if data.channel not in Channel.values:
        errors["channel"] = "来源不明"
    if data.urgency not in Urgency.values:
        errors["urgency"] = "请选择紧急程度"
    description = (data.description or "").strip()
    if len(description) < 5:
        errors["description"] = "请把诉求写清楚（至少5个字）"
    elif len(description) > 5000:
        errors["description"] = "诉求内容不超过5000字"
    category = (
        Category.objects.filter(
            pk=data.category_id, jurisdiction_id=jurisdiction_id, is_active=True
        ).first()
        if data.category_id
        else None
    )
    if category is None:
        errors["category"] = "请选择诉求分类"
    elif data.channel == Channel.OPEN311 and (not category.open311 or data.kind in NOT_OPEN311):
        errors["category"] = "这类诉求不通过Open311受理"
    for name, value, lo, hi in (("lat", data.lat, -90, 90), ("lon", data.lon, -180, 180)):
        if value is not None and not Decimal(lo) <= value <= Decimal(hi):
            errors[name] = "坐标超出范围"
    if (data.lat is None) != (data.lon is None):
        errors["lat"] = "经纬度须同时填写"
    for name in ("phone", "landline"):
        raw = getattr(data, name)
        if raw:
            try:
                PersonalNumber.of(name, raw)
            except ValueError as exc:
                errors[name] = str(exc)
    if not data.phone and not data.landline and data.kind != Kind.REPORT:
        errors["phone"] = "请留下联系电话，以便答复和回访"
    if (
        data.street_id is not None
        and not Unit.objects.filter(pk=data.street_id, jurisdiction_id=jurisdiction_id).exists()
    ):
        errors["street"] = "街道须是本区的"
    if len(data.photos) > MAX_PHOTOS:
        errors["photos"] = f"照片最多{MAX_PHOTOS}张"
    else:
        errors.update(check_uploads(data.photos, "photos"))
        for f in data.photos:
            if not (f.content_type or "").startswith("image/"):
                errors["photos"] = f"“{uploads.display_name(f.name, 60)}”不是照片"
    return category, errors


def take_in(
    jurisdiction_id: int,
    data: IntakeInput,
    *,
    actor: Any = None,
    now: dt.datetime | None = None,
    trusted: bool = False,
) -> Demand:
    """A demand taken in: by the public (``actor`` None: the web form, Open311), by an
    operator (phone, walk-in, 12345), or by a source already authenticated (``trusted``: the
    12345 hotline's signed webhook). A dispatch rule of its category and street sends it on
    to the rule's unit at once; otherwise a category set to dispatch by itself sends it to
    its lead unit."""
    public = actor is None and not trusted
    if public and data.channel not in PUBLIC_CHANNELS:
        raise PermissionDenied("公众只能通过网上或Open311提交诉求")
    if actor is not None:
        permissions.require_operator(actor, jurisdiction_id)
    category, errors = _check_intake(jurisdiction_id, data)
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    assert category is not None
    now = now or timezone.now()
    with uploads.atomic_with_files():
        demand = Demand(
            jurisdiction_id=jurisdiction_id,
            kind=data.kind,
            category=category,
            urgency=data.urgency,
            channel=data.channel,
            description=data.description.strip(),
            address=data.address.strip()[:300],
            lat=data.lat,
            lon=data.lon,
            street_id=data.street_id,
            contact_name=data.contact_name.strip()[:50],
            phone=data.phone or "",
            landline=data.landline or "",
            hotline_number=data.hotline_number.strip()[:40],
        )
        for _attempt in range(5):
            demand.number = new_code()
            try:
                with transaction.atomic():
                    demand.save()
                break
            except IntegrityError:
                continue
        else:  # pragma: no cover - 31**10 codes
            raise RuntimeError("could not find a free tracking code")
        for f in data.photos:
            photo = DemandPhoto(
                demand=demand,
                name=uploads.display_name(f.name, 200),
                content_type=uploads.media_type(f.content_type, 100) or "",
                size=f.size or 0,
            )
            photo.file.name = store_upload(photo, f, photo.name)
            photo.save()
        _event(demand, "intake", "", Status.RECEIVED, actor=actor, at=now)
        # The audit log records what people and systems with credentials do (an operator,
        # the hotline's signed webhook, an Open311 key: keys.record_intake). A resident's
        # anonymous filing is the demand's first event only: every audit record takes the
        # chain's one lock, and the public form must take hundreds a second.
        if not public:
            audit.record(
                actor=actor,
                action="demands.take_in",
                target=demand,
                changes={"kind": [None, demand.kind], "channel": [None, demand.channel]},
                jurisdiction_id=jurisdiction_id,
            )
        rule = (
            DispatchRule.objects.filter(category=category, street_id=data.street_id)
            .select_related("unit")
            .first()
            if data.street_id
            else None
        )
        if rule is not None:
            _dispatch(demand, rule.unit, actor=None, note="按街道规则自动派单", now=now)
        elif category.auto_dispatch and category.lead_unit is not None:
            _dispatch(demand, category.lead_unit, actor=None, note="自动派单", now=now)
        texts.text_taken_in(demand)
    return demand


# --- the workflow ---------------------------------------------------------------------------


def _event(
    demand: Demand,
    action: str,
    before: str,
    after: str,
    *,
    actor: Any,
    at: dt.datetime,
    note: str = "",
) -> DemandEvent:
    return DemandEvent.objects.create(
        demand=demand,
        action=action,
        from_status=before,
        to_status=after,
        actor=actor,
        unit_id=demand.unit_id,
        note=note,
        at=at,
    )


def _lock(demand: Demand, expected_version: int | None) -> Demand:
    locked = Demand.objects.select_for_update().select_related("category").get(pk=demand.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit("这条诉求已被他人处理，请刷新后再操作")
    return locked


def _move(
    locked: Demand,
    action: str,
    *,
    actor: Any,
    now: dt.datetime,
    note: str = "",
    **changes: Any,
) -> Demand:
    """Apply ``action`` (its status), the changes, the event and the audit record."""
    try:
        after = workflow.next_status(action, locked.status)
    except workflow.NotAllowed as exc:
        raise ValidationFailed(str(exc)) from exc
    before = locked.status
    changes["status"] = after
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.version += 1
    locked.save(update_fields=[*changes, "version", "updated_at"])
    _event(locked, action, before, after, actor=actor, at=now, note=note)
    audit.record(
        actor=actor,
        action=f"demands.{action}",
        target=locked,
        changes={"status": [before, after], "note": [None, note[:200]]},
        jurisdiction_id=locked.jurisdiction_id,
    )
    return locked


def _dispatch(locked: Demand, unit: Unit, *, actor: Any, note: str, now: dt.datetime) -> Demand:
    accept_by = workflow.accept_deadline(
        now, locked.urgency, limits_of(locked.category), jurisdiction=locked.jurisdiction_id
    )
    locked = _move(
        locked,
        "dispatch",
        actor=actor,
        now=now,
        note=note,
        unit=unit,
        dispatched_at=now,
        accept_by=accept_by,
        resolve_by=None,
    )
    notify(
        [unit],
        "demand.dispatched",
        {
            "number": locked.number,
            "title": locked.category.name,
            "due": f"{timezone.localtime(accept_by):%Y-%m-%d %H:%M}",
        },
        urgency="urgent" if locked.urgency == Urgency.URGENT else None,
        link=reverse("demands:demand", args=[locked.pk]),
        jurisdiction=locked.jurisdiction_id,
    )
    return locked


def dispatch(
    demand: Demand,
    unit: Unit,
    *,
    actor: Any,
    note: str = "",
    expected_version: int | None,
    now: dt.datetime | None = None,
) -> Demand:
    """An operator (or the office) sends the demand to a unit; again after a send-back."""
    permissions.require_operator(actor, demand.jurisdiction_id)
    if unit.jurisdiction_id != demand.jurisdiction_id:
        raise ValidationFailed("承办单位须是本区的", {"unit": "承办单位须是本区的"})
    with transaction.atomic():
        locked = _lock(demand, expected_version)
        return _dispatch(locked, unit, actor=actor, note=note.strip(), now=now or timezone.now())


def accept(
    demand: Demand, *, actor: Any, expected_version: int | None, now: dt.datetime | None = None
) -> Demand:
    """The unit signs for the demand (签收): its time to resolve it starts."""
    if not permissions.handles(actor, demand):
        raise PermissionDenied("只有承办单位可以签收")
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(demand, expected_version)
        resolve_by = workflow.resolve_deadline(
            now, locked.urgency, limits_of(locked.category), jurisdiction=locked.jurisdiction_id
        )
        return _move(locked, "accept", actor=actor, now=now, accepted_at=now, resolve_by=resolve_by)


def send_back(
    demand: Demand,
    *,
    actor: Any,
    reason: str,
    expected_version: int | None,
    now: dt.datetime | None = None,
) -> Demand:
    """The unit sends the demand back (退单) with its reason; the operator dispatches it again
    or the office rules."""
    if not permissions.handles(actor, demand):
        raise PermissionDenied("只有承办单位可以退单")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写退单理由", {"reason": "请填写退单理由"})
    with transaction.atomic():
        locked = _lock(demand, expected_version)
        return _move(locked, "send_back", actor=actor, now=now or timezone.now(), note=reason)


def resolve(
    demand: Demand,
    *,
    actor: Any,
    reply: str,
    expected_version: int | None,
    now: dt.datetime | None = None,
) -> Demand:
    """The unit replies (答复): the demand waits for the call-back."""
    if not permissions.handles(actor, demand):
        raise PermissionDenied("只有承办单位可以答复")
    reply = (reply or "").strip()
    if len(reply) < 5:
        raise ValidationFailed("请写明办理结果（至少5个字）", {"reply": "请写明办理结果"})
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(demand, expected_version)
        locked = _move(
            locked,
            "resolve",
            actor=actor,
            now=now,
            note=reply[:200],
            reply=reply,
            resolved_at=now,
            extension_days=None,  # a request still pending lapses with the reply
            extension_reason="",
        )
        texts.text_resolved(locked)
        return locked


def call_back(
    demand: Demand,
    *,
    actor: Any,
    satisfaction: str,
    note: str = "",
    expected_version: int | None,
    now: dt.datetime | None = None,
) -> Demand:
    """The resident's answer to the call-back (回访), taken by an operator: satisfied or
    basically satisfied closes the demand; dissatisfied reopens it for new handling."""
    permissions.require_operator(actor, demand.jurisdiction_id)
    return _record_satisfaction(
        demand,
        actor=actor,
        satisfaction=satisfaction,
        note=note,
        expected_version=expected_version,
        now=now,
    )


def _record_satisfaction(
    demand: Demand,
    *,
    actor: Any,
    satisfaction: str,
    note: str,
    expected_version: int | None,
    now: dt.datetime | None,
) -> Demand:
    if satisfaction not in Satisfaction.values:
        raise ValidationFailed("请选择满意度", {"satisfaction": "请选择满意度"})
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(demand, expected_version)
        locked = _move(
            locked,
            "call_back",
            actor=actor,
            now=now,
            note=note.strip(),
            satisfaction=satisfaction,
            closed_at=now,
        )
        if satisfaction == Satisfaction.DISSATISFIED:
            locked = _reopen(locked, actor=actor, now=now, note="回访不满意，重新办理")
    return locked


def rate_by_resident(
    demand: Demand, *, satisfaction: str, note: str = "", now: dt.datetime | None = None
) -> Demand:
    """The resident rates the reply themselves (the tracking page, after the code and the
    phone's last digits were checked by the caller)."""
    return _record_satisfaction(
        demand, actor=None, satisfaction=satisfaction, note=note, expected_version=None, now=now
    )


def close_unreached(
    demand: Demand,
    *,
    actor: Any,
    note: str,
    expected_version: int | None,
    now: dt.datetime | None = None,
) -> Demand:
    """An operator closes a replied demand whose resident could not be reached for the
    call-back (no satisfaction recorded; the note says how it was tried)."""
    permissions.require_operator(actor, demand.jurisdiction_id)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("请说明回访情况", {"note": "请说明回访情况"})
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(demand, expected_version)
        return _move(locked, "close", actor=actor, now=now, note=note, closed_at=now)


def _reopen(locked: Demand, *, actor: Any, now: dt.datetime, note: str) -> Demand:
    resolve_by = workflow.resolve_deadline(
        now, locked.urgency, limits_of(locked.category), jurisdiction=locked.jurisdiction_id
    )
    return _move(
        locked,
        "reopen",
        actor=actor,
        now=now,
        note=note,
        reopened=locked.reopened + 1,
        resolve_by=resolve_by,
        resolved_at=None,
        closed_at=None,
        reply="",
    )


def reopen(
    demand: Demand,
    *,
    actor: Any,
    reason: str,
    expected_version: int | None,
    now: dt.datetime | None = None,
) -> Demand:
    """The office reopens a resolved or closed demand for new handling (重办)."""
    permissions.require_office(actor, demand.jurisdiction_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写重办理由", {"reason": "请填写重办理由"})
    with transaction.atomic():
        locked = _lock(demand, expected_version)
        return _reopen(locked, actor=actor, now=now or timezone.now(), note=reason)


MAX_EXTENSION_DAYS = 60


def _check_extension(workdays: int, reason: str | None) -> None:
    """Working days in range, and a reason unless ``reason`` is None (not asked for)."""
    errors = {}
    if reason is not None and not reason:
        errors["reason"] = "请填写延期理由"
    if not 1 <= workdays <= MAX_EXTENSION_DAYS:
        errors["workdays"] = f"延期应在1到{MAX_EXTENSION_DAYS}个工作日之间"
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)


def _lock_in_progress(demand: Demand, expected_version: int | None) -> Demand:
    locked = _lock(demand, expected_version)
    if locked.status != Status.ACCEPTED or locked.resolve_by is None:
        raise ValidationFailed("只有办理中的诉求可以延期")
    return locked


def _push_resolve_by(
    locked: Demand, workdays: int, *, actor: Any, action: str, note: str, now: dt.datetime
) -> Demand:
    """Move the time to resolve ``workdays`` working days on (the calendar's), close any
    pending request, log the event and audit it."""
    before = locked.resolve_by
    assert before is not None
    locked.resolve_by = workflow.resolve_deadline(
        before,
        Urgency.NORMAL,
        workflow.Limits(0, 0, 0, workdays),
        jurisdiction=locked.jurisdiction_id,
    )
    locked.extension_days, locked.extension_reason = None, ""
    locked.version += 1
    locked.save(
        update_fields=[
            "resolve_by", "extension_days", "extension_reason", "version", "updated_at"
        ]
    )  # fmt: skip
    _event(locked, action, locked.status, locked.status, actor=actor, at=now, note=note)
    audit.record(
        actor=actor,
        action=f"demands.{action}",
        target=locked,
        changes={"resolve_by": [before, locked.resolve_by], "note": [None, note[:200]]},
        jurisdiction_id=locked.jurisdiction_id,
    )
    return locked


def extend(
    demand: Demand,
    *,
    actor: Any,
    workdays: int,
    reason: str,
    expected_version: int | None,
    now: dt.datetime | None = None,
) -> Demand:
    """The office extends the time to resolve (延期) by itself, in working days, with its
    reason; the status stays. (A unit asks with ``request_extension``.)"""
    permissions.require_office(actor, demand.jurisdiction_id)
    reason = (reason or "").strip()
    _check_extension(workdays, reason)
    with transaction.atomic():
        locked = _lock_in_progress(demand, expected_version)
        return _push_resolve_by(
            locked, workdays, actor=actor, action="extend", note=reason, now=now or timezone.now()
        )


def request_extension(
    demand: Demand,
    *,
    actor: Any,
    workdays: int,
    reason: str,
    expected_version: int | None,
    now: dt.datetime | None = None,
) -> Demand:
    """The unit asks the office for more time (申请延期): working days and why. The time
    limit runs on until the office agrees; the office is told."""
    if not permissions.handles(actor, demand):
        raise PermissionDenied("只有承办单位可以申请延期")
    reason = (reason or "").strip()
    _check_extension(workdays, reason)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_in_progress(demand, expected_version)
        if locked.extension_days is not None:
            raise ValidationFailed("已有一个延期申请在等待专班审批")
        note = f"申请延期{workdays}个工作日：{reason}"
        _set_request(locked, workdays, reason, actor=actor, action="request_extension",
                     note=note, now=now)  # fmt: skip
        _tell_extension(locked, [locked.jurisdiction], f"申请延期{workdays}个工作日")
    return locked


def decide_extension(
    demand: Demand,
    *,
    actor: Any,
    approve: bool,
    workdays: int | None,
    note: str,
    expected_version: int | None,
    now: dt.datetime | None = None,
) -> Demand:
    """The office approves the unit's request (for the days asked, or as many as it grants)
    or refuses it with a reason; the unit is told."""
    permissions.require_office(actor, demand.jurisdiction_id)
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationFailed("请写明不同意的理由", {"note": "请写明不同意的理由"})
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_in_progress(demand, expected_version)
        asked = locked.extension_days
        if asked is None:
            raise ValidationFailed("这条诉求没有待审批的延期申请")
        if approve:
            days = workdays or asked
            _check_extension(days, None)
            said = f"同意延期{days}个工作日" + (f"：{note}" if note else "")
            locked = _push_resolve_by(
                locked, days, actor=actor, action="approve_extension", note=said, now=now
            )
            assert locked.resolve_by is not None
            due = f"{timezone.localtime(locked.resolve_by):%Y-%m-%d %H:%M}"
            _tell_extension(locked, [locked.unit], f"延期申请已同意，办理时限延至{due}")
            return locked
        said = f"不同意延期：{note}"
        _set_request(locked, None, "", actor=actor, action="refuse_extension", note=said, now=now)
        _tell_extension(locked, [locked.unit], said)
    return locked


def _set_request(
    locked: Demand,
    days: int | None,
    reason: str,
    *,
    actor: Any,
    action: str,
    note: str,
    now: dt.datetime,
) -> None:
    """Open (``days``) or close (None) the pending request; the event and the audit."""
    before = locked.extension_days
    locked.extension_days, locked.extension_reason = days, reason
    locked.version += 1
    locked.save(update_fields=["extension_days", "extension_reason", "version", "updated_at"])
    _event(locked, action, locked.status, locked.status, actor=actor, at=now, note=note)
    audit.record(
        actor=actor,
        action=f"demands.{action}",
        target=locked,
        changes={"extension_days": [before, days], "note": [None, note[:200]]},
        jurisdiction_id=locked.jurisdiction_id,
    )


def _tell_extension(locked: Demand, recipients: list[Any], what: str) -> None:
    notify(
        [r for r in recipients if r is not None],
        "demand.extension",
        {"number": locked.number, "title": locked.category.name, "what": what},
        link=reverse("demands:demand", args=[locked.pk]),
        jurisdiction=locked.jurisdiction_id,
    )


def file_appeal(
    demand: Demand,
    *,
    actor: Any,
    reason: str,
    expected_version: int | None,
    now: dt.datetime | None = None,
) -> Demand:
    """The unit appeals (申诉) being assessed on the demand: out of its scope, malicious,
    a duplicate; the office rules."""
    if not permissions.handles(actor, demand):
        raise PermissionDenied("只有承办单位可以申诉")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写申诉理由", {"reason": "请填写申诉理由"})
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(demand, expected_version)
        if locked.appeal == Appeal.PENDING:
            raise ValidationFailed("这条诉求的申诉正在等待专班裁定")
        locked.appeal, locked.appeal_reason = Appeal.PENDING, reason
        locked.version += 1
        locked.save(update_fields=["appeal", "appeal_reason", "version", "updated_at"])
        _event(locked, "appeal", locked.status, locked.status, actor=actor, at=now, note=reason)
        audit.record(
            actor=actor,
            action="demands.file_appeal",
            target=locked,
            changes={"appeal": [None, Appeal.PENDING], "reason": [None, reason]},
            jurisdiction_id=locked.jurisdiction_id,
        )
    return locked


def rule_on_appeal(
    demand: Demand,
    *,
    actor: Any,
    upheld: bool,
    reason: str,
    expected_version: int | None,
    now: dt.datetime | None = None,
) -> Demand:
    """The office rules on a unit's appeal (申诉: out of scope, malicious, duplicate): an
    upheld appeal takes the demand out of the unit's rates, the reason kept."""
    permissions.require_office(actor, demand.jurisdiction_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写裁定理由", {"reason": "请填写裁定理由"})
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(demand, expected_version)
        if locked.appeal != Appeal.PENDING:
            raise ValidationFailed("这条诉求没有待裁定的申诉")
        locked.assessed = not upheld
        locked.appeal = Appeal.UPHELD if upheld else Appeal.REJECTED
        locked.version += 1
        locked.save(update_fields=["assessed", "appeal", "version", "updated_at"])
        note = ("申诉成立，不纳入考核：" if upheld else "申诉不成立：") + reason
        _event(locked, "rule", locked.status, locked.status, actor=actor, at=now, note=note)
        audit.record(
            actor=actor,
            action="demands.rule_on_appeal",
            target=locked,
            changes={"assessed": [True, locked.assessed], "reason": [None, reason]},
            jurisdiction_id=locked.jurisdiction_id,
        )
    return locked
