"""Helpers of the health-certificate tests: the demo services of Nangang, a clinic worker,
a photo, a worker examined and passed."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shishi.appointments import certificates
from shishi.appointments.demo import seed_services
from shishi.appointments.models import ExamItem, HealthCertificate, HealthExam, Service
from shishi.conftest import PASSWORD, World
from shishi.core import pii
from shishi.orgs import services as org_services
from shishi.orgs.models import Role, Unit, User

PHONE = "13912345678"


@dataclass
class Clinic:
    service: Service
    unit: Unit
    doctor: User  # an editor of the clinic unit


def clinic_of(world: World) -> Clinic:
    seed_services({"230103": world.nangang})
    service = Service.objects.get(jurisdiction=world.nangang, code="health-exam")
    doctor = User.objects.create_user("doctor", password=PASSWORD)
    org_services.grant_role(doctor, Role.UNIT_EDITOR, world.nangang, unit=service.unit)
    return Clinic(service=service, unit=service.unit, doctor=doctor)


def id_number(born: dt.date = dt.date(1990, 5, 17), serial: str = "123") -> str:
    first17 = f"230103{born:%Y%m%d}{serial}"
    return first17 + pii.id_check_character(first17)


def photo(name: str = "face.png", fmt: str = "PNG") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), (200, 180, 160)).save(buffer, fmt)
    ctype = "image/png" if fmt == "PNG" else "image/jpeg"
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=ctype)


def register(
    world: World, clinic: Clinic, *, name: str = "王小明", serial: str = "123", phone: str = PHONE
) -> HealthExam:
    return certificates.register_exam(
        world.nangang.pk,
        certificates.ExamInput(
            clinic_id=clinic.unit.pk,
            trade="food",
            employer="南岗区某餐馆",
            id_checked=True,
            photo=photo(),
            name=name,
            id_number=id_number(serial=serial),
            phone=phone,
        ),
        actor=clinic.doctor,
    )


def record_all(exam: HealthExam, clinic: Clinic, *, abnormal: str = "") -> None:
    for item in ExamItem.values:
        certificates.record_result(
            exam,
            item,
            result="阳性（伤寒沙门菌）" if item == abnormal else "未见异常",
            normal=item != abnormal,
            actor=clinic.doctor,
        )


def certified(
    world: World,
    clinic: Clinic,
    *,
    name: str = "王小明",
    serial: str = "123",
    today: dt.date | None = None,
    phone: str = PHONE,
) -> HealthCertificate:
    exam = register(world, clinic, name=name, serial=serial, phone=phone)
    record_all(exam, clinic)
    certificates.conclude(exam, "pass", actor=clinic.doctor)
    return certificates.issue_certificate(exam, actor=clinic.doctor, today=today)
