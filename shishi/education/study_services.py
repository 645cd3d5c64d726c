"""Study activities (五学): entering, correcting and the office's review.

Guarantees:

- A unit's editors and heads enter activities for their unit and, for a party committee,
  its branches (``permissions.may_enter_for``); the district's office for any unit of the
  district. An entered or corrected activity is 待审核 (submitted).
- Its enterers edit it while it is not approved; the edit carries the ``version`` the form
  was loaded with and a stale one is refused (``StaleEdit``). Correcting a returned one
  submits it again.
- Only the office of the activity's district reviews: approve (one, or several at once) or
  return with a note (required). Only a submitted activity is reviewed; a second reviewer
  is told it was reviewed already. A return sends the unit's editors (and, for a branch,
  its committee's) an inbox notice.
- Refused input raises ``ValidationFailed`` naming each field (nothing written): a date in
  the future, fewer participants than names listed, a photo that is not a JPEG, PNG or
  WebP picture, a speaker missing on a speaker-counted line of the campaign…
- Every write in one transaction, audited (``education.study_*``); names listed are never
  put in the audit (only their number).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shishi.core import audit, uploads
from shishi.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.uploads import megabytes
from shishi.education import campaign, permissions
from shishi.education.models import (
    CampaignLine,
    Landmark,
    StudyActivity,
    StudyKind,
    StudyPhoto,
)
from shishi.notify.kinds import Kind, register
from shishi.notify.services import notify
from shishi.orgs.models import Unit

# The inbox line the unit's editors get when the office returns an activity
# (templates/notify/kinds/study.returned/).
STUDY_RETURNED = register(Kind("study.returned", _("学习活动被退回")))

MAX_PHOTOS = 9
PHOTO_MAX_PIXELS = 50_000_000
PHOTO_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
MAX_PARTICIPANTS = 1_000_000
MAX_NAMES = 5000
MAX_SUMMARY = 5000
MAX_NOTE = 300
NOT_YOURS = "您不能为这个单位录入学习活动"
OFFICE_ONLY = "只有专班可以审核学习活动"
STALE = "这条学习活动已被他人修改，请核对后再保存"
REVIEWED = "这条学习活动已经审核过了"
APPROVED_FIXED = "已通过审核的学习活动不能再修改"
Status = StudyActivity.Status


@dataclass
class ActivityInput:
    kind: str
    title: str
    unit_id: int | None
    held_on: dt.date | None
    line: str = ""
    landmark_id: int | None = None
    speaker: str = ""
    place: str = ""
    participants: int | None = 0
    participant_names: str = ""
    summary: str = ""
    photos: Sequence[Any] = field(default_factory=list)
    remove_photo_ids: Sequence[int] = field(default_factory=list)


def names_of(text: str) -> list[str]:
    """The names listed, one a line (blank lines dropped)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _text(value: str, name: str, label: str, limit: int, errors: dict[str, str]) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        errors[name] = f"{label}最多{limit}个字"
    return value


def _check_photos(files: Sequence[Any], errors: dict[str, str]) -> list[str]:
    """The stored extension of each photo; an error on ``photos`` naming the first bad one."""
    limit = int(settings.SHISHI_MAX_UPLOAD_BYTES)
    out = []
    for file in files:
        label = uploads.display_name(getattr(file, "name", ""), 60, default="照片")
        if int(getattr(file, "size", 0) or 0) > limit:
            errors["photos"] = f"照片“{label}”超过 {megabytes(limit)} MB，请缩小后再上传"
            return []
        kind, too_large = uploads.inspect_photo(file, max_pixels=PHOTO_MAX_PIXELS)
        if too_large:
            errors["photos"] = f"照片“{label}”尺寸过大，请缩小后再上传"
            return []
        if kind not in PHOTO_FORMATS:
            errors["photos"] = f"“{label}”不是可识别的 JPEG、PNG 或 WebP 照片"
            return []
        out.append(PHOTO_FORMATS[kind])
    return out


