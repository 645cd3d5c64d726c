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
