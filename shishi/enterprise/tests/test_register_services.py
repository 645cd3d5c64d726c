"""Saving an enterprise and its contacts: office only, validated, version-checked, size
derived, audited; a contact's phone encrypted, masked and revealed only on an audited show."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from shishi.core.audit import AuditEvent
from shishi.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from shishi.enterprise import register_services as rsv
from shishi.enterprise.models import Contact, Enterprise
from shishi.enterprise.tests.register_helpers import uscc

pytestmark = pytest.mark.django_db

A, B = uscc("A00000001"), uscc("B00000002")


def make(world: Any, **kw: Any) -> Enterprise:
    data = rsv.EnterpriseInput(**{"name": "甲公司", "uscc": A, **kw})
    return rsv.save_enterprise(world.nangang, data, actor=world.office)


def test_size_is_derived_on_save_and_on_every_change(world: Any) -> None:
    e = make(world, industry_code="3511", employees=320, revenue=Decimal(25000))
    assert (e.industry_code, e.size) == ("C3511", "medium")
    data = rsv.EnterpriseInput(
        name="甲公司", uscc=A, industry_code="C3511", employees=1000, revenue=Decimal(40000)
    )
    e = rsv.save_enterprise(
        world.nangang, data, actor=world.office, enterprise=e, expected_version=1
    )
    assert (e.size, e.version) == ("large", 2)
    data = rsv.EnterpriseInput(name="甲公司", uscc=A, industry_code="C3511", employees=1000)
    e = rsv.save_enterprise(
        world.nangang, data, actor=world.office, enterprise=e, expected_version=2
    )
    assert e.size == ""  # revenue unknown: the size cannot be told
    event = AuditEvent.objects.filter(action="enterprise.update").latest("seq")
    assert event.changes["size"] == ["large", ""]
    assert Decimal(event.changes["revenue"][0]) == 40000 and event.changes["revenue"][1] is None


def test_a_stale_edit_is_refused_not_overwritten(world: Any) -> None:
    e = make(world)
    first = rsv.EnterpriseInput(name="新名称", uscc=A)
    rsv.save_enterprise(world.nangang, first, actor=world.office, enterprise=e, expected_version=1)
    with pytest.raises(StaleEdit):
        rsv.save_enterprise(
            world.nangang,
            rsv.EnterpriseInput(name="旧表单", uscc=A),
            actor=world.office,
            enterprise=e,
            expected_version=1,
        )
    assert Enterprise.objects.get(pk=e.pk).name == "新名称"


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"uscc": A[:-1] + ("1" if A[-1] != "1" else "2")}, "uscc"),
        ({"uscc": "123"}, "uscc"),
        ({"industry_code": "6514"}, "industry_code"),
        ({"industry_code": "A6513"}, "industry_code"),
        ({"employees": -1}, "employees"),
        ({"revenue": Decimal(-1)}, "revenue"),
        ({"name": " "}, "name"),
        ({"street_id": 999999}, "street_id"),
    ],
)
def test_bad_input_names_its_field(world: Any, kw: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        make(world, **kw)
    assert field in raised.value.errors
    assert Enterprise.objects.count() == 0


def test_uscc_is_unique_in_the_district(world: Any) -> None:
    make(world)
    with pytest.raises(ValidationFailed) as raised:
        make(world, name="乙")
    assert "uscc" in raised.value.errors


def test_only_the_office_saves(world: Any) -> None:
    for user in (world.editor_a, world.outsider, world.resident):
        with pytest.raises(PermissionDenied):
            rsv.save_enterprise(world.nangang, rsv.EnterpriseInput(name="甲", uscc=A), actor=user)
    # the city office keeps the districts under it
    rsv.save_enterprise(
        world.nangang, rsv.EnterpriseInput(name="甲", uscc=A), actor=world.city_office
    )


def test_qualifications_are_set_and_audited(world: Any) -> None:
    e = make(world, qualifications=("专精特新", "高新技术企业"))
    assert sorted(e.qualifications.values_list("name", flat=True)) == ["专精特新", "高新技术企业"]
    e = rsv.save_enterprise(
        world.nangang,
        rsv.EnterpriseInput(name="甲公司", uscc=A, qualifications=("专精特新",)),
        actor=world.office,
        enterprise=e,
        expected_version=1,
    )
    assert list(e.qualifications.values_list("name", flat=True)) == ["专精特新"]
    event = AuditEvent.objects.filter(action="enterprise.update").latest("seq")
    assert event.changes["qualifications"] == [["专精特新", "高新技术企业"], ["专精特新"]]


def test_contact_phone_is_encrypted_masked_and_never_audited(world: Any) -> None:
    e = make(world)
    c = rsv.add_contact(
        e, rsv.ContactInput(name="王伟", phone="13812345678", email="w@x.cn"), actor=world.office
    )
    assert c.is_primary  # the first contact
    assert str(Contact.objects.get(pk=c.pk).phone) == "138****5678"
    raw = Contact.objects.filter(pk=c.pk).values_list("phone", flat=True).get()
    assert "13812345678" not in str(raw)
    assert "13812345678" not in str(list(AuditEvent.objects.values_list("changes", flat=True)))
    with pytest.raises(ValidationFailed) as raised:
        rsv.add_contact(e, rsv.ContactInput(name="李", phone="123"), actor=world.office)
    assert "phone" in raised.value.errors
    with pytest.raises(ValidationFailed) as raised:
        rsv.add_contact(e, rsv.ContactInput(name="李", username="nobody"), actor=world.office)
    assert "username" in raised.value.errors
    with pytest.raises(PermissionDenied):
        rsv.add_contact(e, rsv.ContactInput(name="李"), actor=world.editor_a)


def test_update_keeps_the_phone_unless_cleared_and_remove_is_audited(world: Any) -> None:
    e = make(world)
    c = rsv.add_contact(e, rsv.ContactInput(name="王", phone="13812345678"), actor=world.office)
    c = rsv.update_contact(c, rsv.ContactInput(name="王伟", phone=""), actor=world.office)
    assert c.phone.reveal() == "13812345678" and c.name == "王伟"
    c = rsv.update_contact(c, rsv.ContactInput(name="王伟", phone="-"), actor=world.office)
    assert not Contact.objects.get(pk=c.pk).phone
    rsv.remove_contact(c, actor=world.office)
    assert not Contact.objects.filter(pk=c.pk).exists()
    assert AuditEvent.objects.filter(action="enterprise.contact_remove").exists()


def test_reveal_is_audited_and_only_for_office_and_own_contact(world: Any) -> None:
    e = make(world)
    c = rsv.add_contact(
        e,
        rsv.ContactInput(name="王", phone="13812345678", username=world.resident.username),
        actor=world.office,
    )
    assert rsv.reveal_contact(c, field="phone", actor=world.office) == "13812345678"
    event = AuditEvent.objects.filter(action="pii.show").latest("seq")
    assert event.changes["viewer"] == "office" and "13812345678" not in str(event.changes)
    # the enterprise's own contact (a login) sees its own numbers
    assert rsv.reveal_contact(c, field="phone", actor=world.resident) == "13812345678"
    with pytest.raises(NotFound):
        rsv.reveal_contact(c, field="phone", actor=world.outsider)
    with pytest.raises(NotFound):
        rsv.reveal_contact(c, field="phone", actor=world.editor_a)
