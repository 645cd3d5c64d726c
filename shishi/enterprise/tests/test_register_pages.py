"""The register's pages: the list (search, filters, keyset pages), the enterprise page (size
and its reason, contacts masked, policies with a reason per condition), the edit page with
its version check, the import wizard, and who may see what."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from shishi.conftest import client_for
from shishi.core.audit import AuditEvent
from shishi.enterprise import register_selectors, register_sheet
from shishi.enterprise import register_services as rsv
from shishi.enterprise.models import (
    Enterprise,
    Policy,
    PolicyCondition,
    SheetImport,
    Station,
)
from shishi.enterprise.tests.register_helpers import BASIC, sheet, uscc
from shishi.orgs import services as org_services

pytestmark = pytest.mark.django_db

A, B, C = uscc("A00000001"), uscc("B00000002"), uscc("C00000003")


@pytest.fixture(autouse=True)
def _no_matching(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(register_sheet, "_enqueue_matching", lambda _j: None)


def make(world: Any, code: str = A, name: str = "冰城软件有限公司", **kw: Any) -> Enterprise:
    data = rsv.EnterpriseInput(name=name, uscc=code, **kw)
    return rsv.save_enterprise(world.nangang, data, actor=world.office)


def page_url(e: Enterprise) -> str:
    return reverse("enterprise:enterprise", args=["230103", e.uscc])


def test_register_searches_and_filters(world: Any) -> None:
    street = org_services.ensure_unit(world.nangang, "花园街道", kind="street")
    make(world, A, "冰城软件有限公司", industry_code="I6513", street_id=street.pk,
         qualifications=("专精特新",), employees=5)  # fmt: skip
    make(
        world, B, "松花江食品有限公司", industry_code="C1431", employees=320, revenue=Decimal(25000)
    )
    client = client_for(world.office)
    url = reverse("enterprise:register")
    body = client.get(url).content.decode()
    assert "冰城软件有限公司" in body and "松花江食品有限公司" in body

    def names(**params: str) -> set[str]:
        r = client.get(url, params)
        assert r.status_code == 200
        return {e.name for e in r.context["page"].rows}

    assert names(q="松花江") == {"松花江食品有限公司"}
    assert names(q=A[:10]) == {"冰城软件有限公司"}
    assert names(industry="I65") == {"冰城软件有限公司"}  # a code covers its children
    assert names(industry="C") == {"松花江食品有限公司"}
    assert names(street=str(street.pk)) == {"冰城软件有限公司"}
    assert names(size="medium") == {"松花江食品有限公司"}
    assert names(qualification="专精特新") == {"冰城软件有限公司"}
    r = client.get(url, {"industry": "9999", "size": "huge", "street": "x", "after": "abc"})
    assert r.status_code == 200 and "行业代码" in r.content.decode()


def test_register_pages_by_keyset(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(register_selectors, "PAGE_SIZE", 2)
    for i, code in enumerate((A, B, C)):
        make(world, code, f"企业{i}")
    client = client_for(world.office)
    first = client.get(reverse("enterprise:register"))
    assert [e.name for e in first.context["page"].rows] == ["企业0", "企业1"]
    second = client.get(reverse("enterprise:register") + first.context["next_url"])
    assert [e.name for e in second.context["page"].rows] == ["企业2"]
    assert second.context["next_url"] == ""


def test_enterprise_page_shows_size_reason_contacts_masked_and_policy_reasons(world: Any) -> None:
    e = make(world, industry_code="I6513", employees=150, revenue=Decimal(800))
    rsv.add_contact(e, rsv.ContactInput(name="王伟", phone="13812345678"), actor=world.office)
    policy = Policy.objects.create(
        jurisdiction=world.nangang, title="软件企业研发补贴", level="district",
        benefit="subsidy", status="published", published_at=timezone.now(),
    )  # fmt: skip
    PolicyCondition.objects.create(
        policy=policy, kind="industry_any", params={"codes": ["I65"]}, order=1
    )
    PolicyCondition.objects.create(
        policy=policy, kind="employees_min", params={"value": 100}, order=2
    )
    PolicyCondition.objects.create(policy=policy, kind="tax_min", params={"value": 10}, order=3)
    other = Policy.objects.create(
        jurisdiction=world.nangang, title="制造业技改奖励", level="district",
        benefit="award", status="published", published_at=timezone.now(),
    )  # fmt: skip
    PolicyCondition.objects.create(policy=other, kind="industry_any", params={"codes": ["C"]})
    r = client_for(world.office).get(page_url(e))
    assert r.status_code == 200
    body = r.content.decode()
    assert e.size == "small"
    assert "小型" in body and "软件和信息技术服务业" in body  # the size's reason
    assert "138****5678" in body and "13812345678" not in body
    assert [p.policy.title for p in r.context["possible"]] == ["软件企业研发补贴"]  # tax unknown
    assert [p.policy.title for p in r.context["ineligible"]] == ["制造业技改奖励"]
    assert "✓" in body and "?" in body and "✗" in body
    assert '<details id="ineligible">' in body


def test_show_reveals_the_phone_with_an_audit_event(world: Any) -> None:
    e = make(world)
    c = rsv.add_contact(e, rsv.ContactInput(name="王伟", phone="13812345678"), actor=world.office)
    r = client_for(world.office).post(page_url(e), {"contact": c.pk, "field": "phone"})
    assert r.status_code == 200 and "13812345678" in r.content.decode()
    assert AuditEvent.objects.filter(action="pii.show", target_id=str(e.pk)).count() == 1
    r = client_for(world.office).post(page_url(e), {"contact": "x", "field": "phone"})
    assert r.status_code == 400
    r = client_for(world.office).post(page_url(e), {"contact": c.pk, "field": "secret"})
    assert r.status_code == 400


def test_who_sees_an_enterprise(world: Any) -> None:
    e = make(world)
    other = make(world, B, "别家公司")
    contact_user = world.resident
    rsv.add_contact(
        e, rsv.ContactInput(name="王", username=contact_user.username), actor=world.office
    )
    staff = org_services.ensure_user("station_staff", password="x", display_name="站员")
    station = Station.objects.create(jurisdiction=world.nangang, name="学府路益企工作站")
    station.staff.add(staff)
    station.enterprises.add(other)
    assert client_for(world.office).get(page_url(e)).status_code == 200
    assert client_for(world.city_office).get(page_url(e)).status_code == 200
    assert client_for(contact_user).get(page_url(e)).status_code == 200
    assert client_for(contact_user).get(page_url(other)).status_code == 404  # not its own
    assert client_for(staff).get(page_url(other)).status_code == 200
    assert client_for(staff).get(page_url(e)).status_code == 404
    assert client_for(world.outsider).get(page_url(e)).status_code == 404
    assert client_for(world.editor_a).get(page_url(e)).status_code == 404
    assert client_for(None).get(page_url(e)).status_code == 302  # to the login
    bad = reverse("enterprise:enterprise", args=["230103", "NOT-A-CODE"])
    assert client_for(world.office).get(bad).status_code == 404
    # the contact's own list holds its enterprise only; it may not edit it
    r = client_for(contact_user).get(reverse("enterprise:register"))
    assert [x.name for x in r.context["page"].rows] == ["冰城软件有限公司"]
    edit = reverse("enterprise:enterprise_edit", args=["230103", e.uscc])
    assert client_for(contact_user).get(edit).status_code == 403
    assert client_for(staff).get(edit).status_code == 404  # not served by the station
    other_edit = reverse("enterprise:enterprise_edit", args=["230103", other.uscc])
    assert client_for(staff).get(other_edit).status_code == 403  # seen, not kept


def test_edit_page_saves_and_refuses_a_stale_form(world: Any) -> None:
    e = make(world)
    url = reverse("enterprise:enterprise_edit", args=["230103", e.uscc])
    client = client_for(world.office)
    assert client.get(url).status_code == 200
    form = {
        "name": "新名称",
        "uscc": e.uscc,
        "industry_code": "6513",
        "employees": "5",
        "version": "1",
    }
    r = client.post(url, form)
    assert r.status_code == 302
    e.refresh_from_db()
    assert (e.name, e.industry_code, e.size, e.version) == ("新名称", "I6513", "micro", 2)
    r = client.post(url, dict(form, name="旧表单"))
    assert r.status_code == 409
    assert Enterprise.objects.get(pk=e.pk).name == "新名称"
    r = client.post(url, dict(form, version="2", uscc="123", industry_code="6514"))
    assert r.status_code == 422
    body = r.content.decode()
    assert "统一社会信用代码应为18位" in body and "行业代码6514不存在" in body
    r = client.post(url, dict(form, version="2", employees="-1", revenue="abc"))
    assert r.status_code == 422 and r.context["form"].errors.keys() == {"employees", "revenue"}


def test_new_enterprise_and_contact_pages(world: Any) -> None:
    client = client_for(world.office)
    r = client.post(reverse("enterprise:enterprise_new"), {"name": "甲", "uscc": A.lower()})
    assert r.status_code == 302
    e = Enterprise.objects.get(uscc=A)
    url = reverse("enterprise:contact_new", args=["230103", A])
    r = client.post(url, {"name": "王", "phone": "13812345678", "email": "bad"})
    assert r.status_code == 422 and "电子邮箱格式不对" in r.content.decode()
    r = client.post(url, {"name": "王", "phone": "13812345678"})
    assert r.status_code == 302 and e.contacts.count() == 1
    c = e.contacts.get()
    r = client.post(
        reverse("enterprise:contact_edit", args=["230103", A, c.pk]), {"name": "王伟", "phone": ""}
    )
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.name == "王伟" and c.phone.reveal() == "13812345678"
    r = client.post(reverse("enterprise:contact_remove", args=["230103", A, c.pk]))
    assert r.status_code == 302 and e.contacts.count() == 0
    assert (
        client_for(world.editor_a).post(reverse("enterprise:enterprise_new"), {}).status_code == 403
    )
    other_district = reverse("enterprise:enterprise_new") + "?jurisdiction=230103"
    assert client_for(world.outsider).post(other_district, {}).status_code == 404


def test_import_wizard_upload_preview_confirm(world: Any) -> None:
    client = client_for(world.office)
    data = sheet(BASIC, ("甲", A, "I65", 1, 1, 1), ("乙", B, "F", 1, 1, 1))
    upload = SimpleUploadedFile("名录.xlsx", data)
    r = client.post(
        reverse("enterprise:register_import"), {"jurisdiction": "230103", "file": upload}
    )
    assert r.status_code == 302
    batch = SheetImport.objects.get()
    assert batch.kind == "enterprises" and batch.summary["created"] == 2
    preview = client.get(r["Location"])
    assert preview.status_code == 200 and "确认导入 2 家企业" in preview.content.decode()
    assert Enterprise.objects.count() == 0  # nothing written before the confirmation
    confirm = reverse("enterprise:register_import_confirm", args=[batch.pk])
    assert client_for(world.outsider).post(confirm).status_code == 404
    r = client.post(confirm)
    assert r.status_code == 302 and Enterprise.objects.count() == 2
    batch.refresh_from_db()
    assert batch.status == "applied"
    assert client.post(confirm).status_code == 409  # not twice


def test_import_wizard_lists_bad_cells(world: Any) -> None:
    client = client_for(world.office)
    data = sheet(BASIC, ("甲", A[:-1] + "0" if A[-1] != "0" else A[:-1] + "1", "I65", 1, 1, 1))
    r = client.post(
        reverse("enterprise:register_import"),
        {"jurisdiction": "230103", "file": SimpleUploadedFile("a.xlsx", data)},
    )
    preview = client.get(r["Location"])
    body = preview.content.decode()
    assert "B（统一社会信用代码）" in body and "确认导入" not in body
    r = client.post(
        reverse("enterprise:register_import"),
        {"jurisdiction": "230103", "file": SimpleUploadedFile("a.txt", b"x")},
    )
    assert r.status_code == 422 and ".xlsx" in r.content.decode()
    r = client.post(
        reverse("enterprise:register_import"),
        {"jurisdiction": "230103", "file": SimpleUploadedFile("a.xlsx", b"PK\x03\x04junk")},
    )
    assert r.status_code == 422
    assert client_for(world.editor_a).get(reverse("enterprise:register_import")).status_code == 403


def test_hostile_names_are_escaped(world: Any) -> None:
    e = make(world, name="<script>alert(1)</script>", qualifications=("<b>x</b>",))
    for url in (page_url(e), reverse("enterprise:register")):
        body = client_for(world.office).get(url).content.decode()
        assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
        assert "<b>x</b>" not in body


def test_the_list_is_refused_to_users_with_no_enterprise_work(world: Any) -> None:
    for user in (world.resident, world.editor_a, world.leader):
        assert client_for(user).get(reverse("enterprise:register")).status_code == 403


def test_list_and_page_queries_do_not_grow_with_the_register(
    world: Any, django_assert_max_num_queries: Any, tmp_path: Any
) -> None:
    from shishi.enterprise.register_generate import write_register

    path = write_register(tmp_path / "reg.xlsx", 120, seed=7)
    register_sheet.import_file(path.read_bytes(), world.nangang, actor=world.office)
    client = client_for(world.office)
    url = reverse("enterprise:register")
    client.get(url)  # sessions and caches warm
    with django_assert_max_num_queries(15):
        r = client.get(url, {"industry": "C"})
    assert r.status_code == 200
    e = Enterprise.objects.filter(jurisdiction=world.nangang).first()
    assert e is not None
    with django_assert_max_num_queries(14):
        assert client.get(page_url(e)).status_code == 200