@dataclass(frozen=True)
class _Clean:
    values: dict[str, Any]
    unit: Unit
    extensions: list[str]


def _clean(data: ActivityInput, actor: Any, *, kept_photos: int = 0) -> _Clean:
    errors: dict[str, str] = {}
    unit = Unit.objects.filter(pk=data.unit_id).first() if data.unit_id else None
    if unit is None:
        errors["unit"] = "请选择组织单位"
    elif actor is not None and not permissions.may_enter_for(actor, unit):
        errors["unit"] = NOT_YOURS
    if data.kind not in StudyKind.values:
        errors["kind"] = "请选择学习方式"
    line = data.line or ""
    if line and line not in CampaignLine.values:
        errors["line"] = "请选择十百千万的一项，或不选"
    title = _text(data.title, "title", "活动名称", 200, errors)
    if not title and "title" not in errors:
        errors["title"] = "请填写活动名称"
    speaker = _text(data.speaker, "speaker", "主讲人", 100, errors)
    if line and campaign.MEASURES.get(line) == campaign.SPEAKERS and not speaker:
        errors.setdefault("speaker", "宣讲类活动请填写主讲人（按主讲人计数）")
    place = _text(data.place, "place", "地点", 200, errors)
    summary = _text(data.summary, "summary", "活动简介", MAX_SUMMARY, errors)
    today = timezone.localdate()
    if data.held_on is None:
        errors["held_on"] = "请填写活动日期"
    elif data.held_on > today:
        errors["held_on"] = "活动日期不能晚于今天"
    elif data.held_on.year < 2000:
        errors["held_on"] = "活动日期不对"
    participants = data.participants
    if participants is None or participants < 0:
        errors["participants"] = "请填写参加人数"
        participants = 0
    elif participants > MAX_PARTICIPANTS:
        errors["participants"] = f"参加人数不能超过{MAX_PARTICIPANTS}"
    names = names_of(data.participant_names)
    if len(names) > MAX_NAMES:
        errors["participant_names"] = f"名单最多{MAX_NAMES}人"
    elif any(len(n) > 50 for n in names):
        errors["participant_names"] = "名单每行一个姓名，每个最多50个字"
    elif len(names) > participants and "participants" not in errors:
        errors["participants"] = f"参加人数（{participants}）少于名单中的人数（{len(names)}）"
    if line == CampaignLine.BASE_VISIT and participants == 0 and "participants" not in errors:
        errors["participants"] = "走进红色教育基地按参加人数计数，请填写参加人数"
    landmark = None
    if data.landmark_id is not None:
        if line != CampaignLine.BASE_VISIT and data.kind != StudyKind.VISIT:
            errors["landmark"] = "只有参观见学或走进红色教育基地的活动可以选择红色地标"
        elif unit is not None:
            landmark = Landmark.objects.filter(
                pk=data.landmark_id, jurisdiction_id=unit.jurisdiction_id
            ).first()
            if landmark is None:
                errors["landmark"] = "请选择本区的红色地标"
    if kept_photos + len(data.photos) > MAX_PHOTOS:
        errors["photos"] = f"每个活动最多{MAX_PHOTOS}张照片"
        extensions: list[str] = []
    else:
        extensions = _check_photos(data.photos, errors)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors)
    assert unit is not None
    values = {
        "unit_id": unit.pk,
        "jurisdiction_id": unit.jurisdiction_id,
        "kind": data.kind,
        "line": line,
        "title": title,
        "speaker": speaker,
        "place": place,
        "held_on": data.held_on,
        "participants": participants,
        "participant_names": "\n".join(names),
        "landmark_id": landmark.pk if landmark else None,
        "summary": summary,
    }
    return _Clean(values, unit, extensions)


