"""Demo services (``seed_demo`` calls ``seed_services``; idempotent): for each demo
district, the home visit for residents aged 70 and over or who can no longer live on their
own (``home-visit``, 帮办代办, delivered by the district's civil affairs bureau), the on-site
business service for enterprises in the listed buildings and key projects, and the
health-certificate examination."""

from __future__ import annotations

from typing import Any

from shishi.appointments.models import Match, Service, Where
from shishi.orgs import services as org_services
from shishi.orgs.models import Jurisdiction, Unit

DEMO_DISTRICTS = ("230103", "230111", "230113")
# (code, name, unit, where, per staff day, bring, rules, match)
SERVICES: tuple[tuple[Any, ...], ...] = (
    (
        "home-visit",
        "70岁以上老人和生活不能自理人员上门帮办代办",
        "区民政局",
        Where.HOME,
        4,
        "居民身份证、户口簿；代办事项所需材料",
        [{"kind": "age", "min": 70}, {"kind": "confirm", "text": "生活不能自理"}],
        Match.ANY,
    ),
    (
        "enterprise-visit",
        "重点楼宇和重点项目企业上门服务",
        "区营商环境建设局",
        Where.ENTERPRISE,
        3,
        "营业执照或名称预先核准材料、法定代表人身份证",
        [{"kind": "place", "places": ["哈尔滨科技创新城", "南岗区数字经济产业园"]}],
        Match.ALL,
    ),
    (
        "health-exam",
        "从业人员健康体检（电子健康证）",
        "区疾病预防控制中心",
        Where.CLINIC,
        40,
        "居民身份证；空腹",
        [],
        Match.ALL,
    ),
)


def seed_services(jurisdictions: dict[str, Jurisdiction]) -> int:
    """The demo services of every demo district present; how many there are afterwards."""
    for code in DEMO_DISTRICTS:
        district = jurisdictions.get(code)
        if district is None:
            continue
        for key, name, unit, where, per_day, bring, rules, match in SERVICES:
            Service.objects.get_or_create(
                jurisdiction=district,
                code=key,
                defaults={
                    "name": name,
                    "unit": org_services.ensure_unit(district, unit, kind=Unit.Kind.BUREAU),
                    "where": where,
                    "per_staff_day": per_day,
                    "bring": bring,
                    "rules": rules,
                    "match": match,
                },
            )
    return Service.objects.filter(jurisdiction__code__in=DEMO_DISTRICTS).count()


def seed_clinic_login(jurisdictions: dict[str, Jurisdiction], password: str) -> list[str]:
    """Nangang's clinic doctor ``jiankang`` (staff of its health-exam service), so the demo
    can walk the examination; returns the appointment services' demo logins, each with what
    it is for, for ``seed_demo``'s list."""
    from shishi.appointments.models import Staff
    from shishi.orgs.models import Role

    district = jurisdictions.get("230103")
    if district is None:
        return []
    exam = Service.objects.filter(jurisdiction=district, code="health-exam").first()
    if exam is not None:
        doctor = org_services.ensure_user(
            "jiankang", password=password, display_name="区疾控中心体检医生 林静"
        )
        org_services.grant_role(doctor, Role.UNIT_EDITOR, district, unit=exam.unit)
        Staff.objects.get_or_create(service=exam, user=doctor)
    return [
        "minzheng             南岗区民政局上门服务人员（我的上门服务）",
        "230103-yingshang     南岗区营商环境建设局企业上门服务人员",
        "jiankang             南岗区疾控中心体检医生（健康体检、电子健康证）",
    ]
