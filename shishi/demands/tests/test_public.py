"""The public intake end to end: the SMS code (asked, wrong, right, expired, too many tries),
the demand stored with its phone encrypted, the tracking code; the tracking page (right pair,
wrong pair, rating once); the limits; no 500 for any input."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from PIL import Image

from shishi.conftest import World
from shishi.demands import intake, services
from shishi.demands.models import Demand, PhoneCode, ResidentText, Status
from shishi.demands.tests.conftest import Dm
from shishi.demands.tests.fake_sms import last_code
from shishi.notify.fakes import FakeGateway

PHONE = "13912345678"
NEW = "/public/demands/230103/new/"
TRACK = "/public/demands/track/"
RATE = "/public/demands/track/rate/"


def form(dm: Dm, **extra: Any) -> dict[str, Any]:
    data = {
        "kind": "help",
        "category": str(dm.road.pk),
        "description": "红旗大街128号门前路面塌陷一个大坑，晚上很危险",
        "address": "红旗大街128号",
        "lat": "45.756900",
        "lon": "126.642500",
        "contact_name": "王女士",
        "phone": PHONE,
        "action": "submit",
    }
    data.update(extra)
    return data


def png(name: str = "hole.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "gray").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def ask_code(client: Client, phone: str = PHONE) -> Any:
    return client.post(NEW, {"phone": phone, "action": "code", "description": "已填的内容"})


def test_form_end_to_end_code_asked_wrong_right_stored_encrypted(
    dm: Dm, gateway: FakeGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = Client()
    page = client.get(NEW)
    assert page.status_code == 200
    assert "获取验证码" in page.content.decode()

    asked = ask_code(client)
    assert asked.status_code == 200
    assert "验证码已发送" in asked.content.decode()
    assert "已填的内容" in asked.content.decode()  # what was typed stays
    assert len(gateway.sms) == 1 and gateway.sms[0].to == PHONE
    code = last_code(gateway)
    assert len(code) == 6 and code.isdigit()
    stored = PhoneCode.objects.get()
    assert code not in stored.code_hash and stored.phone_hash and PHONE not in stored.phone_hash
    sent = ResidentText.objects.get(purpose="code")  # kept for the district's texts page
    assert sent.jurisdiction_id == dm.road.jurisdiction_id and code not in sent.text

    wrong = "000000" if code != "000000" else "111111"
    refused = client.post(NEW, form(dm, code=wrong, photos=[png()]))
    assert refused.status_code == 422
    assert "验证码不正确，还可再试4次" in refused.content.decode()
    assert not Demand.objects.exists()

    done = client.post(NEW, form(dm, code=code, photos=[png()]), follow=True)
    assert done.status_code == 200
    demand = Demand.objects.get()
    assert demand.number in done.content.decode()
    assert 'id="tracking-code"' in done.content.decode()
    assert demand.phone == PHONE and demand.channel == "web" and demand.photos.count() == 1
    assert str(demand.lat) == "45.756900"
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Demand._meta.db_table)
        cursor.execute(f"SELECT phone FROM {table} WHERE id = %s", [demand.pk])
        raw = cursor.fetchone()[0]
    assert PHONE not in raw and raw
    for text in (PHONE, code):
        assert text not in caplog.text


def test_a_verified_phone_submits_again_without_a_code_for_30_minutes(
    dm: Dm, gateway: FakeGateway
) -> None:
    client = Client()
    ask_code(client)
    client.post(NEW, form(dm, code=last_code(gateway)))
    again = client.post(NEW, form(dm, description="路灯不亮已经三天了，请尽快修理"))
    assert again.status_code == 302
    assert Demand.objects.count() == 2
    other = Client()  # another browser: a code again
    refused = other.post(NEW, form(dm, description="又一个诉求，路面有坑需要修"))
    assert refused.status_code == 422
    assert Demand.objects.count() == 2
    session = client.session
    session[intake.SESSION_KEY]["until"] = timezone.now().timestamp() - 1
    session.save()
    expired = client.post(NEW, form(dm, description="第三个诉求，路面又塌了一块"))
    assert expired.status_code == 422


def test_code_expires_after_10_minutes_and_dies_after_5_wrong_tries(
    dm: Dm, gateway: FakeGateway
) -> None:
    client = Client()
    ask_code(client)
    code = last_code(gateway)
    PhoneCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    late = client.post(NEW, form(dm, code=code))
    assert late.status_code == 422 and "验证码已失效" in late.content.decode()

    ask_code(client)
    code = last_code(gateway)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert client.post(NEW, form(dm, code=wrong)).status_code == 422
    assert PhoneCode.objects.filter(used_at__isnull=True).get().tries == 5
    dead = client.post(NEW, form(dm, code=code))  # the right code, too late
    assert dead.status_code == 422 and "重新获取" in dead.content.decode()
    assert not Demand.objects.exists()


def test_a_new_code_kills_the_old_one(dm: Dm, gateway: FakeGateway) -> None:
    client = Client()
    ask_code(client)
    first = last_code(gateway)
    ask_code(client)
    second = last_code(gateway)
    if first != second:
        assert client.post(NEW, form(dm, code=first)).status_code == 422
    assert client.post(NEW, form(dm, code=second)).status_code == 302


@pytest.fixture
def limits(settings: Any) -> Iterator[dict[str, str]]:
    caches["ratelimit"].clear()
    settings.SHISHI_RATE_LIMITS = {
        **settings.SHISHI_RATE_LIMITS,
        "demand_code_client": "3/3600",
        "demand_code_phone": "2/3600",
        "public_form": "4/600",
        "demand_submit_phone": "off",
        "demand_track": "3/600",
    }
    yield settings.SHISHI_RATE_LIMITS
    caches["ratelimit"].clear()


def test_codes_are_limited_per_phone_and_per_client_address(
    dm: Dm, gateway: FakeGateway, limits: dict[str, str]
) -> None:
    client = Client(REMOTE_ADDR="10.0.0.1")
    assert ask_code(client).status_code == 200
    assert ask_code(client).status_code == 200
    third = ask_code(client)  # the phone's limit
    assert third.status_code == 429 and third["Retry-After"]
    assert len(gateway.sms) == 2
    other_client = Client(REMOTE_ADDR="10.0.0.2")
    assert ask_code(other_client).status_code == 429  # the same phone from elsewhere
    assert ask_code(client, "13900000002").status_code == 429  # the client's 3 are used
    assert ask_code(other_client, "13900000002").status_code == 200


def test_submissions_are_limited_per_client_address(
    dm: Dm, gateway: FakeGateway, limits: dict[str, str]
) -> None:
    client = Client(REMOTE_ADDR="10.0.0.3")
    statuses = [client.post(NEW, form(dm, code="123456")).status_code for _ in range(5)]
    assert statuses == [422, 422, 422, 422, 429]
    assert Client(REMOTE_ADDR="10.0.0.4").post(NEW, form(dm)).status_code == 422


def test_submissions_are_limited_per_phone(dm: Dm, gateway: FakeGateway, settings: Any) -> None:
    caches["ratelimit"].clear()
    settings.SHISHI_RATE_LIMITS = {**settings.SHISHI_RATE_LIMITS, "demand_submit_phone": "1/3600"}
    client = Client()
    ask_code(client)
    assert client.post(NEW, form(dm, code=last_code(gateway))).status_code == 302
    assert client.post(NEW, form(dm)).status_code == 429
    assert Demand.objects.count() == 1
    caches["ratelimit"].clear()


def test_only_images_of_bounded_size_are_taken(dm: Dm, gateway: FakeGateway, settings: Any) -> None:
    client = Client()
    ask_code(client)
    code = last_code(gateway)
    text = SimpleUploadedFile("a.txt", b"hello", content_type="text/plain")
    refused = client.post(NEW, form(dm, code=code, photos=[text]))
    assert refused.status_code == 422 and "不是照片" in refused.content.decode()
    assert not Demand.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "nonsense"},
        {"category": "999999"},
        {"category": "abc"},
        {"description": ""},
        {"lat": "91"},
        {"lat": "abc", "lon": "1e400"},
        {"lat": "45.1"},  # one without the other
        {"phone": "12345"},
        {"phone": "１３９１２３４５６７８" * 3},
        {"code": "\x00\x01"},
        {"description": "路面\x00塌陷很危险的"},
    ],
)
def test_bad_input_is_422_naming_the_field_never_500(
    dm: Dm, gateway: FakeGateway, changes: dict[str, str]
) -> None:
    response = Client().post(NEW, form(dm, **{"code": "123456", **changes}))
    assert response.status_code in (400, 422)
    assert not Demand.objects.exists()


def test_unknown_district_is_404_and_other_districts_categories_are_refused(
    dm: Dm, world: World, gateway: FakeGateway
) -> None:
    assert Client().get("/public/demands/999999/new/").status_code == 404
    client = Client()
    ask_code(client)
    hulan = client.post(
        "/public/demands/230111/new/", form(dm, code=last_code(gateway))
    )  # Nangang's category on Hulan's form
    assert hulan.status_code == 422
    assert not Demand.objects.exists()


# --- the tracking page ---------------------------------------------------------------------


def resolved(dm: Dm, world: World) -> Demand:
    demand = services.take_in(
        world.nangang.pk,
        services.IntakeInput(
            kind="complaint",
            category_id=dm.road.pk,
            description="小区门口道路破损，雨天积水",
            channel="web",
            phone=PHONE,
        ),
    )
    demand = services.dispatch(demand, world.unit_a, actor=world.operator, expected_version=None)
    demand = services.accept(demand, actor=world.editor_a, expected_version=None)
    services.send_back  # noqa: B018 - (the unit's internal notes never show)
    return services.resolve(
        demand, actor=world.editor_a, reply="已组织修补路面，积水已排除。", expected_version=None
    )


def test_tracking_shows_one_demand_to_the_right_pair_without_staff_names(
    dm: Dm, world: World
) -> None:
    demand = resolved(dm, world)
    page = Client().post(TRACK, {"number": demand.number.lower(), "tail": "5678"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "已答复" in body and "已组织修补路面" in body and 'id="rate-form"' in body
    for secret in (world.operator.username, world.editor_a.username, PHONE, "王女士"):
        assert secret not in body


def test_a_wrong_pair_says_nothing_about_whether_the_code_exists(dm: Dm, world: World) -> None:
    demand = resolved(dm, world)
    wrong_tail = Client().post(TRACK, {"number": demand.number, "tail": "0000"})
    no_code = Client().post(TRACK, {"number": "ZZZZZZZZZZ", "tail": "5678"})
    assert wrong_tail.status_code == no_code.status_code == 404
    assert demand.number not in wrong_tail.content.decode().replace(f'value="{demand.number}"', "")

    def strip(response: Any) -> str:
        body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
        return body.replace(demand.number, "").replace("ZZZZZZZZZZ", "")

    assert strip(wrong_tail).replace("0000", "") == strip(no_code).replace("5678", "")


def test_the_resident_rates_once(dm: Dm, world: World) -> None:
    demand = resolved(dm, world)
    client = Client()
    rated = client.post(
        RATE, {"number": demand.number, "tail": "5678", "satisfaction": "satisfied", "note": "好"}
    )
    assert rated.status_code == 200 and 'id="rated"' in rated.content.decode()
    demand.refresh_from_db()
    assert demand.status == Status.CLOSED and demand.satisfaction == "satisfied"
    again = client.post(
        RATE, {"number": demand.number, "tail": "5678", "satisfaction": "dissatisfied"}
    )
    assert again.status_code == 422
    demand.refresh_from_db()
    assert demand.satisfaction == "satisfied" and demand.status == Status.CLOSED
    wrong = Client().post(RATE, {"number": demand.number, "tail": "1111", "satisfaction": "x"})
    assert wrong.status_code == 404


def test_a_rating_needs_a_choice(dm: Dm, world: World) -> None:
    demand = resolved(dm, world)
    bad = Client().post(RATE, {"number": demand.number, "tail": "5678", "satisfaction": "meh"})
    assert bad.status_code == 422
    demand.refresh_from_db()
    assert demand.status == Status.RESOLVED


def test_tracking_is_limited_per_client(dm: Dm, world: World, limits: dict[str, str]) -> None:
    client = Client(REMOTE_ADDR="10.0.0.9")
    statuses = [
        client.post(TRACK, {"number": "ABCDEFGHJK", "tail": "1234"}).status_code for _ in range(4)
    ]
    assert statuses == [404, 404, 404, 429]


def test_hostile_names_are_escaped_on_the_public_pages(dm: Dm, world: World) -> None:
    dm.road.name = "<script>alert(1)</script>"
    dm.road.save()
    demand = resolved(dm, world)
    form_page = Client().get(NEW).content.decode()
    tracked = Client().post(TRACK, {"number": demand.number, "tail": "5678"}).content.decode()
    for body in (form_page, tracked):
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_a_used_code_keeps_the_phone_verified_when_the_demand_is_refused(
    dm: Dm, gateway: FakeGateway
) -> None:
    client = Client()
    ask_code(client)
    refused = client.post(NEW, form(dm, code=last_code(gateway), lat="45.1", lon=""))
    assert refused.status_code == 422 and "经纬度须同时填写" in refused.content.decode()
    assert client.post(NEW, form(dm)).status_code == 302  # no second code needed


def test_a_form_sent_without_a_code_says_what_to_do_and_costs_no_try(
    dm: Dm, gateway: FakeGateway
) -> None:
    client = Client()
    refused = client.post(NEW, form(dm, code=""))
    assert refused.status_code == 422 and "请先获取验证码" in refused.content.decode()
    ask_code(client)
    refused = client.post(NEW, form(dm, code=""))
    assert refused.status_code == 422 and "请填写收到的6位验证码" in refused.content.decode()
    assert PhoneCode.objects.get().tries == 0  # an empty box is not a wrong code
    done = client.post(NEW, form(dm, code=last_code(gateway)))
    assert done.status_code == 302 and Demand.objects.count() == 1