def _store_photos(activity: StudyActivity, files: Sequence[Any], extensions: list[str]) -> None:
    start = activity.photos.count()
    for n, (file, extension) in enumerate(zip(files, extensions, strict=True), start=start + 1):
        photo = StudyPhoto(
            activity=activity, caption=uploads.display_name(getattr(file, "name", ""), 200, "")
        )
        stem = f"education/activities/{activity.pk}/{activity.pk}-{n}{extension}"
        photo.image.name = uploads.store(stem, File(file), max_length=300)
        photo.save()


def _audited(values: dict[str, Any]) -> dict[str, Any]:
    """What the audit keeps of an activity: everything but the names (only their number)."""
    out = {k: v for k, v in values.items() if k != "participant_names"}
    out["names_listed"] = len(names_of(values.get("participant_names", "")))
    return out


def enter_activity(data: ActivityInput, *, actor: Any) -> StudyActivity:
    """Enter an activity for ``data.unit_id`` (with its photos); it waits for review."""
    clean = _clean(data, actor)
    with uploads.atomic_with_files():
        activity = StudyActivity.objects.create(
            **clean.values,
            status=Status.SUBMITTED,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        _store_photos(activity, data.photos, clean.extensions)
        audit.record(
            actor=actor,
            action="education.study_entered",
            target=activity,
            changes={k: [None, v] for k, v in _audited(clean.values).items()}
            | {"photos": [None, len(data.photos)]},
            jurisdiction_id=activity.jurisdiction_id,
        )
    return activity


def may_edit(user: Any, activity: StudyActivity) -> bool:
    return activity.status != Status.APPROVED and permissions.may_enter_for(user, activity.unit)


def update_activity(
    activity: StudyActivity, data: ActivityInput, *, version: int, actor: Any
) -> StudyActivity:
    """Correct an activity not yet approved (a returned one goes back to the queue)."""
    if actor is not None and not permissions.may_enter_for(actor, activity.unit):
        raise PermissionDenied(NOT_YOURS)
    removing = set(data.remove_photo_ids)
    kept = activity.photos.exclude(pk__in=removing).count()
    clean = _clean(data, actor, kept_photos=kept)
    gone: list[str] = []
    with uploads.atomic_with_files():
        locked = StudyActivity.objects.select_for_update().filter(pk=activity.pk).first()
        if locked is None:
            raise NotFound("没有找到这条学习活动")
        if locked.status == Status.APPROVED:
            raise StaleEdit(APPROVED_FIXED)
        if locked.version != version:
            raise StaleEdit(STALE)
        old = {k: getattr(locked, k) for k in clean.values}
        for key, value in clean.values.items():
            setattr(locked, key, value)
        was = locked.status
        locked.status = Status.SUBMITTED
        locked.version += 1
        locked.save()
        photos = list(locked.photos.filter(pk__in=removing))
        gone = [p.image.name for p in photos]
        for p in photos:
            p.delete()
        _store_photos(locked, data.photos, clean.extensions)
        changes = audit.diff(_audited(old), _audited(clean.values))
        if was != locked.status:
            changes["status"] = [was, locked.status]
        if photos or data.photos:
            changes["photos"] = [len(photos), len(data.photos)]  # removed, added
        audit.record(
            actor=actor,
            action="education.study_corrected",
            target=locked,
            changes=changes,
            jurisdiction_id=locked.jurisdiction_id,
        )
    for name in gone:
        with contextlib.suppress(OSError):  # else the orphan cleaner's turn
            default_storage.delete(name)
    return locked


# --- review ------------------------------------------------------------------------------------


def _reviewed(locked: StudyActivity, actor: Any, status: str, note: str) -> None:
    locked.status = status
    locked.review_note = note
    locked.reviewed_by = actor if getattr(actor, "pk", None) else None
    locked.reviewed_at = timezone.now()
    locked.version += 1
    locked.save(
        update_fields=[
            "status",
            "review_note",
            "reviewed_by",
            "reviewed_at",
            "version",
            "updated_at",
        ]
    )


def _lock_submitted(activity: StudyActivity, version: int | None) -> StudyActivity:
    locked = StudyActivity.objects.select_for_update().filter(pk=activity.pk).first()
    if locked is None:
        raise NotFound("没有找到这条学习活动")
    if locked.status != Status.SUBMITTED:
        raise StaleEdit(REVIEWED)
    if version is not None and locked.version != version:
        raise StaleEdit(STALE)
    return locked


def approve_activity(
    activity: StudyActivity, *, actor: Any, version: int | None = None
) -> StudyActivity:
    """Approve a submitted activity: from now on it counts."""
    permissions.check_office(actor, activity.jurisdiction_id, OFFICE_ONLY)
    with transaction.atomic():
        locked = _lock_submitted(activity, version)
        _reviewed(locked, actor, Status.APPROVED, "")
        audit.record(
            actor=actor,
            action="education.study_approved",
            target=locked,
            changes={"status": [Status.SUBMITTED, Status.APPROVED]},
            jurisdiction_id=locked.jurisdiction_id,
        )
    return locked


def approve_activities(ids: Sequence[int], *, actor: Any) -> int:
    """Approve the submitted ones among ``ids`` in districts the actor keeps (the others are
    left as they are); how many were approved."""
    wanted = sorted({int(i) for i in ids})[:1000]
    if not wanted:
        raise ValidationFailed("请勾选要通过的活动", {"ids": "请勾选要通过的活动"})
    offices = permissions.office_jurisdiction_ids(actor)
    done = 0
    with transaction.atomic():
        rows = list(
            StudyActivity.objects.select_for_update().filter(
                pk__in=wanted, status=Status.SUBMITTED, jurisdiction_id__in=offices
            )
        )
        now = timezone.now()
        reviewer = actor if getattr(actor, "pk", None) else None
        done = StudyActivity.objects.filter(
            pk__in=[r.pk for r in rows], status=Status.SUBMITTED
        ).update(
            status=Status.APPROVED,
            review_note="",
            reviewed_by=reviewer,
            reviewed_at=now,
            version=F("version") + 1,
            updated_at=now,
        )
        changes = {"status": [Status.SUBMITTED, Status.APPROVED], "bulk": [None, True]}
        audit.record_many(  # the same events as one record() each, under one chain lock
            actor=actor,
            entries=[
                audit.entry_for("education.study_approved", row, changes, row.jurisdiction_id)
                for row in rows
            ],
        )
    return int(done)


def return_activity(
    activity: StudyActivity, note: str, *, actor: Any, version: int | None = None
) -> StudyActivity:
    """Return a submitted activity to its unit with a note; the unit's editors are told."""
    permissions.check_office(actor, activity.jurisdiction_id, OFFICE_ONLY)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("退回时请写明原因", {"note": "退回时请写明原因"})
    if len(note) > MAX_NOTE:
        raise ValidationFailed(f"审核意见最多{MAX_NOTE}个字", {"note": f"最多{MAX_NOTE}个字"})
    with transaction.atomic():
        locked = _lock_submitted(activity, version)
        _reviewed(locked, actor, Status.RETURNED, note)
        audit.record(
            actor=actor,
            action="education.study_returned",
            target=locked,
            changes={"status": [Status.SUBMITTED, Status.RETURNED], "review_note": [None, note]},
            jurisdiction_id=locked.jurisdiction_id,
        )
        unit = Unit.objects.get(pk=locked.unit_id)
        recipients: list[Any] = [unit]
        if unit.kind == Unit.Kind.PARTY_BRANCH and unit.parent_id is not None:
            recipients.append(Unit(pk=unit.parent_id, jurisdiction_id=unit.jurisdiction_id))
        if locked.created_by_id is not None:
            recipients.append(locked.created_by)
        notify(
            recipients,
            STUDY_RETURNED.name,
            {"title": locked.title, "note": note, "unit": unit.name},
            link=reverse("education:study_activity", args=[locked.pk]),
            dedupe_key=f"study-returned:{locked.pk}:{locked.version}",
            jurisdiction=locked.jurisdiction_id,
        )
    return locked
