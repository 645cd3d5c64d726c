"""Party organisations: the list's aggregates, the services (create, edit against the stamp,
remove), the sheet (every kind of bad cell, same-named branches in two committees, a
duplicate within one refused, idempotent re-imports), the wizard, the command, the export
and the permission matrix."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from python_calamine import CalamineWorkbook

from shishi.conftest import World, client_for
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.education import party_selectors, party_services, party_sheet
from shishi.education.models import CampaignTarget
from shishi.enterprise.models import SheetImport, SheetStatus
from shishi.orgs import services as org_services
from shishi.orgs.models import Role, Unit

pytestmark = pytest.mark.django_db

HEADERS = ["党委", "党支部", "党员数"]


def xlsx(rows: list[list[Any]], headers: list[str] = HEADERS) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, row in enumerate([headers, *rows]):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.close()
    return out.getvalue()


GOOD: list[list[Any]] = [
    ["区教育局党委", None, 12],
    ["区教育局党委", "第一党支部", 30],
    ["区教育局党委", "第二党支部", 25],
    ["区卫健局党委", None, 8],
    ["区卫健局党委", "第一党支部", 40],
]


def units(world: World, kind: str) -> list[tuple[str, str | None, int | None]]:
    return sorted(
        (u.name, u.parent.name if u.parent else None, u.members)
        for u in Unit.objects.filter(jurisdiction=world.nangang, kind=kind).select_related("parent")
    )


# --- the sheet -------------------------------------------------------------------------------


def test_sheet_imports_committees_and_same_named_branches(world: World) -> None:
    applied = party_sheet.apply_party_sheet(
        world.nangang.pk, xlsx(GOOD), "p.xlsx", actor=world.office
    )
    assert (applied.created, applied.updated, applied.unchanged) == (5, 0, 0)
    assert units(world, "party_committee") == [
        ("区卫健局党委", None, 8),
        ("区教育局党委", None, 12),
    ]
    assert units(world, "party_branch") == [
        ("第一党支部", "区卫健局党委", 40),
        ("第一党支部", "区教育局党委", 30),
        ("第二党支部", "区教育局党委", 25),
    ]
    assert AuditEvent.objects.filter(action="education.party_orgs_import").count() == 1


def test_reimport_is_idempotent_and_updates_members(world: World) -> None:
    party_sheet.apply_party_sheet(world.nangang.pk, xlsx(GOOD), "p.xlsx", actor=world.office)
    again = party_sheet.apply_party_sheet(
        world.nangang.pk, xlsx(GOOD), "p.xlsx", actor=world.office
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert Unit.objects.filter(kind__in=party_selectors.PARTY_KINDS).count() == 5
    changed = [row[:] for row in GOOD]
    changed[1][2] = 31
    third = party_sheet.apply_party_sheet(
        world.nangang.pk, xlsx(changed), "p.xlsx", actor=world.office
    )
    assert (third.created, third.updated, third.unchanged) == (0, 1, 4)
    assert Unit.objects.get(name="第一党支部", parent__name="区教育局党委").members == 31


def test_duplicate_branch_within_one_committee_is_refused(world: World) -> None:
    rows = [*GOOD, ["区教育局党委", "第一党支部", 3]]
    parsed = party_sheet.parse_party_sheet(world.nangang.pk, xlsx(rows), "p.xlsx")
    assert [str(e) for e in parsed.errors] == [
        "第7行，B列（党支部）：与第3行重复：同一党委下党支部“第一党支部”只能有一行"
    ]
    with pytest.raises(ValidationFailed):
        party_sheet.apply_party_sheet(world.nangang.pk, xlsx(rows), "p.xlsx", actor=world.office)
    assert not Unit.objects.filter(kind__in=party_selectors.PARTY_KINDS).exists()


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ([None, "第一党支部", 3], "第2行，A列（党委）：请填写党委名称"),
        (
            ["区教育局党委", None, "很多"],
            "第2行，C列（党员数）：“很多”不是整数，党员数应为不小于0的整数",
        ),
        (["区教育局党委", None, -3], "第2行，C列（党员数）：党员数不能为负数"),
        (["区教育局党委", None, 2.5], "第2行，C列（党员数）：党员数应为整数，不能是2.5"),
        (["区教育局党委", None, None], "第2行，C列（党员数）：请填写党员数"),
        (["区城管局", None, 3], "第2行，A列（党委）：本区已有名为“区城管局”的单位，但不是党委"),
        (["党" * 201, None, 3], "第2行，A列（党委）：名称过长（最多200字）"),
        (["区教育局党委", "<b>支部</b>", 3], "第2行，B列（党支部）：名称不能含尖括号"),
    ],
)
def test_each_bad_cell_is_named_and_nothing_is_written(
    world: World, row: list[Any], expected: str
) -> None:
    data = xlsx([["区卫健局党委", None, 8], row])
    parsed = party_sheet.parse_party_sheet(world.nangang.pk, data, "p.xlsx")
    assert [str(e).replace("第3行", "第2行") for e in parsed.errors] == [expected]
    assert parsed.rows == []
    with pytest.raises(ValidationFailed):
        party_sheet.apply_party_sheet(world.nangang.pk, data, "p.xlsx", actor=world.office)
    assert not Unit.objects.filter(kind__in=party_selectors.PARTY_KINDS).exists()


def test_sheet_without_a_required_column_or_not_a_workbook(world: World) -> None:
    parsed = party_sheet.parse_party_sheet(
        world.nangang.pk, xlsx([["a", 1]], headers=["党委", "人数"]), "p.xlsx"
    )
    assert "表头缺少列：党员数" in str(parsed.errors[0])
    broken = party_sheet.parse_party_sheet(world.nangang.pk, b"PK\x03\x04garbage", "p.xlsx")
    assert broken.errors and broken.errors[0].row == 0


def test_export_reads_back_the_same(world: World) -> None:
    party_sheet.apply_party_sheet(world.nangang.pk, xlsx(GOOD), "p.xlsx", actor=world.office)
    body = party_sheet.export_party_orgs(world.nangang, actor=world.office)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(body)).get_sheet_by_index(0).to_python()
    assert rows[0] == HEADERS
    again = party_sheet.apply_party_sheet(world.nangang.pk, body, "p.xlsx", actor=world.office)
    assert (again.created, again.updated) == (0, 0)
    with pytest.raises(PermissionDenied):
        party_sheet.export_party_orgs(world.nangang, actor=world.outsider)


# --- the list's aggregates ------------------------------------------------------------------


def test_committee_totals_are_own_plus_branches(world: World) -> None:
    party_sheet.apply_party_sheet(world.nangang.pk, xlsx(GOOD), "p.xlsx", actor=world.office)
    found = {c.name: c for c in party_selectors.committees(world.nangang)}
    edu = found["区教育局党委"]
    assert (edu.own, edu.branch_members, edu.branch_count, edu.total) == (12, 55, 2, 67)
    assert [b.name for b in edu.branches] == ["第一党支部", "第二党支部"]
    totals = party_selectors.totals(world.nangang)
    assert (totals.committees, totals.branches, totals.members) == (2, 3, 115)


def test_list_reads_in_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    rows = []
    for c in range(20):
        rows.append([f"党委{c}", None, 1])
        rows += [[f"党委{c}", f"第{b}党支部", 2] for b in range(10)]
    party_sheet.apply_party_sheet(world.nangang.pk, xlsx(rows), "p.xlsx", actor=world.office)
    with django_assert_max_num_queries(3):
        committees = party_selectors.committees(world.nangang)
        totals = party_selectors.totals(world.nangang)
    assert len(committees) == 20 and totals.members == 20 * 21


# --- the services ---------------------------------------------------------------------------


def test_create_edit_remove_with_stamp_and_audit(world: World) -> None:
    committee = party_services.create_org(
        world.nangang, party_services.OrgInput("区教育局党委", 10), actor=world.office
    )
    branch = party_services.create_org(
        world.nangang,
        party_services.OrgInput("第一党支部", 5),
        actor=world.office,
        committee=committee,
    )
    assert branch.parent_id == committee.pk and branch.kind == "party_branch"
    stamp = party_selectors.stamp_of(branch)
    party_services.update_org(
        branch, party_services.OrgInput("第一党支部", 6), stamp=stamp, actor=world.office
    )
    with pytest.raises(StaleEdit):
        party_services.update_org(
            branch, party_services.OrgInput("第一党支部", 7), stamp=stamp, actor=world.office
        )
    branch.refresh_from_db()
    assert branch.members == 6
    with pytest.raises(ValidationFailed) as exc:
        party_services.remove_org(
            committee, stamp=party_selectors.stamp_of(committee), actor=world.office
        )
    assert "党支部" in exc.value.message
    party_services.remove_org(branch, stamp=party_selectors.stamp_of(branch), actor=world.office)
    assert not Unit.objects.filter(pk=branch.pk).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "education.party_org_create",
        "education.party_org_update",
        "education.party_org_remove",
    } <= actions


def test_same_branch_name_in_two_committees_but_not_twice_in_one(world: World) -> None:
    one = party_services.create_org(
        world.nangang, party_services.OrgInput("党委甲", 1), actor=world.office
    )
    two = party_services.create_org(
        world.nangang, party_services.OrgInput("党委乙", 1), actor=world.office
    )
    for committee in (one, two):
        party_services.create_org(
            world.nangang,
            party_services.OrgInput("第一党支部", 1),
            actor=world.office,
            committee=committee,
        )
    with pytest.raises(ValidationFailed) as exc:
        party_services.create_org(
            world.nangang,
            party_services.OrgInput("第一党支部", 1),
            actor=world.office,
            committee=one,
        )
    assert exc.value.errors == {"name": "党委甲下已有名为“第一党支部”的党支部"}
    with pytest.raises(ValidationFailed) as exc:
        party_services.create_org(
            world.nangang, party_services.OrgInput("区城管局", 1), actor=world.office
        )
    assert "name" in exc.value.errors


@pytest.mark.parametrize(
    ("name", "members", "field"),
    [("", 1, "name"), ("x" * 201, 1, "name"), ("党委", None, "members"), ("党委", -1, "members")],
)
def test_bad_input_names_the_field(
    world: World, name: str, members: int | None, field: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        party_services.create_org(
            world.nangang, party_services.OrgInput(name, members), actor=world.office
        )
    assert field in exc.value.errors


def test_only_the_office_writes(world: World) -> None:
    for user in (world.editor_a, world.outsider, world.leader):
        with pytest.raises(PermissionDenied):
            party_services.create_org(world.nangang, party_services.OrgInput("党委", 1), actor=user)
    with pytest.raises(PermissionDenied):
        party_sheet.apply_party_sheet(world.nangang.pk, xlsx(GOOD), "p.xlsx", actor=world.outsider)
    party_services.create_org(
        world.nangang, party_services.OrgInput("市办建的党委", 1), actor=world.city_office
    )


# --- pages ----------------------------------------------------------------------------------


def test_permission_matrix_of_the_pages(world: World) -> None:
    committee = party_services.create_org(
        world.nangang, party_services.OrgInput("区教育局党委", 10), actor=world.office
    )
    pages = [
        reverse("education:orgs"),
        reverse("education:org_new"),
        reverse("education:org_edit", args=[committee.pk]),
        reverse("education:orgs_import"),
        reverse("education:orgs_export"),
    ]
    for url in pages:
        # A record's page is not found (its existence not told); a district's page forbidden.
        refused = 404 if url == pages[2] else 403
        assert client_for(world.office).get(url).status_code == 200, url
        assert client_for(world.city_office).get(url).status_code == 200, url
        assert client_for(world.editor_a).get(url).status_code == refused, url
        assert client_for(world.resident).get(url).status_code == refused, url
        assert client_for(None).get(url).status_code == 302, url
    # Hulan's office keeps its own district: Nangang's committee is not found for it.
    assert client_for(world.outsider).get(pages[2]).status_code == 404
    page = client_for(world.outsider).get(pages[0])
    assert page.status_code == 200 and "区教育局党委" not in page.content.decode()


def test_list_page_shows_committees_branches_and_totals(world: World) -> None:
    party_sheet.apply_party_sheet(world.nangang.pk, xlsx(GOOD), "p.xlsx", actor=world.office)
    html = client_for(world.office).get(reverse("education:orgs")).content.decode()
    assert "区教育局党委" in html and "第二党支部" in html
    assert "党员合计67名（本级12名）" in html
    assert "<b>115</b>" in html


def test_form_pages_create_edit_stale_and_bad_input(world: World) -> None:
    client = client_for(world.office)
    response = client.post(reverse("education:org_new"), {"name": "区教育局党委", "members": "9"})
    assert response.status_code == 302
    committee = Unit.objects.get(name="区教育局党委")
    assert committee.members == 9
    response = client.post(
        f"{reverse('education:org_new')}?committee={committee.pk}",
        {"name": "第一党支部", "members": "abc", "committee": committee.pk},
    )
    assert response.status_code == 422
    response = client.post(
        reverse("education:org_new"),
        {"name": "第一党支部", "members": "4", "committee": committee.pk},
    )
    assert response.status_code == 302
    branch = Unit.objects.get(name="第一党支部", parent=committee)
    url = reverse("education:org_edit", args=[branch.pk])
    stale = party_selectors.stamp_of(branch)
    assert (
        client.post(url, {"name": "第一党支部", "members": "5", "stamp": stale}).status_code == 302
    )
    response = client.post(url, {"name": "第一党支部", "members": "6", "stamp": stale})
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode()
    branch.refresh_from_db()
    assert branch.members == 5
    response = client.post(
        reverse("education:org_remove", args=[branch.pk]),
        {"stamp": party_selectors.stamp_of(branch)},
    )
    assert response.status_code == 302 and not Unit.objects.filter(pk=branch.pk).exists()


def test_wizard_upload_preview_confirm(world: World) -> None:
    client = client_for(world.office)
    upload = SimpleUploadedFile("党组织.xlsx", xlsx(GOOD))
    response = client.post(reverse("education:orgs_import"), {"file": upload})
    assert response.status_code == 302
    batch = SheetImport.objects.get(kind="party_orgs")
    assert batch.status == SheetStatus.PREVIEWED and batch.summary["new"] == 5
    preview = client.get(reverse("education:orgs_import_preview", args=[batch.pk]))
    assert "第二党支部" in preview.content.decode()
    assert not Unit.objects.filter(kind__in=party_selectors.PARTY_KINDS).exists()
    assert (
        client_for(world.outsider)
        .post(reverse("education:orgs_import_confirm", args=[batch.pk]))
        .status_code
        == 404
    )
    response = client.post(reverse("education:orgs_import_confirm", args=[batch.pk]))
    assert response.status_code == 302
    assert Unit.objects.filter(kind__in=party_selectors.PARTY_KINDS).count() == 5
    again = client.post(reverse("education:orgs_import_confirm", args=[batch.pk]))
    assert again.status_code == 422


def test_wizard_shows_the_errors_and_refuses_other_files(world: World) -> None:
    client = client_for(world.office)
    bad = SimpleUploadedFile("党组织.xlsx", xlsx([["区教育局党委", None, "x"]]))
    client.post(reverse("education:orgs_import"), {"file": bad})
    batch = SheetImport.objects.get(kind="party_orgs")
    assert batch.status == SheetStatus.FAILED
    html = client.get(reverse("education:orgs_import_preview", args=[batch.pk])).content.decode()
    assert "第2行，C列（党员数）" in html
    response = client.post(
        reverse("education:orgs_import"), {"file": SimpleUploadedFile("a.csv", b"a,b")}
    )
    assert response.status_code == 422 and ".xlsx" in response.content.decode()


def test_command_imports_and_dry_runs(world: World, tmp_path: Path) -> None:
    path = tmp_path / "orgs.xlsx"
    path.write_bytes(xlsx(GOOD))
    out = io.StringIO()
    call_command("import_party_orgs", str(path), district="230103", dry_run=True, stdout=out)
    assert "试运行" in out.getvalue()
    assert not Unit.objects.filter(kind__in=party_selectors.PARTY_KINDS).exists()
    call_command("import_party_orgs", str(path), district="230103", stdout=out)
    assert Unit.objects.filter(kind__in=party_selectors.PARTY_KINDS).count() == 5
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([["区教育局党委", None, -1]]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_party_orgs", str(bad), district="230103", stderr=err)
    assert "第2行，C列（党员数）：党员数不能为负数" in err.getvalue()


def test_an_organisation_records_point_to_is_not_removed(world: World) -> None:
    committee = party_services.create_org(
        world.nangang, party_services.OrgInput("区教育局党委", 10), actor=world.office
    )
    target = CampaignTarget.objects.create(
        jurisdiction=world.nangang, unit=committee, year=2021, line="secretary_lecture", target=5
    )
    with pytest.raises(ValidationFailed) as exc:
        party_services.remove_org(
            committee, stamp=party_selectors.stamp_of(committee), actor=world.office
        )
    assert "不能删除" in exc.value.message
    assert CampaignTarget.objects.filter(pk=target.pk).exists()
    branch = party_services.create_org(
        world.nangang,
        party_services.OrgInput("第一党支部", 3),
        actor=world.office,
        committee=committee,
    )
    org_services.grant_role(world.resident, Role.UNIT_EDITOR, world.nangang, unit=branch)
    with pytest.raises(ValidationFailed):
        party_services.remove_org(
            branch, stamp=party_selectors.stamp_of(branch), actor=world.office
        )
    assert Unit.objects.filter(pk=branch.pk).exists()
    assert not AuditEvent.objects.filter(action="education.party_org_remove").exists()


def test_hostile_names_are_escaped_on_the_pages(world: World) -> None:
    name = "党委\"'&amp;"
    committee = party_services.create_org(
        world.nangang, party_services.OrgInput(name, 1), actor=world.office
    )
    client = client_for(world.office)
    for url in (reverse("education:orgs"), reverse("education:org_edit", args=[committee.pk])):
        html = client.get(url).content.decode()
        assert "党委&quot;&#x27;&amp;amp;" in html and name not in html
