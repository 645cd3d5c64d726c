"""Writes of the visit: the staff member's record of a booking (outcome, matters handled,
notes, photos, the resident's confirmation, satisfaction), the business opened on the spot
at an enterprise visit, and the audited reveal of the resident's phone number.

Each write checks who may (``permissions.may_record_visit``), validates, locks the booking,
refuses a stale version, runs in one transaction (photos stored with it:
``core.uploads.atomic_with_files``) and writes one audit event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from shishi.appointments import feed, permissions
from shishi.appointments.models import (
    OPENING_STEPS,
    Booking,
    BookingStatus,
    BusinessOpening,
    Matter,
    Outcome,
    Satisfaction,
    Visit,
    VisitPhoto,
    Where,
)
from shishi.core import audit, uploads
from shishi.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.inputs import has_control
from shishi.core.uscc import normalize_uscc
from shishi.ledger.services.progress import check_uploads, store_upload

MAX_PHOTOS = 9
MAX_NOTES = 2000
STEP_KEYS = tuple(key for key, _label in OPENING_STEPS)
NOT_ALLOWED = "只有指派的服务人员、服务单位和专班可以记录这次服务"


@dataclass
class VisitInput:
    outcome: str
    matter_ids: Sequence[int] = ()
    notes: str = ""
    confirmed_by: str = ""
    satisfaction: str = ""
    photos: Sequence[UploadedFile] = field(default_factory=tuple)
    visited_at: dt.datetime | None = None


def _lock(booking: Booking, expected_version: int | None) -> Booking:
    row = Booking.objects.select_for_update().filter(pk=booking.pk).order_by("pk").first()
    if row is None:
        raise NotFound("预约不存在")
    if expected_version is not None and row.version != expected_version:
        raise StaleEdit("这条预约已被他人修改（可能已记录或已取消），请查看最新内容后再提交")
    return row


def _visit_errors(jurisdiction_id: int, data: VisitInput) -> tuple[list[Matter], dict[str, str]]:
    errors: dict[str, str] = {}
    if data.outcome not in Outcome.values:
        errors["outcome"] = "请选择办理结果"
    if data.satisfaction and data.satisfaction not in Satisfaction.values:
        errors["satisfaction"] = "请选择满意度"
    notes = data.notes or ""
    if len(notes) > MAX_NOTES:
        errors["notes"] = f"情况说明不能超过{MAX_NOTES}字"
    confirmed = (data.confirmed_by or "").strip()
    if len(confirmed) > 50 or has_control(confirmed):
        errors["confirmed_by"] = "确认人姓名最多50个字"
    ids = {int(pk) for pk in data.matter_ids}
    matters = list(
        Matter.objects.filter(jurisdiction_id=jurisdiction_id, is_active=True, pk__in=ids)
    )
    if len(matters) != len(ids):
        errors["matters"] = "请从本区的代办事项中选择"
    if len(data.photos) > MAX_PHOTOS:
        errors["photos"] = f"照片最多{MAX_PHOTOS}张"
    else:
        errors.update(check_uploads(data.photos, "photos"))
        for f in data.photos:
            if uploads.media_type(f.content_type) not in {"image/jpeg", "image/png", "image/webp"}:
                errors["photos"] = (
                    f"“{uploads.display_name(f.name, 60)}”不是照片（只收JPEG、PNG、WebP）"
                )
    return matters, errors


def record_visit(
    booking: Booking, data: VisitInput, *, actor: Any, expected_version: int | None
) -> Visit:
    """Record (or correct) the visit of ``booking``: the booking becomes done, its version
    goes up by one, a stale version is refused, and a cancelled booking cannot be recorded.
    Photos are added to those already kept. The service's ledger target is recounted once
    this commits."""
    if not permissions.may_record_visit(actor, booking):
        raise PermissionDenied(NOT_ALLOWED)
    matters, errors = _visit_errors(booking.jurisdiction_id, data)
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    now = timezone.now()
    with uploads.atomic_with_files():
        row = _lock(booking, expected_version)
        if row.status == BookingStatus.CANCELLED:
            message = "这条预约已取消，不能记录服务"
            raise ValidationFailed(message, {"status": message})
        visit = Visit.objects.filter(booking=row).first()
        before = (
            {
                "outcome": visit.outcome,
                "satisfaction": visit.satisfaction,
                "confirmed_by": visit.confirmed_by,
                "matters": sorted(m.name for m in visit.matters.all()),
            }
            if visit
            else {}
        )
        if visit is None:
            visit = Visit(booking=row, recorded_by=actor)
        visit.visited_at = data.visited_at or (visit.visited_at if visit.pk else now)
        visit.outcome = data.outcome
        visit.notes = (data.notes or "").strip()
        visit.confirmed_by = (data.confirmed_by or "").strip()
        visit.satisfaction = data.satisfaction or ""
        visit.save()
        visit.matters.set(matters)
        for f in data.photos:
            photo = VisitPhoto(
                visit=visit,
                name=uploads.display_name(f.name, 200),
                content_type=uploads.media_type(f.content_type, 100) or "",
                size=f.size or 0,
            )
            photo.file.name = store_upload(photo, f, photo.name)
            photo.save()
        old_status = row.status
        Booking.objects.filter(pk=row.pk).update(
            status=BookingStatus.DONE, version=row.version + 1, updated_at=now
        )
        booking.status, booking.version = BookingStatus.DONE, row.version + 1
        after = {
            "outcome": visit.outcome,
            "satisfaction": visit.satisfaction,
            "confirmed_by": visit.confirmed_by,
            "matters": sorted(m.name for m in matters),
        }
        changes: dict[str, Any] = {
            k: [before.get(k), v] for k, v in after.items() if before.get(k) != v
        }
        if old_status != BookingStatus.DONE:
            changes["status"] = [old_status, BookingStatus.DONE]
        if data.photos:
            changes["photos"] = [None, len(data.photos)]
        audit.record(
            actor=actor,
            action="appointments.record_visit",
            target=row,
            changes=changes,
            jurisdiction_id=row.jurisdiction_id,
        )
        feed.enqueue_feed(booking.service)
    return visit


@dataclass
class OpeningInput:
    business_name: str
    uscc: str = ""
    steps: Sequence[str] = ()
    pack_given_on: dt.date | None = None
    pack_items: str = ""


def record_opening(
    booking: Booking, data: OpeningInput, *, actor: Any, expected_version: int | None
) -> BusinessOpening:
    """Record (or edit: the USCC often comes later, when the licence is issued) the business
    opened at an enterprise visit: its name, the checklist ticked on the spot, the USCC
    (GB 32100, checked), the opening pack given. Only once the visit is recorded."""
    if not permissions.may_record_visit(actor, booking):
        raise PermissionDenied(NOT_ALLOWED)
    errors: dict[str, str] = {}
    name = (data.business_name or "").strip()
    if not name or len(name) > 200 or has_control(name):
        errors["business_name"] = "请填写企业名称（最多200个字）"
    uscc = ""
    if (data.uscc or "").strip():
        try:
            uscc = normalize_uscc(data.uscc)
        except ValueError as exc:
            errors["uscc"] = str(exc)
    unknown = [s for s in data.steps if s not in STEP_KEYS]
    if unknown:
        errors["steps"] = "请从开办事项中勾选"
    items = (data.pack_items or "").strip()
    if len(items) > 300:
        errors["pack_items"] = "礼包内容不能超过300字"
    if data.pack_given_on is not None and data.pack_given_on > timezone.localdate():
        errors["pack_given_on"] = "发放日期不能晚于今天"
    if items and data.pack_given_on is None:
        errors["pack_given_on"] = "请填写礼包发放日期"
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    with transaction.atomic():
        row = _lock(booking, expected_version)
        if row.service.where != Where.ENTERPRISE:
            message = "只有企业上门服务可以记录现场开办"
            raise ValidationFailed(message, {"business_name": message})
        visit = Visit.objects.filter(booking=row).first()
        if visit is None:
            message = "请先记录这次服务，再填写现场开办"
            raise ValidationFailed(message, {"business_name": message})
        opening = BusinessOpening.objects.filter(visit=visit).first()
        checklist = {key: key in data.steps for key in STEP_KEYS}
        before = (
            {
                "business_name": opening.business_name,
                "uscc": opening.uscc,
                "checklist": opening.checklist,
                "pack_given_on": opening.pack_given_on,
                "pack_items": opening.pack_items,
            }
            if opening
            else {}
        )
        if opening is None:
            opening = BusinessOpening(visit=visit)
        opening.business_name = name
        opening.uscc = uscc
        opening.checklist = checklist
        opening.pack_given_on = data.pack_given_on
        opening.pack_items = items
        opening.save()
        Booking.objects.filter(pk=row.pk).update(version=row.version + 1)
        booking.version = row.version + 1
        after = {
            "business_name": name,
            "uscc": uscc,
            "checklist": checklist,
            "pack_given_on": data.pack_given_on,
            "pack_items": items,
        }
        audit.record(
            actor=actor,
            action="appointments.record_opening",
            target=row,
            changes={
                k: [audit.jsonable(before.get(k)), audit.jsonable(v)]
                for k, v in after.items()
                if before.get(k) != v
            },
            jurisdiction_id=row.jurisdiction_id,
        )
    return opening


def reveal_phone(booking: Booking, *, actor: Any) -> str:
    """The number to call for ``booking`` in full (the resident's mobile, else landline, else
    the number the booking notifies), for the people who serve it; each reveal is audited
    (``pii.show``: who, which booking, which field — never the number)."""
    if not permissions.may_record_visit(actor, booking):
        raise PermissionDenied("无权查看完整号码")
    found = contact_number(booking)
    if found is None:
        return ""
    field_name, number = found
    plain = number.reveal()
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="pii.show",
            target=booking,
            changes={"field": field_name, "viewer": "staff"},
            jurisdiction_id=booking.jurisdiction_id,
        )
    return plain


def contact_number(booking: Booking) -> tuple[str, Any] | None:
    """The field and the number to call for ``booking`` (None when it has none)."""
    resident = booking.resident
    for name, value in (
        ("resident.phone", resident.phone if resident else None),
        ("resident.landline", resident.landline if resident else None),
        ("notify_phone", booking.notify_phone),
    ):
        if value:
            return name, value
    return None
