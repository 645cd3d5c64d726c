"""Every write of health examinations and certificates (issue 17): registration at the
clinic, results, the conclusion, the certificate issued, revoked, its holder's ID number
revealed. Each checks permission (``permissions.runs_clinic`` / ``reads_certificates`` /
``is_office``), validates, runs in one transaction and writes an audit event (numbers only
masked in it).

The life of an examination::

    register_exam → record_result (per ExamItem, again until concluded) → conclude
        pass   → issue_certificate → (revoke)
        fail   → closed, with the condition that bars the trade
        retest → the items are recorded again, then conclude again

A certificate's number is the district's division code, the year of issue and ten random
digits (``230103`` ``2026`` ``4829173650``): 20 characters, unique, and one number tells
nothing of the next. It is valid from the issue date to the day before the same date a year
later (issued 29 February: to 28 February).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from shishi.appointments import feed, permissions, texts
from shishi.appointments import services as resident_services
from shishi.appointments.models import (
    Booking,
    BookingStatus,
    Conclusion,
    ExamItem,
    ExamResult,
    HealthCertificate,
    HealthExam,
    Resident,
    Trade,
)
from shishi.core import audit, masking, uploads
from shishi.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.fields import PersonalNumber
from shishi.core.inputs import has_control
from shishi.orgs.models import Unit

PHOTO_TYPES = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000
NUMBER_DIGITS = 10
NOT_YOURS = "只有本体检机构的工作人员和专班可以办理健康体检"


# --- numbers and dates -------------------------------------------------------------------------


def new_number(district_code: str, year: int) -> str:
    """A fresh certificate number: division code, year, ten random digits."""
    return f"{district_code}{year:04d}{secrets.randbelow(10**NUMBER_DIGITS):0{NUMBER_DIGITS}d}"


def valid_until(issued: dt.date) -> dt.date:
    """The last day of a year's validity: the day before the same date next year (a
    29 February issue runs to 28 February)."""
    try:
        anniversary = issued.replace(year=issued.year + 1)
    except ValueError:  # 29 February → 1 March of a common year
        anniversary = dt.date(issued.year + 1, 3, 1)
    return anniversary - dt.timedelta(days=1)


def verification_url(number: str) -> str:
    """The public page a certificate's QR code and SMS point at."""
    path = reverse("appointments_public:certificate", kwargs={"number": number})
    return settings.SHISHI_SITE_URL.rstrip("/") + path


# --- registration --------------------------------------------------------------------------------


@dataclass
class ExamInput:
    clinic_id: int
    trade: str
    employer: str = ""
    id_checked: bool = False
    photo: UploadedFile | None = None
    booking_id: int | None = None  # from a booking of a clinic service; else a walk-in
    resident_id: int | None = None  # found by ID number; else registered from the fields below
    name: str = ""
    id_number: str = ""
    phone: str = ""


def _check_photo(photo: UploadedFile | None, errors: dict[str, str]) -> None:
    if photo is None:
        errors["photo"] = "请拍摄或上传本人照片"
        return
    if (photo.size or 0) > PHOTO_MAX_BYTES:
        errors["photo"] = f"照片不能超过{PHOTO_MAX_BYTES // (1024 * 1024)}MB"
        return
    fmt, too_large = uploads.inspect_photo(photo, max_pixels=PHOTO_MAX_PIXELS)
    if not fmt:
        errors["photo"] = "照片无法识别：请上传JPG、PNG或WebP图片"
    elif fmt not in PHOTO_TYPES:
        errors["photo"] = "照片只能是JPG、PNG或WebP图片"
    elif too_large:
        errors["photo"] = "照片像素过大，请压缩后再上传"


