"""A small register for the push, payout, API and contact-page tests: one published policy
(营业收入不低于500万元), three Nangang enterprises (eligible, possible, ineligible), one in
Hulan, and contacts (one with a login)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from shishi.conftest import World
from shishi.core.uscc import check_character
from shishi.enterprise import matches
from shishi.enterprise.models import (
    ConditionKind,
    Contact,
    Enterprise,
    Policy,
    PolicyCondition,
    PolicyStatus,
)
from shishi.orgs import services as org_services
from shishi.orgs.models import Jurisdiction, User

PASSWORD = "pw-test-123"


def uscc(n: int, district: str = "230103") -> str:
    first17 = f"91{district}{n:09d}"
    return first17 + check_character(first17)


def enterprise(where: Jurisdiction, n: int, name: str, **values: object) -> Enterprise:
    return Enterprise.objects.create(
        jurisdiction=where, uscc=uscc(n, where.code), name=name, industry_code="I6513", **values
    )


def policy(world: World, title: str = "软件企业营业收入奖励", **values: object) -> Policy:
    values.setdefault("status", PolicyStatus.PUBLISHED)
    values.setdefault("published_at", timezone.now())
    made = Policy.objects.create(
        jurisdiction=world.nangang,
        title=title,
        doc_number="南政规〔2026〕3号",
        level="district",
        benefit="award",
        amount_text="一次性奖励10万元",
        guide="登录政务服务网申报",
        contact="区发改局 0451-86000000",
        **values,
    )
    PolicyCondition.objects.create(
        policy=made, kind=ConditionKind.REVENUE_MIN, params={"value": 500}
    )
    return made


@dataclass
class Reg:
    world: World
    policy: Policy
    rich: Enterprise  # eligible (营业收入800万元)
    unknown: Enterprise  # possible (营业收入未登记)
    poor: Enterprise  # ineligible (营业收入10万元)
    hulan: Enterprise
    rich_contact: Contact  # phone, e-mail and a login
    unknown_contact: Contact  # e-mail only
    contact_user: User
    other_contact_user: User  # the login of the poor enterprise's contact


@pytest.fixture
def reg(world: World) -> Reg:
    rich = enterprise(world.nangang, 1, "南岗软件科技有限公司", revenue=Decimal(800))
    unknown = enterprise(world.nangang, 2, "南岗数据服务有限公司")
    poor = enterprise(world.nangang, 3, "南岗小微工作室", revenue=Decimal(10))
    hulan = enterprise(world.hulan, 4, "呼兰软件有限公司", revenue=Decimal(900))
    contact_user = org_services.ensure_user("contact_a", password=PASSWORD, display_name="张经理")
    other = org_services.ensure_user("contact_c", password=PASSWORD, display_name="李经理")
    rich_contact = Contact.objects.create(
        enterprise=rich,
        name="张经理",
        phone="13912345678",
        email="zhang@example.com",
        user=contact_user,
        is_primary=True,
    )
    unknown_contact = Contact.objects.create(
        enterprise=unknown, name="王会计", email="wang@example.com"
    )
    Contact.objects.create(enterprise=poor, name="李经理", phone="13800001111", user=other)
    made = policy(world)
    matches.store_matches(made)
    return Reg(
        world=world,
        policy=made,
        rich=rich,
        unknown=unknown,
        poor=poor,
        hulan=hulan,
        rich_contact=rich_contact,
        unknown_contact=unknown_contact,
        contact_user=contact_user,
        other_contact_user=other,
    )
