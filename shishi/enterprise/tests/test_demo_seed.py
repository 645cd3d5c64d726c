"""The enterprise demo: a sample library of at least 50 policies with every condition kind
(marked as samples), several hundred fictional enterprises with valid USCCs and existing
industry codes, stored matches, pushes, payouts in every state, three stations, requests in
every state and outcome, the two logins — and a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.core import uscc
from shishi.core.audit import AuditEvent
from shishi.enterprise import demo, industry, policy_sheet
from shishi.enterprise.demo_register import ENTERPRISES
from shishi.enterprise.matching import Condition, compile_policy
from shishi.enterprise.models import (
    ConditionKind,
    Contact,
    Enterprise,
    Match,
    Payout,
    PayoutStatus,
    Policy,
    PolicyCondition,
    PolicyStatus,
    Push,
    Qualification,
    RequestEvent,
    RequestOutcome,
    RequestStatus,
    ServiceRequest,
    Station,
)
from shishi.enterprise.size import classify
from shishi.orgs.demo import ENTERPRISE_LOGINS, login_hint
from shishi.orgs.models import Unit

pytestmark = pytest.mark.django_db
CN = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 6, 20, 12, 0, tzinfo=CN)
PASSWORD = "demo-pw-1"


def _seed(world: World, now: dt.datetime = NOW) -> demo.Summary:
    return demo.seed_enterprise({"230103": world.nangang}, password=PASSWORD, now=now)


def test_the_enterprise_demo_has_everything_and_runs_twice_alike(world: World) -> None:
    started = time.perf_counter()
    first = _seed(world)
    assert time.perf_counter() - started < 10
    check_policies(world)
    check_register(world)
    check_matches_pushes_and_payouts(world)
    check_stations_and_requests(world)
    check_logins(world)
    check_written_through_the_services(world)
    assert AuditEvent.objects.filter(action="enterprise.demo_seed").count() == 1

    counts = (
        Policy.objects.count(),
        Enterprise.objects.count(),
        Contact.objects.count(),
        Push.objects.count(),
        Payout.objects.count(),
        ServiceRequest.objects.count(),
        RequestEvent.objects.count(),
        Station.objects.count(),
    )
    second = _seed(world, NOW + dt.timedelta(days=2))
    assert (second.policies, second.enterprises, second.pushes, second.requests) == (
        first.policies,
        first.enterprises,
        first.pushes,
        first.requests,
    )
    assert counts == (
        Policy.objects.count(),
        Enterprise.objects.count(),
        Contact.objects.count(),
        Push.objects.count(),
        Payout.objects.count(),
        ServiceRequest.objects.count(),
        RequestEvent.objects.count(),
        Station.objects.count(),
    )
    assert AuditEvent.objects.filter(action="enterprise.demo_seed").count() == 1
    assert any("惠企政策" in line for line in second.lines())


def check_policies(world: World) -> None:
    policies = Policy.objects.filter(jurisdiction=world.nangang)
    assert policies.count() >= 50
    statuses = set(policies.values_list("status", flat=True))
    assert statuses == set(PolicyStatus.values)
    assert policies.filter(status=PolicyStatus.PUBLISHED).count() >= 0.8 * policies.count()
    assert set(policies.values_list("level", flat=True)) == {
        "national",
        "provincial",
        "city",
        "district",
    }
    kinds = set(PolicyCondition.objects.values_list("kind", flat=True))
    assert kinds == set(ConditionKind.values)
    # Every one marked as a sample: the 文号 and the guide say so.
    for policy in policies:
        assert "示例" in policy.doc_number and "演示数据" in policy.guide, policy.title
        assert policy.amount_text and policy.materials and policy.contact and policy.issuer
        assert policy.valid_from and policy.valid_until and policy.valid_from < policy.valid_until
        assert policy.conditions.exists(), policy.title
    # Several 免申即享, all structured.
    no_apply = policies.filter(no_apply=True)
    assert no_apply.count() >= 5
    assert not PolicyCondition.objects.filter(policy__in=no_apply, kind=ConditionKind.TEXT).exists()
    # Industry codes exist; streets are Nangang's street units.
    streets = set(
        Unit.objects.filter(jurisdiction=world.nangang, kind=Unit.Kind.STREET).values_list(
            "pk", flat=True
        )
    )
    for c in PolicyCondition.objects.all():
        if c.kind in (ConditionKind.INDUSTRY_ANY, ConditionKind.INDUSTRY_NONE):
            assert all(industry.normalize(code) == code for code in c.params["codes"])
        if c.kind == ConditionKind.STREET_IN:
            assert c.params["streets"] and set(c.params["streets"]) <= streets
    # The expired ones have lapsed; the published ones are in force.
    today = NOW.date()
    for policy in policies.filter(status=PolicyStatus.EXPIRED):
        assert policy.valid_until is not None and policy.valid_until < today
    for policy in policies.filter(status=PolicyStatus.PUBLISHED):
        assert policy.published_at is not None and policy.published_at <= NOW
        assert len(policy.content_hash) == 64  # as publishing sets it


def check_register(world: World) -> None:
    register = Enterprise.objects.filter(jurisdiction=world.nangang)
    assert register.count() == ENTERPRISES >= 300
    names = list(register.values_list("name", flat=True))
    assert len(set(names)) == len(names)
    streets = set(
        Unit.objects.filter(jurisdiction=world.nangang, kind=Unit.Kind.STREET).values_list(
            "pk", flat=True
        )
    )
    sections = set()
    for e in register.prefetch_related("contacts"):
        assert uscc.is_valid_uscc(e.uscc) and e.uscc.startswith("91230103"), e.uscc
        assert e.industry_code == "" or industry.is_valid(e.industry_code), e.industry_code
        if e.industry_code:
            sections.add(e.industry_code[0])
            expected = classify(
                e.industry_code,
                employees=e.employees,
                revenue=e.revenue,
                total_assets=e.total_assets,
            ).size
            assert e.size == (expected or ""), e.name
        assert e.street_id is None or e.street_id in streets
        assert e.address.startswith("南岗区")
        contacts = list(e.contacts.all())
        assert sum(c.is_primary for c in contacts) == 1
        for c in contacts:
            assert c.email == "" or c.email.endswith("@example.com")
            assert c.phone == "" or c.phone.reveal().startswith("1390000")
    assert {"C", "E", "F", "H", "I", "L"} <= sections
    # Some figures not reported (unknown), never zero for it.
    assert register.filter(revenue__isnull=True).exists()
    assert register.filter(tax_paid__isnull=True).exists()
    assert register.filter(total_assets__isnull=True).exists()
    assert set(register.values_list("size", flat=True)) >= {"micro", "small", "medium", ""}
    # Realistic shares of the qualifications.
    for name, low, high in (
        ("高新技术企业", 0.03, 0.2),
        ("科技型中小企业", 0.04, 0.25),
        ("专精特新中小企业", 0.005, 0.1),
    ):
        share = Qualification.objects.filter(name=name).count() / ENTERPRISES
        assert low <= share <= high, (name, share)
    # The contacts' phones are stored encrypted with their lookup hash.
    assert Contact.objects.exclude(phone_hash="").count() > 0.8 * Contact.objects.count()


def check_matches_pushes_and_payouts(world: World) -> None:
    today = NOW.date()
    published = Policy.objects.filter(jurisdiction=world.nangang, status="published")
    assert Match.objects.filter(policy__in=published).count() > 1000
    assert not Match.objects.exclude(policy__in=published).exists()
    # The stored matches are the matcher's.
    policy = published.filter(no_apply=True).first()
    assert policy is not None
    eligible, _possible = compile_policy(
        [Condition(c.kind, c.params) for c in policy.conditions.all()], today
    )
    assert set(
        Match.objects.filter(policy=policy, verdict="eligible").values_list(
            "enterprise_id", flat=True
        )
    ) == set(Enterprise.objects.filter(eligible).values_list("pk", flat=True))
    # Pushes: eligible enterprises only, some read, the last week's policies not yet pushed.
    pushes = Push.objects.all()
    assert pushes.count() > 500
    assert pushes.filter(read_at__isnull=False).exists()
    assert pushes.filter(read_at__isnull=True).exists()
    assert all(len(token) == 43 for token in pushes.values_list("token", flat=True)[:50])
    for p in pushes.select_related("policy")[:200]:
        assert Match.objects.filter(
            policy=p.policy, enterprise_id=p.enterprise_id, verdict="eligible"
        ).exists()
        assert p.read_at is None or (p.sent_at is not None and p.sent_at <= p.read_at <= NOW)
    recent = published.filter(published_at__gte=NOW - dt.timedelta(days=demo.UNPUSHED_DAYS))
    assert recent.exists() and not pushes.filter(policy__in=recent).exists()
    # Payouts in every state, only for 免申即享 policies and their eligible enterprises.
    payouts = Payout.objects.all()
    assert set(payouts.values_list("status", flat=True)) == set(PayoutStatus.values)
    assert not payouts.filter(policy__no_apply=False).exists()
    for paid in payouts.filter(status=PayoutStatus.PAID)[:50]:
        assert paid.amount and paid.amount > 0 and paid.department
        assert paid.paid_on and paid.paid_on <= today
    for refused in payouts.filter(status=PayoutStatus.REFUSED):
        assert refused.note
    assert not payouts.filter(status=PayoutStatus.LISTED, amount__isnull=False).exists()


def check_stations_and_requests(world: World) -> None:
    stations = Station.objects.filter(jurisdiction=world.nangang)
    assert stations.count() == 3
    for station in stations:
        assert station.address and station.staff.exists() and station.enterprises.count() >= 20
    requests = ServiceRequest.objects.filter(jurisdiction=world.nangang)
    assert set(requests.values_list("status", flat=True)) == set(RequestStatus.values)
    closed = requests.filter(status=RequestStatus.CLOSED)
    assert set(closed.values_list("outcome", flat=True)) == set(RequestOutcome.values)
    assert not requests.exclude(status=RequestStatus.CLOSED).exclude(outcome="").exists()
    for r in closed.filter(outcome=RequestOutcome.UNSOLVABLE):
        assert r.outcome_text  # the reason
    today = NOW.date()
    assert requests.filter(status=RequestStatus.HANDLING, due_on__lt=today).exists()  # overdue
    assert requests.filter(status=RequestStatus.HANDLING, due_on__gte=today).exists()
    assert closed.filter(rating__isnull=False).exists()
    assert closed.filter(rating__isnull=True).exists()
    assert not requests.exclude(status=RequestStatus.CLOSED).filter(rating__isnull=False).exists()
    assert not requests.filter(status=RequestStatus.RECEIVED, owner_unit__isnull=False).exists()
    assert set(requests.values_list("channel", flat=True)) == {"public", "station", "office"}
    assert not requests.filter(channel="station", station__isnull=True).exists()
    for r in requests.prefetch_related("events"):
        assert r.number.startswith("QY") and len(r.number) == 10
        assert NOW - dt.timedelta(days=200) < r.created_at < NOW
        events = list(r.events.all())
        assert events[0].action == "received" and all(e.at <= NOW for e in events)
        if r.status != RequestStatus.RECEIVED:
            assert r.owner_unit is not None and r.due_on is not None
            assert any(e.action == "assigned" for e in events)
        if r.station_id is not None:
            assert r.enterprise.stations.filter(pk=r.station_id).exists()
        if r.status == RequestStatus.CLOSED:
            assert r.closed_at is not None and events[-1].action in ("closed", "rated")


def check_logins(world: World) -> None:
    qiye = authenticate(username="qiye", password=PASSWORD)
    yiqi = authenticate(username="yiqi", password=PASSWORD)
    assert qiye is not None and yiqi is not None
    contact = Contact.objects.get(user=qiye)
    own = contact.enterprise
    assert contact.is_primary and contact.name == demo.QIYE_CONTACT
    assert own.stations.filter(staff=yiqi).exists()
    # The demo enterprise has something to show: matches, pushes read and not, requests.
    assert Match.objects.filter(enterprise=own, verdict="eligible").count() >= 3
    assert Push.objects.filter(enterprise=own, read_at__isnull=True).exists()
    assert Push.objects.filter(enterprise=own, read_at__isnull=False).exists()
    assert Push.objects.filter(enterprise=own, channels__contains="inbox").exists()
    assert Payout.objects.filter(enterprise=own).exists()
    mine = ServiceRequest.objects.filter(enterprise=own)
    assert mine.filter(status=RequestStatus.CLOSED, rating__isnull=True).exists()
    assert mine.filter(status=RequestStatus.HANDLING).exists()
    hint = {username: (name, role) for username, name, role in login_hint()}
    for login in ENTERPRISE_LOGINS:
        assert hint[login.username] == (login.display_name, str(login.role))
    assert qiye.display_name == hint["qiye"][0] and yiqi.display_name == hint["yiqi"][0]


def check_written_through_the_services(world: World) -> None:
    """The library and the register were saved as the office saves them: an audit event
    per policy, enterprise (with its qualifications) and contact, by the district's office,
    none holding a contact's phone or e-mail."""
    events = AuditEvent.objects.filter(jurisdiction_id=world.nangang.pk)
    policies = events.filter(action="enterprise.policy_create")
    assert policies.count() == Policy.objects.filter(jurisdiction=world.nangang).count()
    created = events.filter(action="enterprise.create")
    assert created.count() == ENTERPRISES
    assert set(created.values_list("actor_id", flat=True)) == {world.office.pk}
    assert set(policies.values_list("actor_id", flat=True)) == {world.office.pk}
    with_qualifications = [e for e in created if "qualifications" in e.changes]
    assert (
        len(with_qualifications)
        == Enterprise.objects.filter(qualifications__isnull=False).distinct().count()
    )
    added = events.filter(action="enterprise.contact_add")
    assert added.count() == Contact.objects.count()
    qiye = events.get(action="enterprise.contact_update")
    assert qiye.changes["name"][1] == demo.QIYE_CONTACT and qiye.changes["user_id"][1]
    for event in added[:100]:
        assert set(event.changes) <= {"name", "phone_set", "email_set", "user_id", "is_primary"}
        assert "1390000" not in str(event.changes) and "example.com" not in str(event.changes)