def register_exam(jurisdiction_id: int, data: ExamInput, *, actor: Any) -> HealthExam:
    """Register a worker at the clinic: from a booking of a clinic service (its resident)
    or a walk-in (a resident found by ID number, or registered here); the ID card checked,
    a photo taken, the trade and employer."""
    if not permissions.runs_clinic(actor, jurisdiction_id, data.clinic_id):
        raise PermissionDenied(NOT_YOURS)
    errors: dict[str, str] = {}
    if data.trade not in Trade.values:
        errors["trade"] = "请选择从业类别"
    employer = (data.employer or "").strip()
    if len(employer) > 200 or has_control(employer):
        errors["employer"] = "工作单位最多200个字"
    if not data.id_checked:
        errors["id_checked"] = "请先核验本人居民身份证"
    _check_photo(data.photo, errors)
    booking: Booking | None = None
    resident: Resident | None = None
    if data.booking_id is not None:
        booking = (
            Booking.objects.select_related("service", "resident")
            .filter(
                pk=data.booking_id,
                jurisdiction_id=jurisdiction_id,
                service__unit_id=data.clinic_id,
                status=BookingStatus.BOOKED,
            )
            .first()
        )
        if booking is None or booking.resident is None:
            errors["booking"] = "没有找到本机构待体检的这个预约"
        elif HealthExam.objects.filter(booking=booking).exists():
            errors["booking"] = "这个预约已经登记过体检"
        else:
            resident = booking.resident
    elif data.resident_id is not None:
        resident = Resident.objects.filter(
            pk=data.resident_id, jurisdiction_id=jurisdiction_id
        ).first()
        if resident is None:
            errors["resident"] = "没有找到这位服务对象"
    elif (data.id_number or "").strip():
        try:
            number = PersonalNumber.of("id_number", data.id_number)
        except ValueError as exc:
            errors["id_number"] = str(exc)
        else:
            resident = Resident.objects.filter(
                jurisdiction_id=jurisdiction_id, id_hash=number.lookup_hash()
            ).first()
    else:
        errors["id_number"] = "请填写居民身份证号"
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    with uploads.atomic_with_files():
        if resident is None:  # a walk-in seen for the first time: registered now
            resident = _register_walk_in(jurisdiction_id, data, actor=actor)
        exam = HealthExam.objects.create(
            jurisdiction_id=jurisdiction_id,
            booking=booking,
            resident=resident,
            clinic_id=data.clinic_id,
            trade=data.trade,
            employer=employer,
            registered_at=timezone.now(),
            registered_by=actor,
            id_checked=True,
        )
        assert data.photo is not None
        field = HealthExam._meta.get_field("photo")
        path = field.generate_filename(exam, uploads.storage_name(data.photo.name))
        exam.photo.name = uploads.store(path, data.photo, max_length=300)
        exam.save(update_fields=["photo"])
        if booking is not None:
            Booking.objects.filter(pk=booking.pk).update(
                status=BookingStatus.DONE, version=booking.version + 1
            )
            # A clinic service may feed a ledger target too (its bookings done).
            feed.enqueue_feed(booking.service)
        audit.record(
            actor=actor,
            action="appointments.register_exam",
            target=exam,
            changes={
                "resident": [None, resident.pk],
                "clinic": [None, data.clinic_id],
                "trade": [None, data.trade],
                "booking": [None, booking.code if booking else "walk-in"],
            },
            jurisdiction_id=jurisdiction_id,
        )
    return exam


def _register_walk_in(jurisdiction_id: int, data: ExamInput, *, actor: Any) -> Resident:
    """A worker seen for the first time, registered by the clinic with the checks of
    ``services.register_resident`` (``services.add_resident``). The clinic registers for
    its examinations only, so this does not ask for the operators' permission."""
    return resident_services.add_resident(
        jurisdiction_id,
        resident_services.ResidentInput(
            name=data.name, id_number=data.id_number, phone=data.phone or ""
        ),
        actor=actor,
    )


# --- results and conclusion ---------------------------------------------------------------------


def _locked_exam(exam_id: int, expected_version: int | None) -> HealthExam:
    exam = HealthExam.objects.select_for_update().get(pk=exam_id)
    if expected_version is not None and exam.version != expected_version:
        raise StaleEdit("这份体检已被他人修改，请刷新后再改")
    return exam


def _bump(exam: HealthExam, **changes: Any) -> None:
    for name, value in changes.items():
        setattr(exam, name, value)
    exam.version += 1
    exam.updated_at = timezone.now()
    exam.save(update_fields=[*changes, "version", "updated_at"])


def _check_open(exam: HealthExam) -> None:
    if exam.conclusion in (Conclusion.PASS, Conclusion.FAIL):
        raise ValidationFailed(
            "这份体检已经作出结论，不能再修改", {"conclusion": "这份体检已经作出结论"}
        )


