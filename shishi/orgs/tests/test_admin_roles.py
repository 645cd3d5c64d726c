"""三员分立 (等保 level 3): the system, security and audit administrators kept apart; the
audit administrator's page and exports; nobody can erase the audit trail."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.contrib.admin.sites import site
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.core.models import AuditCheckpoint, AuditEvent
from shishi.orgs import services
from shishi.orgs.models import Membership, Role, User
from shishi.orgs.permissions import scope_for

ROOT = Path(__file__).resolve().parents[2]


def _admin(name: str, role: str, world: World) -> User:
    user = services.ensure_user(name, password="pw-test-123")
    services.grant_role(user, role, world.city)
    return user


def test_one_person_holds_one_administrator_role(world: World) -> None:
    auditor = _admin("auditor", Role.AUDIT_ADMIN, world)
    with pytest.raises(ValidationFailed, match="已担任审计管理员"):
        services.grant_role(auditor, Role.SECURITY_ADMIN, world.city)
    with pytest.raises(ValidationFailed, match="其他辖区"):
        services.grant_role(auditor, Role.AUDIT_ADMIN, world.nangang)
    services.grant_role(auditor, Role.AUDIT_ADMIN, world.city)  # the same grant: idempotent
    # The database holds it too (the admin site and any other path).
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=auditor, role=Role.SYSTEM_ADMIN, jurisdiction=world.city)


def test_administrators_hold_no_ledger_role_and_the_reverse(world: World) -> None:
    with pytest.raises(ValidationFailed, match="业务角色"):
        services.grant_role(world.office, Role.AUDIT_ADMIN, world.city)
    system = _admin("sysadmin", Role.SYSTEM_ADMIN, world)
    with pytest.raises(ValidationFailed, match="不能再担任业务角色"):
        services.grant_role(system, Role.PROGRAMME_OFFICE, world.nangang)
    root = User.objects.get(username="root")
    with pytest.raises(ValidationFailed, match="超级用户"):
        services.grant_role(root, Role.AUDIT_ADMIN, world.city)
    scope = scope_for(system)
    assert not scope.readable_jurisdiction_ids() and not scope.is_any_office()


def test_only_the_security_administrator_grants_administrator_roles(world: World) -> None:
    someone = services.ensure_user("someone")
    with pytest.raises(PermissionDenied):
        services.grant_role(someone, Role.AUDIT_ADMIN, world.city, actor=world.office)
    security = _admin("security", Role.SECURITY_ADMIN, world)
    with pytest.raises(PermissionDenied):
        services.grant_role(
            someone, Role.AUDIT_ADMIN, world.city, actor=_admin("sys", Role.SYSTEM_ADMIN, world)
        )
    services.grant_role(someone, Role.AUDIT_ADMIN, world.city, actor=security)
    event = AuditEvent.objects.filter(action="membership.grant").latest("seq")
    assert event.actor_id == security.pk  # the administrators' own acts are audited
    assert event.changes["role"] == [None, "audit_admin"]


def test_only_the_audit_administrator_reads_the_audit_log(world: World) -> None:
    auditor = _admin("auditor", Role.AUDIT_ADMIN, world)
    root = User.objects.get(username="root")
    for user in (world.office, world.city_office, root, _admin("sec", Role.SECURITY_ADMIN, world)):
        assert client_for(user).get(reverse("audit:log")).status_code == 403
        assert client_for(user).get(reverse("audit:export_csv")).status_code == 403
    page = client_for(auditor).get(reverse("audit:log"))
    assert page.status_code == 200
    assert "抢修一曼街塌陷及翻浆路段" in page.content.decode()
    home = client_for(auditor).get(reverse("home"))
    assert home.status_code == 302 and home["Location"] == reverse("audit:log")


def test_a_district_audit_administrator_reads_its_district_only(world: World) -> None:
    auditor = services.ensure_user("district-auditor")
    services.grant_role(auditor, Role.AUDIT_ADMIN, world.hulan)
    text = client_for(auditor).get(reverse("audit:log")).content.decode()
    assert "职业技能培训" in text  # Hulan's item
    assert "抢修一曼街塌陷及翻浆路段" not in text  # Nangang's


def test_the_audit_page_filters_and_names_bad_input(world: World) -> None:
    auditor = _admin("auditor", Role.AUDIT_ADMIN, world)
    client = client_for(auditor)
    page = client.get(reverse("audit:log"), {"action": "item.create", "text": "幼儿园"})
    text = page.content.decode()
    assert "新建幼儿园" in text and "抢修一曼街" not in text
    bad = client.get(reverse("audit:log"), {"since": "2021-13-40", "target_type": "DROP TABLE"})
    assert bad.status_code == 422
    assert "对象类型应形如 ledger.item" in bad.content.decode()
    # A control character is refused at the root, before the page (core.inputs): 400.
    nul = client.get(reverse("audit:log"), {"actor": "a\x00b"})
    assert nul.status_code == 400 and "actor" in nul.content.decode()
    export = client.get(reverse("audit:export_csv"), {"since": "x"})
    assert export.status_code in (400, 422)


def test_exports_stream_every_matching_event_and_are_audited(world: World) -> None:
    auditor = _admin("auditor", Role.AUDIT_ADMIN, world)
    client = client_for(auditor)
    wanted = AuditEvent.objects.filter(action__startswith="item.").count()
    response = client.get(reverse("audit:export_csv"), {"action": "item."})
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["序号", "时间", "账号ID", "操作人"]
    assert len(rows) == wanted + 1
    assert {r[4] for r in rows[1:]} == {"item.create"}
    exported = AuditEvent.objects.filter(action="audit.export").latest("seq")
    assert exported.actor_id == auditor.pk
    assert exported.changes["filters"] == [None, {"action": "item."}]
    response = client.get(reverse("audit:export_xlsx"), {"target_type": "ledger.item"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    sheet = book.active
    assert sheet is not None
    assert sheet.max_row == AuditEvent.objects.filter(target_type="ledger.item").count() + 1


def test_nothing_in_the_app_deletes_or_edits_audit_events() -> None:
    # (A checkpoint's ``notified_at`` is the one field written after it: it is not signed.)
    pattern = re.compile(
        r"AuditEvent\b[^\n]*\.(delete|update|bulk_update)\(|AuditCheckpoint\b[^\n]*\.delete\("
    )
    offenders = [
        f"{path.relative_to(ROOT)}"
        for path in ROOT.rglob("*.py")
        if "/tests/" not in path.as_posix()
        and "/migrations/" not in path.as_posix()
        and pattern.search(path.read_text())
    ]
    assert offenders == []
    request = RequestFactory().get("/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    for model in (AuditEvent, AuditCheckpoint):
        admin = site._registry[model]
        assert not admin.has_delete_permission(request)
        assert not admin.has_change_permission(request)
        assert not admin.has_add_permission(request)


def test_the_admin_sites_changes_are_audited_and_replay_follows_them(world: World) -> None:
    from shishi.core.replay import replay

    root = User.objects.get(username="root")
    client = client_for(root)
    url = reverse("admin:orgs_unit_change", args=[world.unit_b.pk])
    page = client.post(
        url,
        {"name": "区教育体育局", "kind": "bureau", "jurisdiction": world.nangang.pk, "parent": ""},
    )
    assert page.status_code == 302, page.content.decode()[:2000]
    event = AuditEvent.objects.latest("seq")
    assert (event.action, event.actor_id) == ("admin.change", root.pk)
    assert event.changes == {"name": ["区教育局", "区教育体育局"]}
    assert replay().ok  # the rename is what the log says
    person = services.ensure_person(world.nangang, "副区长")
    delete = reverse("admin:orgs_person_delete", args=[person.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert AuditEvent.objects.latest("seq").action == "admin.delete"
    assert replay().ok  # deleted on the admin site: not a missing row


def test_the_audit_page_and_its_exports_mask_personal_numbers(world: World) -> None:
    from decimal import Decimal

    from shishi.ledger import services as ledger_services

    item = world.item_a
    ledger_services.record_progress(
        item,
        actor=world.office,
        rate=Decimal(30),
        text="联系人13812345678",
    )
    auditor = _admin("auditor", Role.AUDIT_ADMIN, world)
    client = client_for(auditor)
    page = client.get(reverse("audit:log"), {"action": "item.progress"}).content.decode()
    assert "138****5678" in page and "13812345678" not in page
    export = client.get(reverse("audit:export_csv"), {"action": "item.progress"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert "138****5678" in text and "13812345678" not in text


def test_an_administrator_without_a_business_role_is_not_offered_the_ledger(world: World) -> None:
    auditor = _admin("auditor", Role.AUDIT_ADMIN, world)
    page = client_for(auditor).get(reverse("audit:log")).content.decode()
    assert reverse("audit:log") in page and "审计管理员" in page
    assert f'href="{reverse("ledger:list")}"' not in page
    assert f'href="{reverse("board:home")}"' not in page
    office_page = client_for(world.office).get(reverse("ledger:list")).content.decode()
    assert f'href="{reverse("ledger:list")}"' in office_page