def test_the_enterprise_demo_needs_nangang(world: World) -> None:
    summary = demo.seed_enterprise({"230111": world.hulan}, password=PASSWORD, now=NOW)
    assert summary.policies == 0 and not Policy.objects.exists()


def test_the_login_hint_names_the_enterprise_logins(db: None, settings: Any) -> None:
    settings.SHISHI_DEMO = True
    html = client_for(None).get(reverse("login")).content.decode()
    for login in ENTERPRISE_LOGINS:
        row = f"<td><code>{login.username}</code></td><td>{login.display_name}</td>"
        assert f"{row}<td>{login.role}</td>" in html


def test_the_demo_logins_sign_in_and_reach_enterprise_services(world: World) -> None:
    _seed(world)
    for username in ("qiye", "yiqi"):
        client = Client()
        response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
        assert response.status_code == 302, username
        assert client.get(reverse("enterprise:index")).status_code == 200


def test_the_sample_library_passes_the_policy_sheet_checks(world: World) -> None:
    """Exported and read back by the library's own sheet, the demo policies have no bad
    cell: every code, street, size, number and 免申即享 flag is one the office could enter."""
    _seed(world)
    data = policy_sheet.export_workbook(world.nangang.pk)
    parsed = policy_sheet.parse_sheet(world.nangang.pk, data, "demo.xlsx")
    assert [str(e) for e in parsed.errors] == []
    assert len(parsed.rows) == Policy.objects.filter(jurisdiction=world.nangang).count()