def record_result(
    exam: HealthExam,
    item: str,
    *,
    result: str,
    normal: bool,
    actor: Any,
    expected_version: int | None = None,
) -> ExamResult:
    """Record (or correct, before the conclusion; again after a re-test) one exam item."""
    if not permissions.runs_clinic(actor, exam.jurisdiction_id, exam.clinic_id):
        raise PermissionDenied(NOT_YOURS)
    errors: dict[str, str] = {}
    if item not in ExamItem.values:
        errors["item"] = "没有这个检查项目"
    text = (result or "").strip()
    if not text or len(text) > 200 or has_control(text):
        errors["result"] = "请填写检查结果（最多200个字）"
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    with transaction.atomic():
        locked = _locked_exam(exam.pk, expected_version)
        _check_open(locked)
        before = ExamResult.objects.filter(exam=locked, item=item).first()
        if before is None:
            row = ExamResult.objects.create(
                exam=locked, item=item, result=text, normal=normal, recorded_by=actor
            )
        else:
            before.result, before.normal, before.recorded_by = text, normal, actor
            before.save(update_fields=["result", "normal", "recorded_by", "updated_at"])
            row = before
        _bump(locked)
        audit.record(
            actor=actor,
            action="appointments.record_result",
            target=locked,
            changes={
                item: [
                    None if before is None else [before.result, before.normal],
                    [text, normal],
                ]
            },
            jurisdiction_id=locked.jurisdiction_id,
        )
    exam.version = locked.version
    return row


def conclude(
    exam: HealthExam,
    conclusion: str,
    *,
    actor: Any,
    barred_condition: str = "",
    expected_version: int | None = None,
) -> HealthExam:
    """Pass only when every item is recorded and normal; fail naming the condition that
    bars the trade; re-test when an item is to be examined again (the items are then
    recorded again and the exam concluded again)."""
    if not permissions.runs_clinic(actor, exam.jurisdiction_id, exam.clinic_id):
        raise PermissionDenied(NOT_YOURS)
    barred = (barred_condition or "").strip()
    if conclusion not in Conclusion.values:
        raise ValidationFailed("请选择结论", {"conclusion": "请选择结论"})
    with transaction.atomic():
        locked = _locked_exam(exam.pk, expected_version)
        _check_open(locked)
        results = {r.item: r for r in ExamResult.objects.filter(exam=locked)}
        missing = [str(label) for value, label in ExamItem.choices if value not in results]
        abnormal = [
            str(label)
            for value, label in ExamItem.choices
            if value in results and not results[value].normal
        ]
        if conclusion == Conclusion.PASS and (missing or abnormal):
            what = "、".join(missing) + "尚未记录" if missing else "、".join(abnormal) + "结果异常"
            raise ValidationFailed(
                f"全部检查项目记录且正常才能判定合格：{what}", {"conclusion": what}
            )
        if conclusion == Conclusion.FAIL and (
            not barred or len(barred) > 100 or has_control(barred)
        ):
            message = "判定不合格须写明有碍食品安全或公共卫生的疾病（最多100个字）"
            raise ValidationFailed(message, {"barred_condition": message})
        if conclusion == Conclusion.RETEST and not abnormal and not missing:
            message = "全部项目均正常，无须复检"
            raise ValidationFailed(message, {"conclusion": message})
        before = locked.conclusion
        _bump(
            locked,
            conclusion=conclusion,
            barred_condition=barred if conclusion == Conclusion.FAIL else "",
            concluded_at=timezone.now(),
            concluded_by=actor,
        )
        audit.record(
            actor=actor,
            action="appointments.conclude_exam",
            target=locked,
            changes={
                "conclusion": [before or None, conclusion],
                **({"barred_condition": [None, barred]} if conclusion == Conclusion.FAIL else {}),
            },
            jurisdiction_id=locked.jurisdiction_id,
        )
    return locked


# --- certificates ---------------------------------------------------------------------------------


