"""Personas and a small world, built once per test from the services."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from shishi.ledger import services as ledger_services
from shishi.ledger.models import Item, Programme
from shishi.orgs import services as org_services
from shishi.orgs.models import Jurisdiction, Person, Role, Unit, User


@dataclass
class World:
    city: Jurisdiction
    nangang: Jurisdiction
    hulan: Jurisdiction
    unit_a: Unit
    unit_b: Unit
    unit_c: Unit
    hulan_unit: Unit
    leader_person: Person
    programme: Programme
    hulan_programme: Programme
    item_a: Item  # lead unit A, partner unit C, sponsored by leader_person
    item_b: Item  # lead unit B
    hulan_item: Item
    city_office: User
    office: User
    editor_a: User
    editor_b: User
    partner_editor: User  # editor of unit C, a partner of item_a
    viewer_a: User
    leader: User
    inspector: User
    operator: User
    resident: User  # a login with no role
    outsider: User  # programme office of another district (Hulan)


PASSWORD = "pw-test-123"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """PBKDF2 at production strength costs ~0.5 s a user; tests only need a hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Rolled-back tests reuse ids, so a board kept from one test could answer another's;
    # the tests of the cache itself turn it back on.
    settings.SHISHI_BOARD_CACHE_SECONDS = 0
    # Audit checkpoints go to the table only, unless a test points them at its own folder.
    settings.SHISHI_AUDIT_CHECKPOINT_DIR = ""
    # The same for the portal's open data; and public rate limits count per process across
    # tests: off, except in the tests of the limits (core/tests/test_ratelimit.py).
    settings.SHISHI_PUBLIC_CACHE_SECONDS = 0
    settings.SHISHI_RATE_LIMITS = {name: "off" for name in settings.SHISHI_RATE_LIMITS}


def _user(name: str) -> User:
    return org_services.ensure_user(name, password=PASSWORD, display_name=name)


@pytest.fixture
def world(db: None) -> World:
    city = org_services.ensure_jurisdiction(code="230100", name="哈尔滨市", level="city")
    nangang = org_services.ensure_jurisdiction(
        code="230103", name="南岗区", level="district", parent=city
    )
    hulan = org_services.ensure_jurisdiction(
        code="230111", name="呼兰区", level="district", parent=city
    )
    unit_a = org_services.ensure_unit(nangang, "区城管局", kind="bureau")
    unit_b = org_services.ensure_unit(nangang, "区教育局", kind="bureau")
    unit_c = org_services.ensure_unit(nangang, "区住建局", kind="bureau")
    hulan_unit = org_services.ensure_unit(hulan, "呼兰区人社局", kind="bureau")
    leader_person = org_services.ensure_person(nangang, "常务副区长")

    admin = User.objects.create_superuser("root", password=PASSWORD)
    city_office = _user("city_office")
    org_services.grant_role(city_office, Role.CITY_OFFICE, city)
    office = _user("office")
    org_services.grant_role(office, Role.PROGRAMME_OFFICE, nangang)
    editor_a = _user("editor_a")
    org_services.grant_role(editor_a, Role.UNIT_EDITOR, nangang, unit=unit_a)
    editor_b = _user("editor_b")
    org_services.grant_role(editor_b, Role.UNIT_EDITOR, nangang, unit=unit_b)
    partner_editor = _user("partner_editor")
    org_services.grant_role(partner_editor, Role.UNIT_EDITOR, nangang, unit=unit_c)
    viewer_a = _user("viewer_a")
    org_services.grant_role(viewer_a, Role.UNIT_VIEWER, nangang, unit=unit_a)
    leader = _user("leader")
    org_services.grant_role(leader, Role.SPONSOR_LEADER, nangang)
    org_services.link_person_to_user(leader_person, leader)
    inspector = _user("inspector")
    org_services.grant_role(inspector, Role.INSPECTOR, nangang)
    operator = _user("operator")
    org_services.grant_role(operator, Role.OPERATOR, nangang)
    resident = _user("resident")
    outsider = _user("outsider")
    org_services.grant_role(outsider, Role.PROGRAMME_OFFICE, hulan)

    programme = ledger_services.ensure_programme(nangang, 2021, actor=admin)
    hulan_programme = ledger_services.ensure_programme(hulan, 2021, actor=admin)
    # Tests of other rules post rates without evidence; the evidence rule has its own tests.
    for p in (programme, hulan_programme):
        ledger_services.set_programme_review(p, actor=admin, evidence_step=None)
    category = ledger_services.ensure_category(programme, "城建城管执法类", actor=admin, order=1)
    item_a = ledger_services.create_item(
        programme,
        actor=admin,
        number="1-1",
        seq=1,
        name="抢修一曼街塌陷及翻浆路段",
        category=category,
        lead_unit=unit_a,
        deadline_text="2021年12月底前",
        sponsor_leaders=[leader_person],
        partner_units=[unit_c],
        targets=[ledger_services.TargetInput("修复路段", value=Decimal(20), unit="处")],
    )
    item_b = ledger_services.create_item(
        programme,
        actor=admin,
        number="1-2",
        seq=2,
        name="新建幼儿园",
        category=category,
        lead_unit=unit_b,
        deadline_text="年底前",
    )
    hulan_item = ledger_services.create_item(
        hulan_programme,
        actor=admin,
        number="1-1",
        seq=1,
        name="职业技能培训",
        lead_unit=hulan_unit,
        deadline_text="长期坚持",
    )
    return World(
        city=city,
        nangang=nangang,
        hulan=hulan,
        unit_a=unit_a,
        unit_b=unit_b,
        unit_c=unit_c,
        hulan_unit=hulan_unit,
        leader_person=leader_person,
        programme=programme,
        hulan_programme=hulan_programme,
        item_a=item_a,
        item_b=item_b,
        hulan_item=hulan_item,
        city_office=city_office,
        office=office,
        editor_a=editor_a,
        editor_b=editor_b,
        partner_editor=partner_editor,
        viewer_a=viewer_a,
        leader=leader,
        inspector=inspector,
        operator=operator,
        resident=resident,
        outsider=outsider,
    )


# --- the browser (tests marked ``browser``) ---------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SHOTS = Path(os.environ.get("SHISHI_SCREENSHOTS", "/tmp"))


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Debian Chromium through Playwright (skipped where it is not installed)."""
    if not Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is None:
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def browser_login(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form, as a person would."""
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_load_state("networkidle")


def client_for(user: User | None = None) -> Client:
    """A test client signed in as ``user`` (anonymous for None)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
