"""Reads of health examinations and certificates: the public verification (one indexed
query by number), the clinic's day, an examination's page, the district's certificates by
status, the office API's page, the figure of workers certified."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone

from shishi.appointments import permissions
from shishi.appointments.models import (
    Booking,
    BookingStatus,
    ExamItem,
    ExamResult,
    HealthCertificate,
    HealthExam,
)
from shishi.core.errors import NotFound, PermissionDenied, ValidationFailed
from shishi.orgs.models import Jurisdiction, Unit
from shishi.orgs.permissions import scope_for

STATUSES = ("valid", "expired", "revoked")
STATUS_LABELS = {"valid": "有效", "expired": "已过期", "revoked": "已撤销"}
EXPIRING_DAYS = 30
PAGE_SIZE = 25
NUMBER_CHARS = 20


def mask_name(name: str) -> str:
    """A holder's name for the public: the first and last characters kept, those between
    starred (王*明, 欧**华); two characters keep the first (王*); one is starred."""
    text = "".join((name or "").split())
    if len(text) <= 1:
        return "*" if text else ""
    if len(text) == 2:
        return text[0] + "*"
    return text[0] + "*" * (len(text) - 2) + text[-1]


def status_of(revoked_at: dt.datetime | None, until: dt.date, today: dt.date) -> str:
    if revoked_at is not None:
        return "revoked"
    return "expired" if until < today else "valid"


def status_filter(status: str, today: dt.date) -> Q:
    if status == "revoked":
        return Q(revoked_at__isnull=False)
    if status == "expired":
        return Q(revoked_at__isnull=True, valid_until__lt=today)
    return Q(revoked_at__isnull=True, valid_until__gte=today)


# --- public verification -------------------------------------------------------------------


def is_number_shape(number: str) -> bool:
    return 0 < len(number) <= NUMBER_CHARS and number.isascii() and number.isalnum()


def verify(number: str, *, today: dt.date) -> dict[str, Any]:
    """What anyone may know of certificate ``number``: exactly the public JSON's keys (the
    holder masked; nothing of the ID number, phone or photo). One query on the unique
    index of ``number``. Unknown → ``NotFound``."""
    if not is_number_shape(number):
        raise NotFound("没有找到这个健康证")
    row = (
        HealthCertificate.objects.filter(number=number)
        .values_list(
            "number", "holder_name", "valid_from", "valid_until", "revoked_at", "issuer__name"
        )
        .first()
    )
    if row is None:
        raise NotFound("没有找到这个健康证")
    number, holder, valid_from, until, revoked_at, issuer = row
    return {
        "number": number,
        "status": status_of(revoked_at, until, today),
        "holder": mask_name(holder),
        "valid_from": valid_from.isoformat(),
        "valid_until": until.isoformat(),
        "issuer": issuer,
    }


# --- the clinic's pages ---------------------------------------------------------------------


@dataclass
class ClinicDay:
    jurisdiction: Jurisdiction
    clinic: Unit
    clinics: list[Unit]  # the clinics this user may switch between
    day: dt.date
    bookings: list[Booking]  # today's bookings of the clinic not yet registered
    exams: list[HealthExam]  # registered today
    open_exams: list[HealthExam]  # registered before today, not yet concluded or issued


def user_clinics(user: Any) -> list[Unit]:
    """The clinics ``user`` runs: their own, and every clinic of the districts they are the
    office of."""
    from shishi.appointments.models import Service, Where

    scope = scope_for(user)
    ids = permissions.staffed_clinic_ids(user)
    offices = scope.office_covered_ids()
    services = Service.objects.filter(where=Where.CLINIC, is_active=True)
    if scope.is_superuser:
        ids |= set(services.values_list("unit_id", flat=True))
    elif offices:
        ids |= set(services.filter(jurisdiction_id__in=offices).values_list("unit_id", flat=True))
    return list(
        Unit.objects.filter(pk__in=ids)
        .select_related("jurisdiction")
        .order_by("jurisdiction__code", "name")
    )


def clinic_day(user: Any, clinic_id: int | None, day: dt.date) -> ClinicDay:
    clinics = user_clinics(user)
    if not clinics:
        raise PermissionDenied("只有体检机构的工作人员和专班可以办理健康体检")
    clinic = next((c for c in clinics if c.pk == clinic_id), clinics[0])
    bookings = list(
        Booking.objects.filter(
            service__unit=clinic,
            jurisdiction_id=clinic.jurisdiction_id,
            slot__day=day,
            status=BookingStatus.BOOKED,
            exam__isnull=True,
        )
        .select_related("resident", "slot", "service")
        .order_by("slot__period", "created_at")
    )
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
    exams = list(
        HealthExam.objects.filter(clinic=clinic, registered_at__gte=start, registered_at__lt=end)
        .select_related("resident")
        .order_by("-registered_at")
    )
    open_exams = list(
        HealthExam.objects.filter(clinic=clinic, registered_at__lt=start)
        .filter(Q(conclusion__in=("", "retest")) | Q(conclusion="pass", certificate__isnull=True))
        .select_related("resident")
        .order_by("-registered_at")[:50]
    )
    return ClinicDay(
        jurisdiction=clinic.jurisdiction,
        clinic=clinic,
        clinics=clinics,
        day=day,
        bookings=bookings,
        exams=exams,
        open_exams=open_exams,
    )


@dataclass
class ResultRow:
    item: str
    label: str
    result: ExamResult | None


@dataclass
class ExamPage:
    exam: HealthExam
    rows: list[ResultRow]
    certificate: HealthCertificate | None
    id_tail: str
    can_pass: bool
    open: bool = True
    missing: list[str] = field(default_factory=list)


def access_exam(user: Any, pk: int) -> HealthExam:
    exam = (
        HealthExam.objects.select_related("resident", "clinic", "jurisdiction", "booking")
        .filter(pk=pk)
        .first()
    )
    if exam is None or not permissions.runs_clinic(user, exam.jurisdiction_id, exam.clinic_id):
        raise NotFound("没有找到这份体检")
    return exam


def exam_page(user: Any, pk: int) -> ExamPage:
    exam = access_exam(user, pk)
    results = {r.item: r for r in ExamResult.objects.filter(exam=exam)}
    rows = [ResultRow(value, str(label), results.get(value)) for value, label in ExamItem.choices]
    certificate = HealthCertificate.objects.filter(exam=exam).first()
    missing = [r.label for r in rows if r.result is None]
    return ExamPage(
        exam=exam,
        rows=rows,
        certificate=certificate,
        id_tail=exam.resident.id_number.reveal()[-4:],
        can_pass=not missing and all(r.result is not None and r.result.normal for r in rows),
        open=exam.conclusion not in ("pass", "fail"),
        missing=missing,
    )


# --- certificates -----------------------------------------------------------------------------


@dataclass
class CertificateFilters:
    status: str = ""  # "", valid, expired, revoked
    expiring: bool = False  # valid, ending within EXPIRING_DAYS
    number: str = ""


def readable_certificates(user: Any) -> QuerySet[HealthCertificate]:
    """The certificates ``user`` may read: the districts they are the office of, the
    clinics they work at."""
    scope = scope_for(user)
    if scope.is_superuser:
        return HealthCertificate.objects.all()
    where = Q(pk__in=[])
    offices = scope.office_covered_ids()
    if offices:
        where |= Q(jurisdiction_id__in=offices)
    clinics = permissions.staffed_clinic_ids(user)
    if clinics:
        where |= Q(issuer_id__in=clinics)
    return HealthCertificate.objects.filter(where)


def filtered_certificates(
    user: Any, filters: CertificateFilters, *, today: dt.date
) -> QuerySet[HealthCertificate]:
    qs = readable_certificates(user)
    if filters.status in STATUSES:
        qs = qs.filter(status_filter(filters.status, today))
    if filters.expiring:
        qs = qs.filter(
            status_filter("valid", today),
            valid_until__lte=today + dt.timedelta(days=EXPIRING_DAYS),
        )
    if filters.number:
        qs = qs.filter(number__startswith=filters.number.strip())
    return qs


@dataclass
class CertRow:
    certificate: HealthCertificate
    holder: str
    status: str
    status_label: str


def _row(c: HealthCertificate, today: dt.date) -> CertRow:
    status = status_of(c.revoked_at, c.valid_until, today)
    return CertRow(c, mask_name(c.holder_name), status, STATUS_LABELS[status])


def certificate_page(
    user: Any, filters: CertificateFilters, page: Any, *, today: dt.date
) -> tuple[Page, list[CertRow]]:
    if not user_clinics(user) and not scope_for(user).is_any_office():
        raise PermissionDenied("只有体检机构的工作人员和专班可以查看健康证")
    qs = filtered_certificates(user, filters, today=today).select_related("issuer")
    paged = Paginator(qs.order_by("-valid_from", "-id"), PAGE_SIZE).get_page(page)
    return paged, [_row(c, today) for c in paged.object_list]


def office_districts(user: Any) -> list[tuple[str, str]]:
    """(code, name) of the districts ``user`` is the office of (who export)."""
    scope = scope_for(user)
    qs = Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT)
    if not scope.is_superuser:
        qs = qs.filter(pk__in=scope.office_covered_ids())
    return list(qs.order_by("code").values_list("code", "name"))


def access_certificate(user: Any, pk: int) -> HealthCertificate:
    c = (
        HealthCertificate.objects.select_related("issuer", "jurisdiction", "exam", "revoked_by")
        .filter(pk=pk)
        .first()
    )
    if c is None or not permissions.reads_certificates(user, c.jurisdiction_id, c.issuer_id):
        raise NotFound("没有找到这张健康证")
    return c


def certificate_row(c: HealthCertificate, today: dt.date) -> CertRow:
    return _row(c, today)


# --- the office API ---------------------------------------------------------------------------


def api_page(
    user: Any,
    *,
    status: str | None,
    jurisdiction_code: str | None,
    offset: int,
    limit: int,
    today: dt.date,
) -> tuple[int, list[dict[str, Any]]]:
    """The office's page of certificates (no ID numbers; the holder masked)."""
    scope = scope_for(user)
    offices = scope.office_covered_ids()
    if not (offices or scope.is_superuser):
        raise PermissionDenied("只有专班可以查询健康证")
    qs = (
        HealthCertificate.objects.all()
        if scope.is_superuser
        else HealthCertificate.objects.filter(jurisdiction_id__in=offices)
    )
    if jurisdiction_code:
        district = Jurisdiction.objects.filter(code=jurisdiction_code).first()
        if district is None or not (scope.is_superuser or district.pk in offices):
            raise NotFound("没有找到这个区县")
        qs = qs.filter(jurisdiction=district)
    if status:
        if status not in STATUSES:
            message = "status 只能是 valid、expired 或 revoked"
            raise ValidationFailed(message, {"status": message})
        qs = qs.filter(status_filter(status, today))
    count = qs.count()
    rows = list(
        qs.order_by("-valid_from", "-id").select_related("issuer", "jurisdiction")[
            offset : offset + limit
        ]
    )
    return count, [
        {
            "number": c.number,
            "jurisdiction": c.jurisdiction.code,
            "status": status_of(c.revoked_at, c.valid_until, today),
            "holder": mask_name(c.holder_name),
            "trade": c.trade,
            "valid_from": c.valid_from,
            "valid_until": c.valid_until,
            "issuer": c.issuer.name,
            "revoked_at": c.revoked_at,
            "revoke_reason": c.revoke_reason,
        }
        for c in rows
    ]


# --- figures ----------------------------------------------------------------------------------


def workers_certified(jurisdiction_id: int, *, until: dt.date | None = None) -> int:
    """Distinct people with a certificate ever issued in the district (by ``until``)."""
    qs = HealthCertificate.objects.filter(jurisdiction_id=jurisdiction_id)
    if until is not None:
        qs = qs.filter(valid_from__lte=until)
    return qs.values("resident_id").distinct().count()