def issue_certificate(
    exam: HealthExam, *, actor: Any, today: dt.date | None = None
) -> HealthCertificate:
    """The certificate of a passed examination (one per exam), valid a year from today;
    the holder texted its number and verification link."""
    if not permissions.runs_clinic(actor, exam.jurisdiction_id, exam.clinic_id):
        raise PermissionDenied(NOT_YOURS)
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = _locked_exam(exam.pk, None)
        if locked.conclusion != Conclusion.PASS:
            message = "体检结论为合格才能发证"
            raise ValidationFailed(message, {"conclusion": message})
        if HealthCertificate.objects.filter(exam=locked).exists():
            message = "这份体检已经发过健康证"
            raise ValidationFailed(message, {"exam": message})
        resident = locked.resident
        district_code = locked.jurisdiction.code
        for _attempt in range(5):
            number = new_number(district_code, today.year)
            try:
                with transaction.atomic():
                    certificate = HealthCertificate.objects.create(
                        jurisdiction_id=locked.jurisdiction_id,
                        number=number,
                        exam=locked,
                        resident=resident,
                        holder_name=resident.name,
                        trade=locked.trade,
                        issuer_id=locked.clinic_id,
                        valid_from=today,
                        valid_until=valid_until(today),
                    )
                break
            except IntegrityError:  # the number drawn already exists: draw again
                continue
        else:  # pragma: no cover - five collisions in 10^10
            raise ValidationFailed("证号生成失败，请重试", {"number": "证号生成失败，请重试"})
        _bump(locked)
        audit.record(
            actor=actor,
            action="appointments.issue_certificate",
            target=certificate,
            changes={
                "number": [None, number],
                "valid_until": [None, certificate.valid_until.isoformat()],
                "exam": [None, locked.pk],
            },
            jurisdiction_id=locked.jurisdiction_id,
        )
        if resident.phone:
            texts.send(
                jurisdiction_id=locked.jurisdiction_id,
                phone=resident.phone.reveal(),
                purpose="cert_issued",
                text=(
                    f"{resident.name}您好，您的健康证已办理，证号{number}，有效期至"
                    f"{certificate.valid_until:%Y年%m月%d日}。查验：{verification_url(number)}"
                ),
            )
    return certificate


def revoke(certificate: HealthCertificate, *, reason: str, actor: Any) -> HealthCertificate:
    """Revoke a certificate with a reason (the issuing clinic or the office); once."""
    if not permissions.reads_certificates(
        actor, certificate.jurisdiction_id, certificate.issuer_id
    ):
        raise PermissionDenied("只有发证机构和专班可以撤销健康证")
    text = (reason or "").strip()
    if not text or len(text) > 200 or has_control(text):
        message = "请写明撤销原因（最多200个字）"
        raise ValidationFailed(message, {"reason": message})
    with transaction.atomic():
        locked = HealthCertificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked_at is not None:
            raise StaleEdit("这张健康证已被撤销")
        locked.revoked_at = timezone.now()
        locked.revoke_reason = text
        locked.revoked_by = actor
        locked.save(update_fields=["revoked_at", "revoke_reason", "revoked_by", "updated_at"])
        audit.record(
            actor=actor,
            action="appointments.revoke_certificate",
            target=locked,
            changes={"revoked": [False, True], "reason": [None, text]},
            jurisdiction_id=locked.jurisdiction_id,
        )
    return locked


def reveal_id_number(certificate: HealthCertificate, *, actor: Any) -> str:
    """The holder's full ID number for the district's office (an audited ``pii.show``)."""
    if not permissions.is_office(actor, certificate.jurisdiction_id):
        raise PermissionDenied(masking.NOT_ALLOWED)
    resident = Resident.objects.filter(pk=certificate.resident_id).first()
    if resident is None:  # pragma: no cover - PROTECT keeps it
        raise NotFound("没有找到持证人")
    return masking.display(
        resident.id_number,
        viewer=masking.Viewer.OFFICE,
        show=True,
        actor=actor,
        target=certificate,
        field="id_number",
    )


def clinic_of(jurisdiction_id: int, clinic_id: int) -> Unit:
    """The clinic unit (for a page's heading), else ``NotFound``."""
    if clinic_id not in permissions.clinic_ids(jurisdiction_id):
        raise NotFound("没有找到这个体检机构")
    return Unit.objects.get(pk=clinic_id)
