"""Demo health examinations and certificates (``seed_demo`` calls ``seed_certificates``
after ``seed_services``; idempotent: a district that has certificates is left alone).

For each demo district's clinic (the unit of its ``health-exam`` service): fictional food
and public-place workers with valid ID numbers (GB 11643 check character from
``core.pii``) and fictional mobiles, examinations in every stage (registered, results
half entered, re-test, failed with the barred condition, passed awaiting the certificate)
and certificates in every status — valid, some expiring within 30 days, expired, revoked,
and one holder re-certified after expiry. Written with the ORM as of today (no SMS is sent,
no photo stored)."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from shishi.appointments import eligibility
from shishi.appointments.certificates import new_number, valid_until
from shishi.appointments.models import (
    Conclusion,
    ExamItem,
    ExamResult,
    HealthCertificate,
    HealthExam,
    Resident,
    Service,
)
from shishi.core import pii
from shishi.core.fields import PersonalNumber
from shishi.orgs.models import Jurisdiction, User

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗欧阳"
GIVEN = ("建国", "秀英", "海涛", "丽华", "志强", "晓燕", "明", "静", "伟", "芳", "子涵", "雨桐")
EMPLOYERS = ("南岗区某餐馆", "学府路某面包房", "某连锁超市", "某宾馆", "某洗浴中心", "某学校食堂")
# (stage, how many): the certificates' statuses and the examinations' stages.
PLAN = (
    ("valid", 8),
    ("expiring", 3),
    ("expired", 3),
    ("revoked", 2),
    ("reissued", 1),
    ("registered", 2),
    ("partial", 2),
    ("retest", 1),
    ("failed", 1),
    ("passed", 1),
)
NORMAL = {
    ExamItem.PHYSICAL: "未见异常",
    ExamItem.ALT: "ALT 28 U/L",
    ExamItem.STOOL: "未检出沙门菌、志贺菌",
    ExamItem.CHEST: "心肺膈未见异常",
}


def _id_number(district: str, born: dt.date, serial: int) -> str:
    first17 = f"{district}{born:%Y%m%d}{serial:03d}"
    return first17 + pii.id_check_character(first17)


def seed_certificates(jurisdictions: dict[str, Jurisdiction]) -> int:
    """The demo examinations and certificates; how many certificates exist afterwards."""
    today = timezone.localdate()
    for code, district in sorted(jurisdictions.items()):
        service = Service.objects.filter(jurisdiction=district, code="health-exam").first()
        if service is None or HealthCertificate.objects.filter(jurisdiction=district).exists():
            continue
        _seed_district(district, service, today, random.Random(int(code)))
    return HealthCertificate.objects.filter(jurisdiction__in=jurisdictions.values()).count()


def _seed_district(
    district: Jurisdiction, service: Service, today: dt.date, rng: random.Random
) -> None:
    actor = User.objects.filter(is_superuser=True).order_by("pk").first()
    serial = 500
    with transaction.atomic():
        for stage, count in PLAN:
            for _ in range(count):
                serial += 1
                born = dt.date(
                    1970 + rng.randrange(35), 1 + rng.randrange(12), 1 + rng.randrange(28)
                )
                number = _id_number(district.code, born, serial)
                name = rng.choice(SURNAMES) + rng.choice(GIVEN)
                resident = Resident.objects.filter(
                    jurisdiction=district,
                    id_hash=PersonalNumber.of("id_number", number).lookup_hash(),
                ).first() or Resident.objects.create(
                    jurisdiction=district,
                    name=name,
                    id_number=number,
                    birth_date=eligibility.birth_date(number),
                    phone=f"1390451{serial:04d}",
                )
                _one(district, service, resident, stage, today, rng, actor)


def _exam(
    district: Jurisdiction,
    service: Service,
    resident: Resident,
    at: dt.datetime,
    rng: random.Random,
    actor: User | None,
) -> HealthExam:
    return HealthExam.objects.create(
        jurisdiction=district,
        resident=resident,
        clinic=service.unit,
        trade=rng.choice(("food", "food", "public_place")),
        employer=rng.choice(EMPLOYERS),
        registered_at=at,
        registered_by=actor,
        id_checked=True,
    )


def _results(exam: HealthExam, items: list[str], actor: User | None, bad: str = "") -> None:
    if actor is None:
        return
    for item in items:
        ExamResult.objects.create(
            exam=exam,
            item=item,
            result="阳性（痢疾志贺菌）" if item == bad else NORMAL[ExamItem(item)],
            normal=item != bad,
            recorded_by=actor,
        )


def _certificate(exam: HealthExam, issued: dt.date) -> HealthCertificate:
    return HealthCertificate.objects.create(
        jurisdiction=exam.jurisdiction,
        number=new_number(exam.jurisdiction.code, issued.year),
        exam=exam,
        resident=exam.resident,
        holder_name=exam.resident.name,
        trade=exam.trade,
        issuer=exam.clinic,
        valid_from=issued,
        valid_until=valid_until(issued),
    )


def _one(
    district: Jurisdiction,
    service: Service,
    resident: Resident,
    stage: str,
    today: dt.date,
    rng: random.Random,
    actor: User | None,
) -> None:
    issued = {
        "valid": today - dt.timedelta(days=rng.randrange(10, 300)),
        "expiring": today - dt.timedelta(days=365 - rng.randrange(3, 28)),
        "expired": today - dt.timedelta(days=rng.randrange(380, 500)),
        "revoked": today - dt.timedelta(days=rng.randrange(30, 200)),
        "reissued": today - dt.timedelta(days=rng.randrange(380, 420)),
    }.get(stage, today - dt.timedelta(days=rng.randrange(0, 3)))
    at = timezone.make_aware(dt.datetime.combine(issued - dt.timedelta(days=3), dt.time(9, 30)))
    exam = _exam(district, service, resident, at, rng, actor)
    items = list(ExamItem.values)
    if stage == "registered":
        return
    if stage == "partial":
        _results(exam, items[:2], actor)
        return
    if stage in ("retest", "failed"):
        _results(exam, items, actor, bad=ExamItem.STOOL)
        exam.conclusion = Conclusion.RETEST if stage == "retest" else Conclusion.FAIL
        exam.barred_condition = "细菌性痢疾" if stage == "failed" else ""
        exam.concluded_at, exam.concluded_by = at, actor
        exam.save()
        return
    _results(exam, items, actor)
    exam.conclusion, exam.concluded_at, exam.concluded_by = Conclusion.PASS, at, actor
    exam.save()
    if stage == "passed":
        return
    cert = _certificate(exam, issued)
    if stage == "revoked":
        cert.revoked_at = timezone.make_aware(
            dt.datetime.combine(issued + dt.timedelta(days=20), dt.time(15))
        )
        cert.revoke_reason = "复查发现患有有碍食品安全的疾病"
        cert.revoked_by = actor
        cert.save()
    if stage == "reissued":  # the same worker examined again after the first expired
        again = today - dt.timedelta(days=rng.randrange(5, 20))
        moment = timezone.make_aware(dt.datetime.combine(again, dt.time(9)))
        second = _exam(district, service, resident, moment, rng, actor)
        _results(second, items, actor)
        second.conclusion, second.concluded_at, second.concluded_by = (
            Conclusion.PASS,
            moment,
            actor,
        )
        second.save()
        _certificate(second, again)
