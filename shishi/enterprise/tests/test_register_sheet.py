"""The register's sheet import: header synonyms and units, industry by name, the street from
the address, all or nothing with every bad cell named, idempotent re-import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from shishi.core.audit import AuditEvent
from shishi.enterprise import register_sheet as rs
from shishi.enterprise.models import Contact, Enterprise, Qualification
from shishi.enterprise.tests.register_helpers import BASIC, sheet, uscc
from shishi.orgs import services as org_services

pytestmark = pytest.mark.django_db

A, B, C = uscc("A00000001"), uscc("B00000002"), uscc("C00000003")


def run(world: Any, data: bytes, *, write: bool = True) -> tuple[rs.Plan, rs.Result | None]:
    return rs.import_file(data, world.nangang, actor=world.office, source="t.xlsx", write=write)


def errors_of(plan: rs.Plan) -> list[str]:
    return [str(e) for e in plan.parsed.errors]


@pytest.fixture
def no_matching(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(rs, "_enqueue_matching", calls.append)
    return calls


def test_import_reads_synonyms_units_name_to_code_and_street_from_address(
    world: Any, no_matching: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    street = org_services.ensure_unit(world.nangang, "花园街道", kind="street")
    data = sheet(
        (
            "序号", "单位名称", "社会信用代码", "所属行业", "注册日期", "员工人数",
            "年营业收入（元）", "资产总额", "纳税总额(万元)", "注册地址", "企业资质",
            "联系人", "联系电话", "电子邮箱",
        ),
        (
            1, "哈尔滨冰城软件有限公司", A, "软件开发", "2019年3月1日", 120,
            12_345_600, 800, 12.5, "哈尔滨市南岗区花园街道学府路1号", "高新技术企业，专精特新",
            "王伟", "138 1234 5678", "WW@Example.com",
        ),
        (2, "哈尔滨第二公司", B, "批发和零售业", "2020/3/1", None, None, None, None, "", "", "", "",
         ""),
        title="南岗区企业名录（2024年）",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        plan, result = run(world, data)
    assert errors_of(plan) == []
    assert result == rs.Result(created=2, updated=0, unchanged=0)
    e = Enterprise.objects.get(uscc=A)
    assert e.name == "哈尔滨冰城软件有限公司"
    assert e.industry_code == "I651"  # 软件开发 → I651
    assert e.founded_on == dt.date(2019, 3, 1)
    assert e.employees == 120
    assert e.revenue == Decimal("1234.56")  # 元 → 万元
    assert e.total_assets == Decimal("800.00")  # no unit: 万元
    assert e.tax_paid == Decimal("12.50")
    assert e.street_id == street.pk  # taken from the address
    assert sorted(e.qualifications.values_list("name", flat=True)) == ["专精特新", "高新技术企业"]
    contact = Contact.objects.get(enterprise=e)
    assert contact.phone.reveal() == "13812345678" and contact.email == "ww@example.com"
    assert contact.is_primary
    other = Enterprise.objects.get(uscc=B)
    assert other.industry_code == "F" and other.founded_on == dt.date(2020, 3, 1)
    assert other.employees is None and other.revenue is None  # unknown, never 0
    assert no_matching == [world.nangang.pk]  # the register is matched again on commit
    assert AuditEvent.objects.filter(action="enterprise.create").count() == 2
    assert AuditEvent.objects.filter(action="enterprise.import").count() == 1
    assert "13812345678" not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


def test_size_is_derived_on_import(world: Any, no_matching: list[int]) -> None:
    data = sheet(BASIC, ("甲", A, "C3511", 320, 25000, None), ("乙", B, "6513", 5, None, None))
    run(world, data)
    assert Enterprise.objects.get(uscc=A).size == "medium"
    assert Enterprise.objects.get(uscc=B).size == "micro"  # one figure under the small limit


def test_street_column_names_the_street(world: Any, no_matching: list[int]) -> None:
    street = org_services.ensure_unit(world.nangang, "大成街道办事处", kind="street")
    data = sheet(("企业名称", "统一社会信用代码", "所属街道"), ("甲", A, "大成街道"))
    run(world, data)
    assert Enterprise.objects.get(uscc=A).street_id == street.pk


GOOD = {
    "企业名称": "乙",
    "统一社会信用代码": B,
    "行业代码": "I65",
    "所属行业": "软件开发",
    "从业人员": 3,
    "营业收入": 1,
    "资产总额": 1,
    "成立日期": "2019-01-01",
    "联系人": "李",
    "联系电话": "13800000002",
    "所属街道": "",
}


@pytest.mark.parametrize(
    ("header", "cells", "column", "reason"),
    [
        (BASIC, ("甲", A[:-1] + ("0" if A[-1] != "0" else "1"), "I65", 1, 1, 1), "B", "校验位"),
        (BASIC, ("甲", A, "6514", 1, 1, 1), "C", "行业代码6514不存在"),
        (("企业名称", "统一社会信用代码", "所属行业"), ("甲", A, "宇宙飞船业"), "C", "不在"),
        (("企业名称", "统一社会信用代码", "成立日期"), ("甲", A, "2019-02-30"), "C", "不存在"),
        (("企业名称", "统一社会信用代码", "成立日期"), ("甲", A, "20190230"), "C", "不存在"),
        (BASIC, ("甲", A, "I65", -3, 1, 1), "D", "负数"),
        (BASIC, ("甲", A, "I65", 3, "-1", 1), "E", "负数"),
        (BASIC, ("甲", A, "I65", 3, "很多", 1), "E", "不是数字"),
        (BASIC, ("", A, "I65", 3, 1, 1), "A", "必填"),
        (BASIC, ("甲", "", "I65", 3, 1, 1), "B", "必填"),
        (("企业名称", "统一社会信用代码", "联系人", "联系电话"), ("甲", A, "王", "1"), "D", "手机"),
        (("企业名称", "统一社会信用代码", "所属街道"), ("甲", A, "火星街道"), "C", "不是本区"),
    ],
    ids=[
        "uscc-checksum", "industry-code", "industry-name", "date-dash", "date-digits",
        "negative-employees", "negative-revenue", "not-a-number", "missing-name",
        "missing-uscc", "bad-phone", "unknown-street",
    ],
)  # fmt: skip
def test_a_bad_cell_is_named_and_nothing_is_written(
    world: Any, no_matching: list[int], header: Any, cells: Any, column: str, reason: str
) -> None:
    good = [GOOD[h] for h in header]
    data = sheet(header, good, cells)
    plan, result = run(world, data)
    assert result is None
    lines = errors_of(plan)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"第3行，{column}列（"), lines
    assert reason in lines[0]
    assert Enterprise.objects.count() == 0  # the good row is not written either
    assert no_matching == []


def test_a_duplicate_uscc_names_both_rows(world: Any, no_matching: list[int]) -> None:
    data = sheet(
        BASIC, ("甲", A, "I65", 1, 1, 1), ("乙", B, "I65", 1, 1, 1), ("丙", A, "I65", 1, 1, 1)
    )
    plan, result = run(world, data)
    assert result is None
    assert errors_of(plan) == [f"第4行，B列（统一社会信用代码）：{A}与第2行重复"]
    assert Enterprise.objects.count() == 0


def test_every_bad_cell_is_listed(world: Any, no_matching: list[int]) -> None:
    data = sheet(BASIC, ("", "X", "9999", -1, "x", 1))
    plan, _ = run(world, data)
    columns = [e.column for e in plan.parsed.errors]
    assert columns == ["A", "B", "C", "D", "E"]
    assert plan.summary()["error_count"] == 5


def test_a_sheet_without_the_header_is_refused(world: Any) -> None:
    with pytest.raises(rs.SheetRefused, match="表头"):
        run(world, sheet(("名字", "代码"), ("甲", A)))
    with pytest.raises(rs.SheetRefused):
        run(world, b"not a workbook")


def test_reimport_is_idempotent_and_updates_by_uscc(
    world: Any, no_matching: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    header = (*BASIC, "资质", "联系人", "联系电话")
    rows: list[tuple[Any, ...]] = [
        ("甲", A, "I65", 10, 100, 50, "专精特新", "王", "13800000001"),
        ("乙", B, "F", 1, 1, 1, "", "", ""),
    ]
    data = sheet(header, *rows)
    with django_capture_on_commit_callbacks(execute=True):
        _, first = run(world, data)
    assert first == rs.Result(2, 0, 0)
    events = AuditEvent.objects.count()
    versions = dict(Enterprise.objects.values_list("uscc", "version"))
    with django_capture_on_commit_callbacks(execute=True):
        plan, second = run(world, data)
    assert second is not None and second == rs.Result(0, 0, 2) and not second.changed
    assert plan.summary()["unchanged"] == 2
    assert dict(Enterprise.objects.values_list("uscc", "version")) == versions
    assert Qualification.objects.count() == 1 and Contact.objects.count() == 1
    assert AuditEvent.objects.count() == events + 1  # only the import's own event
    assert no_matching == [world.nangang.pk]  # not matched again: nothing changed

    rows[0] = ("甲公司", A, "I65", 400, 100, 50, "高新技术企业", "王", "13800000001")
    rows.append(("丙", C, "", None, None, None, "", "", ""))
    _, third = run(world, sheet(header, *rows))
    assert third == rs.Result(1, 1, 1)
    e = Enterprise.objects.get(uscc=A)
    assert (e.name, e.employees, e.version) == ("甲公司", 400, versions[A] + 1)
    assert list(e.qualifications.values_list("name", flat=True)) == ["高新技术企业"]
    assert Contact.objects.filter(enterprise=e).count() == 1  # the same phone: the same contact
    assert Enterprise.objects.filter(jurisdiction=world.nangang).count() == 3


def test_a_column_the_sheet_lacks_keeps_the_stored_value(
    world: Any, no_matching: list[int]
) -> None:
    run(world, sheet(BASIC, ("甲", A, "C3511", 320, 25000, None)))
    _, result = run(world, sheet(("企业名称", "统一社会信用代码"), ("甲", A)))
    assert result == rs.Result(0, 0, 1)
    e = Enterprise.objects.get(uscc=A)
    assert (e.industry_code, e.employees, e.size) == ("C3511", 320, "medium")


def test_only_the_office_imports(world: Any) -> None:
    from shishi.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        rs.import_file(sheet(BASIC, ("甲", A, "", 1, 1, 1)), world.nangang, actor=world.editor_a)
    with pytest.raises(PermissionDenied):
        rs.import_file(sheet(BASIC, ("甲", A, "", 1, 1, 1)), world.nangang, actor=world.outsider)


def test_generated_register_imports_cleanly(
    world: Any, no_matching: list[int], tmp_path: Any
) -> None:
    from shishi.enterprise.register_generate import write_register

    path = write_register(tmp_path / "r.xlsx", 300, seed=3)
    plan, result = run(world, path.read_bytes())
    assert errors_of(plan) == []
    assert result is not None and result.created == 300
    assert Enterprise.objects.filter(jurisdiction=world.nangang).exclude(size="").exists()


def test_preview_names_the_changes(world: Any, no_matching: list[int]) -> None:
    org_services.ensure_unit(world.nangang, "花园街道", kind="street")
    org_services.ensure_unit(world.nangang, "大成街道", kind="street")
    header = ("企业名称", "统一社会信用代码", "行业代码", "从业人员", "营业收入", "所属街道")
    run(world, sheet(header, ("甲", A, "C3511", 320, 25000, "花园街道")))
    plan, _ = run(world, sheet(header, ("甲", A, "C3511", 5, 25000, "大成街道")), write=False)
    (change,) = plan.summary()["sample"]
    assert change["action"] == "update"
    assert ["所属街道", "花园街道", "大成街道"] in change["changes"]
    assert ["企业规模", "中型", "微型"] in change["changes"]
    assert ["从业人员", "320", "5"] in change["changes"]


def test_a_contact_without_phone_and_a_stale_plan(world: Any, no_matching: list[int]) -> None:
    header = ("企业名称", "统一社会信用代码", "联系人", "联系电话", "电子邮箱")
    data = sheet(header, ("甲", A, "王", "", "a@b.cn"))
    plan = rs.plan_import(rs.read_sheet(data, jurisdiction_id=world.nangang.pk), world.nangang.pk)
    # someone adds the same enterprise between the preview and the write
    run(world, data)
    with pytest.raises(rs.StaleRegister):
        rs.apply_plan(plan, actor=world.office)
    contact = Contact.objects.get()
    assert (contact.name, contact.email, bool(contact.phone)) == ("王", "a@b.cn", False)
    # the same name without a phone is the same contact
    _, again = run(world, data)
    assert again == rs.Result(0, 0, 1) and Contact.objects.count() == 1
