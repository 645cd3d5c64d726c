"""The public service-request form and tracking page end to end: the SMS code (none, wrong,
right), the USCC refused with the field named, a new enterprise added, the number on the next
page and by SMS, throttling; tracking with the right last four only, the rating once and only
after closing; no 500 for hostile input."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from shishi.conftest import World
from shishi.demands.models import ResidentText
from shishi.demands.tests.fake_sms import gateway, last_code  # noqa: F401
from shishi.enterprise import requests as svc
from shishi.enterprise.models import Enterprise, RequestStatus, ServiceRequest
from shishi.enterprise.tests.requests_world import PHONE, enterprise, make_uscc
from shishi.notify.fakes import FakeGateway

NEW = "/public/enterprise-requests/230103/new/"
TRACK = "/public/enterprise-requests/track/"
RATE = "/public/enterprise-requests/track/rate/"


def form(**extra: Any) -> dict[str, Any]:
    data = {
        "enterprise_name": "哈尔滨北方新材料有限公司",
        "uscc": make_uscc(42),
        "kind": "green_channel",
        "description": "新设分公司，希望走开办企业绿色通道，一天内办好营业执照和刻章",
        "contact_name": "张女士",
        "contact_phone": PHONE,
        "action": "submit",
    }
    data.update(extra)
    return data


def ask_code(client: Client) -> Any:
    return client.post(NEW, {"contact_phone": PHONE, "action": "code", "description": "已填内容"})


def test_form_end_to_end_with_the_phone_code(world: World, gateway: FakeGateway) -> None:  # noqa: F811
    client = Client()
    page = client.get(NEW)
    assert page.status_code == 200 and "获取验证码" in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]

    no_code = client.post(NEW, form())
    assert no_code.status_code == 422
    assert "请先获取验证码" in no_code.content.decode()

    asked = ask_code(client)
    assert asked.status_code == 200 and "验证码已发送" in asked.content.decode()
    assert "已填内容" in asked.content.decode()
    code = last_code(gateway)
    wrong = "000000" if code != "000000" else "111111"
    refused = client.post(NEW, form(code=wrong))
    assert refused.status_code == 422 and "验证码不正确" in refused.content.decode()
    assert not ServiceRequest.objects.exists()

    done = client.post(NEW, form(code=code), follow=True)
    assert done.status_code == 200
    made = ServiceRequest.objects.get()
    assert made.number in done.content.decode() and 'id="request-number"' in done.content.decode()
    assert made.channel == "public" and made.kind == "green_channel"
    assert made.limit_days == 3  # the green channel's default
    added = Enterprise.objects.get(uscc=make_uscc(42))
    assert added.name == "哈尔滨北方新材料有限公司" and added.jurisdiction_id == world.nangang.pk
    text = ResidentText.objects.get(purpose="ent_request")
    assert made.number in text.text and text.jurisdiction_id == world.nangang.pk


def test_a_bad_uscc_is_refused_with_the_field_named(world: World, gateway: FakeGateway) -> None:  # noqa: F811
    client = Client()
    # Named at once, before any code is asked for.
    early = client.post(NEW, form(uscc="91230103MA00000010", code=""))
    assert early.status_code == 422
    assert "统一社会信用代码应为18位" in early.content.decode()
    ask_code(client)
    code = last_code(gateway)
    refused = client.post(NEW, form(uscc="91230103MA00000010", code=code))
    assert refused.status_code == 422
    body = refused.content.decode()
    assert "统一社会信用代码应为18位" in body
    assert body.index("统一社会信用代码应为18位") > body.index('name="uscc"')
    assert not ServiceRequest.objects.exists() and not Enterprise.objects.exists()
    # The form was refused before the code was used: the corrected form files with it.
    again = client.post(NEW, form(code=code))
    assert again.status_code == 302
    assert ServiceRequest.objects.count() == 1


def test_a_known_enterprise_keeps_its_register_name(world: World, gateway: FakeGateway) -> None:  # noqa: F811
    known = enterprise(world, 42, "哈尔滨名录里的名字有限公司")
    client = Client()
    ask_code(client)
    client.post(NEW, form(code=last_code(gateway)))
    known.refresh_from_db()
    assert known.name == "哈尔滨名录里的名字有限公司"
    assert ServiceRequest.objects.get().enterprise_id == known.pk


def test_the_form_is_throttled(world: World, gateway: FakeGateway, settings: Any) -> None:  # noqa: F811
    caches["ratelimit"].clear()
    settings.SHISHI_RATE_LIMITS = {**settings.SHISHI_RATE_LIMITS, "public_form": "2/600"}
    client = Client()
    for _ in range(2):
        assert client.post(NEW, form()).status_code == 422
    limited = client.post(NEW, form())
    assert limited.status_code == 429 and limited["Retry-After"]
    settings.SHISHI_RATE_LIMITS = {
        **settings.SHISHI_RATE_LIMITS,
        "public_form": "off",
        "enterprise_request_phone": "1/3600",
    }
    ask_code(client)
    assert client.post(NEW, form(code=last_code(gateway))).status_code == 302
    assert client.post(NEW, form()).status_code == 429
    assert ServiceRequest.objects.count() == 1
    caches["ratelimit"].clear()


def test_unknown_district_is_404_and_hostile_input_no_500(world: World) -> None:
    client = Client()
    assert client.get("/public/enterprise-requests/999999/new/").status_code == 404
    hostile = form(
        enterprise_name="<script>alert(1)</script>",
        description="",
        uscc="'; DROP TABLE x; --",
        kind="x" * 500,
        contact_phone="<b>",
    )
    response = client.post(NEW, hostile)
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in response.content.decode()
    # Control characters are refused before the view (core.inputs): 400, not a 500.
    assert client.post(NEW, form(description="\x00\x01")).status_code == 400
    assert client.post(TRACK, {"number": "\x00", "tail": "abcd"}).status_code == 400
    assert client.post(TRACK, {"number": "QY", "tail": "abcd"}).status_code == 404
    assert client.post(RATE, {"number": "x", "tail": "1", "rating": "9"}).status_code == 404


def _closed(world: World) -> ServiceRequest:
    made = svc.take_in_public(
        world.nangang.pk,
        svc.RequestInput(
            kind="talent",
            description="需要招聘20名软件工程师",
            contact_name="王总",
            contact_phone=PHONE,
            uscc=make_uscc(7),
            enterprise_name="哈尔滨招才软件有限公司",
        ),
    )
    svc.assign(made, unit_id=world.unit_a.pk, limit_days=5, actor=world.office, expected_version=1)
    return made


def test_tracking_needs_the_right_last_four(world: World) -> None:
    made = _closed(world)
    client = Client()
    wrong = client.post(TRACK, {"number": made.number, "tail": "0000"})
    assert wrong.status_code == 404 and 'id="not-found"' in wrong.content.decode()
    right = client.post(TRACK, {"number": made.number.lower(), "tail": PHONE[-4:]})
    assert right.status_code == 200
    body = right.content.decode()
    assert "已交承办单位办理" in body and world.unit_a.name in body
    assert 'id="rate-form"' not in body  # not closed yet
    early = client.post(RATE, {"number": made.number, "tail": PHONE[-4:], "rating": "5"})
    assert early.status_code == 422 and 'id="cannot-rate"' in early.content.decode()
    made.refresh_from_db()
    assert made.rating is None


def test_rating_once_after_closing(world: World) -> None:
    made = _closed(world)
    made.refresh_from_db()
    svc.close(
        made,
        outcome="unsolvable",
        text="用地规划不允许",
        actor=world.editor_a,
        expected_version=made.version,
    )
    client = Client()
    page = client.post(TRACK, {"number": made.number, "tail": PHONE[-4:]})
    assert 'id="rate-form"' in page.content.decode() and "用地规划不允许" in page.content.decode()
    wrong_tail = client.post(RATE, {"number": made.number, "tail": "1111", "rating": "2"})
    assert wrong_tail.status_code == 404
    bad = client.post(RATE, {"number": made.number, "tail": PHONE[-4:], "rating": "9"})
    assert bad.status_code == 422
    ok = client.post(
        RATE, {"number": made.number, "tail": PHONE[-4:], "rating": "3", "rating_note": "尽力了"}
    )
    assert ok.status_code == 200 and 'id="rated"' in ok.content.decode()
    again = client.post(RATE, {"number": made.number, "tail": PHONE[-4:], "rating": "5"})
    assert again.status_code == 422
    made.refresh_from_db()
    assert made.rating == 3 and made.rating_note == "尽力了"
    assert made.status == RequestStatus.CLOSED


@pytest.mark.parametrize("path", [NEW, TRACK])
def test_public_pages_need_no_login(world: World, path: str) -> None:
    assert Client().get(path).status_code == 200
