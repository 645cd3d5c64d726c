"""The enterprise services' demo for Nangang (``seed_demo`` calls ``seed_enterprise``;
idempotent: each part is made only when the district has none of it yet, and the matches are
recomputed every run).

- the sample policy library (``demo_policies``: 60 policies, every condition kind, seven 免申即享);
- the fictional register (``demo_register``: 400 enterprises with valid USCCs);
- the stored matches (``matches.match_all``);
- pushes of the published policies to their eligible enterprises, about half read — but not
  of the policies published this last week, which the office can push itself;
- payouts (兑现) of the 免申即享 policies in every state;
- three service stations (益企工作站) and service requests in every state
  (``demo_requests``);
- two logins without a role in ``orgs``: ``qiye``, the contact of the demo enterprise
  (``Contact.user``), and ``yiqi``, staff of the first station (``orgs.demo.ENTERPRISE_LOGINS``
  lists them for the login hint).

The policy library and the register are written through the office's services
(``policy_services.create_policy``; ``register_services.save_enterprise``, ``add_contact``,
``update_contact``) with the district's office as the actor, so they pass the same checks and
leave the same audit events as real use; the publication step, the matches, pushes, payouts,
stations and requests are written by the demo itself (``demo_policies.seed_policies`` says
why publishing is), with one audit event for what a run made. Without a programme office in
the district there is no register (the services want one). Random choices come from
generators seeded with fixed strings; only the pushes' tokens are random (they are secrets).
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from shishi.core import audit, bulk
from shishi.enterprise import matches, register_services
from shishi.enterprise.demo_policies import STREETS, seed_policies
from shishi.enterprise.demo_register import seed_register, uscc_for
from shishi.enterprise.demo_requests import seed_requests, seed_stations
from shishi.enterprise.models import (
    Contact,
    Enterprise,
    Match,
    Payout,
    PayoutStatus,
    Policy,
    PolicyStatus,
    Push,
    ServiceRequest,
    Verdict,
)
from shishi.enterprise.register_services import ContactInput
from shishi.orgs import services as org_services
from shishi.orgs.demo import DEMO_PASSWORD, ENTERPRISE_LOGINS
from shishi.orgs.models import Jurisdiction, Membership, Role, Unit, User

DISTRICT = "230103"
QIYE_CONTACT = "赵雪"  # the demo enterprise's primary contact, the ``qiye`` login
UNPUSHED_DAYS = 7  # policies published this recently wait for the office to push them
READ_SHARE = 0.55

# 免申即享 payouts: the amount (万元) each enterprise gets, and who pays.
PAYOUTS: dict[str, tuple[Callable[[Enterprise], Decimal], str]] = {
    "失业保险稳岗返还": (
        lambda e: max(Decimal("0.05"), Decimal(e.employees or 1) * Decimal("0.03")),
        "区人力资源和社会保障局",
    ),
    "国家级专精特新“小巨人”企业省级奖励": (lambda e: Decimal(50), "区财政局"),
    "科技型中小企业入库奖励": (lambda e: Decimal(2), "区财政局"),
    "黑龙江省高新技术企业认定奖励": (lambda e: Decimal(10), "区财政局"),
    "南岗区首次升规工业企业奖励": (lambda e: Decimal(10), "区财政局"),
    "南岗区楼宇经济纳税贡献奖励": (
        lambda e: min(Decimal(50), (e.tax_paid or Decimal(0)) * Decimal("0.1")),
        "区财政局",
    ),
    "南岗区专精特新企业配套奖励": (lambda e: Decimal(10), "区财政局"),
}
REFUSALS = (
    "经核查，企业存在欠缴社会保险费情况，暂不予兑现。",
    "企业对公账户已注销，经联系未提供新账户，暂不予兑现。",
    "经核查，企业当年存在严重失信记录，不予兑现。",
)


@dataclass
class Summary:
    policies: int = 0
    enterprises: int = 0
    matches: int = 0
    pushes: int = 0
    payouts: int = 0
    requests: int = 0
    logins: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"惠企政策：{self.policies} 条，企业：{self.enterprises} 家，"
            f"政策匹配：{self.matches} 条，推送：{self.pushes} 条，"
            f"免申即享兑现：{self.payouts} 笔，企业诉求：{self.requests} 件"
        ]


def seed_enterprise(
    jurisdictions: dict[str, Jurisdiction],
    *,
    password: str = DEMO_PASSWORD,
    now: dt.datetime | None = None,
) -> Summary:
    """The enterprise demo of Nangang when the demo has it; the counts afterwards."""
    summary = Summary()
    district = jurisdictions.get(DISTRICT)
    if district is None:
        return summary
    now = now or timezone.now()
    today = timezone.localdate(now)
    made: dict[str, int] = {}
    password_hash = make_password(password)
    with transaction.atomic():
        street_ids = {
            name: org_services.ensure_unit(district, name, kind=Unit.Kind.STREET).pk
            for name in STREETS
        }
        office = _office(district)
        if not Policy.objects.filter(jurisdiction=district).exists():
            made["policies"] = len(seed_policies(district, street_ids, now, actor=office))
        if office is not None and not Enterprise.objects.filter(jurisdiction=district).exists():
            register_made = seed_register(district, street_ids, today, actor=office)
            made["enterprises"] = len(register_made.enterprises)
        register = list(Enterprise.objects.filter(jurisdiction=district).order_by("pk"))
        qiye_enterprise = next((e for e in register if e.uscc == uscc_for(1)), None)
        if not register or qiye_enterprise is None:
            return _summary(district, summary)
        register = [qiye_enterprise, *[e for e in register if e.pk != qiye_enterprise.pk]]
        stations = seed_stations(district, register, street_ids, password_hash)
        summary.logins = _link_contact(qiye_enterprise, password_hash, office)
        if not ServiceRequest.objects.filter(jurisdiction=district).exists():
            made["requests"] = seed_requests(district, register, stations, office, now)
    matches.match_all(district.pk, today=today)
    with transaction.atomic():
        policies = Policy.objects.filter(jurisdiction=district)
        if not Push.objects.filter(policy__in=policies).exists():
            made["pushes"] = _seed_pushes(district, now)
        if not Payout.objects.filter(policy__in=policies).exists():
            made["payouts"] = _seed_payouts(district, now)
        if made:
            audit.record(
                actor=None,
                action="enterprise.demo_seed",
                target=district,
                changes={key: [None, n] for key, n in made.items()},
                jurisdiction_id=district.pk,
            )
    return _summary(district, summary)


def _summary(district: Jurisdiction, summary: Summary) -> Summary:
    policies = Policy.objects.filter(jurisdiction=district)
    summary.policies = policies.count()
    summary.enterprises = Enterprise.objects.filter(jurisdiction=district).count()
    summary.matches = Match.objects.filter(policy__in=policies).count()
    summary.pushes = Push.objects.filter(policy__in=policies).count()
    summary.payouts = Payout.objects.filter(policy__in=policies).count()
    summary.requests = ServiceRequest.objects.filter(jurisdiction=district).count()
    return summary


def _office(district: Jurisdiction) -> User | None:
    found = (
        Membership.objects.filter(jurisdiction=district, role=Role.PROGRAMME_OFFICE)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return found.user if found else None


def _link_contact(enterprise: Enterprise, password_hash: str, office: User | None) -> list[str]:
    """``qiye`` as the demo enterprise's primary contact (through ``update_contact``, as the
    office would give a contact a login); the login lines for the command."""
    shown = dict((login.username, login.display_name) for login in ENTERPRISE_LOGINS)
    user = org_services.ensure_user("qiye", password_hash=password_hash, display_name=shown["qiye"])
    contact = enterprise.contacts.filter(is_primary=True).order_by("pk").first()
    if contact is not None and contact.user_id != user.pk and office is not None:
        register_services.update_contact(
            contact,
            ContactInput(
                name=QIYE_CONTACT,
                email=contact.email,  # the phone: an empty field keeps the stored one
                username=user.username,
                is_primary=True,
            ),
            actor=office,
        )
    return [
        f"{login.username:<20} {login.display_name}（{login.role}）" for login in ENTERPRISE_LOGINS
    ]


def _seed_pushes(district: Jurisdiction, now: dt.datetime) -> int:
    """Each published policy in force (but the last week's) pushed to its eligible
    enterprises' primary contacts, about half of them read."""
    rng = random.Random("enterprise-pushes-230103")
    cutoff = now - dt.timedelta(days=UNPUSHED_DAYS)
    policies = list(
        Policy.objects.filter(
            jurisdiction=district, status=PolicyStatus.PUBLISHED, published_at__lt=cutoff
        ).order_by("pk")
    )
    contacts = {
        c.enterprise_id: c
        for c in Contact.objects.filter(
            enterprise__jurisdiction=district, is_primary=True
        ).order_by("pk")
    }
    eligible = Match.objects.filter(policy__in=policies, verdict=Verdict.ELIGIBLE).order_by(
        "policy_id", "enterprise_id"
    )
    by_policy = {p.pk: p for p in policies}
    rows: list[tuple[Any, ...]] = []
    for policy_id, enterprise_id in eligible.values_list("policy_id", "enterprise_id"):
        policy = by_policy[policy_id]
        assert policy.published_at is not None
        contact = contacts.get(enterprise_id)
        channels = []
        if contact is not None:
            channels = [
                name
                for name, has in (
                    ("sms", bool(contact.phone)),
                    ("email", bool(contact.email)),
                    ("inbox", contact.user_id is not None),
                )
                if has
            ]
        sent = min(policy.published_at + dt.timedelta(hours=rng.uniform(1, 30)), now)
        read = None
        if channels and rng.random() < READ_SHARE:
            read = sent + dt.timedelta(hours=rng.uniform(0.2, 240))
            read = read if read < now else None
        rows.append(
            (
                policy_id,
                enterprise_id,
                contact.pk if contact is not None else None,
                ",".join(channels),
                secrets.token_urlsafe(32),
                sent if channels else None,
                read,
                sent,
                read or sent,
            )
        )
    return bulk.insert_many(
        Push,
        (
            "policy_id",
            "enterprise_id",
            "contact_id",
            "channels",
            "token",
            "sent_at",
            "read_at",
            "created_at",
            "updated_at",
        ),
        rows,
    )


def _seed_payouts(district: Jurisdiction, now: dt.datetime) -> int:
    """The 免申即享 policies' eligible enterprises listed for payout, older policies' mostly
    paid, newer ones' listed or handed to the paying department, a few refused."""
    rng = random.Random("enterprise-payouts-230103")
    today = timezone.localdate(now)
    policies = Policy.objects.filter(
        jurisdiction=district, status=PolicyStatus.PUBLISHED, no_apply=True
    ).order_by("pk")
    rows: list[tuple[Any, ...]] = []
    for policy in policies:
        amount_of, department = PAYOUTS.get(policy.title, (lambda e: Decimal(1), "区财政局"))
        assert policy.published_at is not None
        age = (now - policy.published_at).days
        listed_at = policy.published_at + dt.timedelta(days=2)
        enterprises = Enterprise.objects.filter(
            matches__policy=policy, matches__verdict=Verdict.ELIGIBLE
        ).order_by("pk")
        for enterprise in enterprises:
            roll = rng.random()
            if age >= 150:
                status = (
                    PayoutStatus.PAID
                    if roll < 0.85
                    else PayoutStatus.REFUSED
                    if roll < 0.9
                    else PayoutStatus.HANDED
                )
            elif age >= 100:
                status = (
                    PayoutStatus.PAID
                    if roll < 0.5
                    else PayoutStatus.HANDED
                    if roll < 0.9
                    else PayoutStatus.REFUSED
                    if roll < 0.95
                    else PayoutStatus.LISTED
                )
            else:
                status = PayoutStatus.LISTED if roll < 0.6 else PayoutStatus.HANDED
            amount, paid_on, note, dept = None, None, "", ""
            changed = listed_at
            if status in (PayoutStatus.HANDED, PayoutStatus.PAID):
                dept = department
                changed = listed_at + dt.timedelta(days=rng.randint(3, 10))
            if status == PayoutStatus.PAID:
                amount = amount_of(enterprise).quantize(Decimal("0.01"))
                paid_on = min(
                    timezone.localdate(listed_at) + dt.timedelta(days=rng.randint(15, 60)),
                    today,
                )
                changed = max(
                    changed, timezone.make_aware(dt.datetime.combine(paid_on, dt.time(10)))
                )
            if status == PayoutStatus.REFUSED:
                note = rng.choice(REFUSALS)
                changed = listed_at + dt.timedelta(days=rng.randint(5, 20))
            changed = min(changed, now)
            rows.append(
                (
                    policy.pk,
                    enterprise.pk,
                    status.value,
                    amount,
                    paid_on,
                    dept,
                    note,
                    listed_at,
                    changed,
                )
            )
    return bulk.insert_many(
        Payout,
        (
            "policy_id",
            "enterprise_id",
            "status",
            "amount",
            "paid_on",
            "department",
            "note",
            "created_at",
            "updated_at",
        ),
        rows,
    )
