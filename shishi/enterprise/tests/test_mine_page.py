"""``/enterprise/mine/``: a signed-in contact sees its own enterprise — facts, the policies it
fits with the reason per condition, its pushes, its service requests — and never another's."""

from __future__ import annotations

import pytest

from shishi.conftest import client_for
from shishi.enterprise import push
from shishi.enterprise.models import Enterprise, ServiceRequest
from shishi.enterprise.tests import push_fixtures
from shishi.enterprise.tests.push_fixtures import Reg

pytestmark = pytest.mark.django_db
reg = push_fixtures.reg


def _request(reg: Reg, enterprise: Enterprise, number: str, **values: object) -> ServiceRequest:
    return ServiceRequest.objects.create(
        jurisdiction=reg.world.nangang,
        number=number,
        enterprise=enterprise,
        kind="financing",
        description="申请贷款贴息对接",
        channel="station",
        contact_name="张经理",
        contact_phone="13912345678",
        **values,
    )


def test_a_contact_sees_its_own_enterprise(reg: Reg) -> None:
    push.push_policy(reg.policy, actor=reg.world.office, verdicts=["eligible", "possible"])
    _request(reg, reg.rich, "Q2026000001", status="closed", outcome="solved", outcome_text="已放款")
    _request(reg, reg.poor, "Q2026000002")
    r = client_for(reg.contact_user).get("/enterprise/mine/")
    assert r.status_code == 200
    text = r.content.decode()
    assert "南岗软件科技有限公司" in text and reg.rich.uscc in text
    assert "软件企业营业收入奖励" in text and "营业收入800万元" in text
    assert "Q2026000001" in text and "已放款" in text and "融资对接" in text
    assert "未阅读" in text
    assert "Q2026000002" not in text and "南岗小微工作室" not in text
    assert "南岗数据服务有限公司" not in text
    assert "13912345678" not in text
    [mine] = r.context["mine"]
    assert [v.verdict for v in mine.verdicts] == ["eligible"]


def test_possible_policies_show_why_and_ineligible_ones_are_left_out(reg: Reg) -> None:
    r = client_for(reg.other_contact_user).get("/enterprise/mine/")
    assert r.status_code == 200
    [mine] = r.context["mine"]
    assert mine.enterprise.pk == reg.poor.pk and mine.verdicts == []
    assert "按目前登记的信息，没有符合或可能符合的政策" in r.content.decode()
    reg.poor.revenue = None
    reg.poor.save()
    r = client_for(reg.other_contact_user).get("/enterprise/mine/")
    assert "营业收入未登记" in r.content.decode() and "可能符合" in r.content.decode()


def test_no_one_else_has_a_mine_page(reg: Reg) -> None:
    for who in (reg.world.office, reg.world.editor_a, reg.world.resident):
        assert client_for(who).get("/enterprise/mine/").status_code == 403
    assert client_for(None).get("/enterprise/mine/").status_code == 302
    assert client_for(reg.contact_user).post("/enterprise/mine/").status_code == 405
