"""The Open311 GeoReport v2 server: conformance per endpoint and format (JSON and XML parsed
back, field names and types as the spec's, ISO 8601 times with their zone), filters, keys,
what never goes public, masking, errors in both formats, the key command."""

from __future__ import annotations

import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from shishi.conftest import World
from shishi.core.models import AuditEvent
from shishi.demands import services
from shishi.demands.models import Category, Channel, Demand, Kind, Open311Key, Status
from shishi.demands.open311 import keys
from shishi.demands.tests.conftest import Dm

V2 = "/open311/v2"
REQUEST_FIELDS: dict[str, type | tuple[type, ...]] = {
    "service_request_id": str,
    "status": str,
    "status_notes": (str, type(None)),
    "service_name": str,
    "service_code": str,
    "description": (str, type(None)),
    "agency_responsible": (str, type(None)),
    "service_notice": type(None),
    "requested_datetime": str,
    "updated_datetime": str,
    "expected_datetime": (str, type(None)),
    "address": (str, type(None)),
    "address_id": type(None),
    "zipcode": type(None),
    "lat": (float, type(None)),
    "long": (float, type(None)),
    "media_url": type(None),
}


def _aware(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    assert value.tzinfo is not None and value.utcoffset() is not None, text
    return value


def _xml_rows(body: bytes, root: str, child: str) -> list[dict[str, str]]:
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    tree = ET.fromstring(body)
    assert tree.tag == root
    return [{e.tag: e.text or "" for e in row} for row in tree if row.tag == child]


def _get(path: str, **params: Any) -> Any:
    return Client().get(f"{V2}/{path}", params)


def _demand(world: World, dm: Dm, **over: Any) -> Demand:
    data = services.IntakeInput(
        kind=Kind.HELP,
        category_id=dm.light.pk,
        description="果戈里大街路灯不亮，请联系13812345678或0451-86661234",
        channel=Channel.WEB,
        address="果戈里大街与邮政街交口",
        lat=None,
        lon=None,
        contact_name="张三",
        phone="13812345678",
    )
    for name, value in over.items():
        setattr(data, name, value)
    return services.take_in(world.nangang.pk, data)


@pytest.fixture
def key(world: World) -> str:
    return keys.create_key(world.nangang, name="城市管家App")[1]


# --- discovery and services ------------------------------------------------------------------


def test_discovery_in_both_formats(world: World, dm: Dm) -> None:
    data = _get("discovery.json").json()
    assert set(data) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    _aware(data["changeset"])
    response = _get("discovery.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    tree = ET.fromstring(response.content)
    assert tree.tag == "discovery"
    formats = [f.text for f in tree.findall("endpoints/endpoint/formats/format")]
    assert formats == ["text/xml", "application/json"]


def test_services_lists_only_the_districts_open_categories(world: World, dm: Dm) -> None:
    Category.objects.create(
        jurisdiction=world.nangang, code="old", name="旧类", open311=True, is_active=False
    )
    # Only Nangang opens categories: jurisdiction_id may be left out.
    response = _get("services.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    (service,) = response.json()
    assert service["service_code"] == "streetlight" and service["service_name"] == "路灯"
    assert service["metadata"] is False and service["type"] == "realtime"
    assert isinstance(service["description"], str) and isinstance(service["keywords"], str)
    assert isinstance(service["group"], str)
    rows = _xml_rows(_get("services.xml", jurisdiction_id="230103").content, "services", "service")
    assert [r["service_code"] for r in rows] == ["streetlight"]
    assert rows[0]["metadata"] == "false" and rows[0]["type"] == "realtime"


def test_jurisdiction_id_is_required_once_two_districts_are_open(world: World, dm: Dm) -> None:
    Category.objects.create(jurisdiction=world.hulan, code="heating", name="供热", open311=True)
    response = _get("services.json")
    assert response.status_code == 400
    (error,) = response.json()
    assert error["code"] == 400 and "jurisdiction_id" in error["description"]
    assert "230103" in error["description"] and "230111" in error["description"]
    hulan = _get("services.json", jurisdiction_id="230111").json()
    assert [s["service_code"] for s in hulan] == ["heating"]
    response = _get("services.xml", jurisdiction_id="999999")
    assert response.status_code == 404
    (error_xml,) = _xml_rows(response.content, "errors", "error")
    assert error_xml["code"] == "404" and "999999" in error_xml["description"]
    # A city is not a district.
    assert _get("services.json", jurisdiction_id="230100").status_code == 404


def test_service_definition(world: World, dm: Dm) -> None:
    data = _get("services/streetlight.json").json()
    assert data == {"service_code": "streetlight", "attributes": []}
    tree = ET.fromstring(_get("services/streetlight.xml").content)
    assert tree.tag == "service_definition"
    assert tree.findtext("service_code") == "streetlight"
    assert tree.find("attributes") is not None and len(tree.find("attributes")) == 0  # type: ignore[arg-type]
    for code in ("road", "nope", "x" * 300):  # not open to Open311, unknown, absurd
        response = _get(f"services/{code}.json")
        assert response.status_code == 404
        assert "service_code" in response.json()[0]["description"]


# --- requests GET ----------------------------------------------------------------------------


def test_requests_in_both_formats_hold_the_specs_fields(world: World, dm: Dm) -> None:
    demand = _demand(world, dm, lat=None, lon=None)
    located = _demand(
        world,
        dm,
        description="邮政街路灯闪烁",
        lat=Decimal("45.756123"),
        lon=Decimal("126.642987"),
    )
    rows = _get("requests.json").json()
    assert [r["service_request_id"] for r in rows] == [str(located.pk), str(demand.pk)]
    for row in rows:
        assert set(row) == set(REQUEST_FIELDS)
        for name, kind in REQUEST_FIELDS.items():
            assert isinstance(row[name], kind), (name, row[name])
        assert row["status"] == "open"
        assert _aware(row["requested_datetime"]) <= _aware(row["updated_datetime"])
    assert rows[0]["lat"] == pytest.approx(45.756123) and rows[0]["long"] == pytest.approx(
        126.642987
    )
    xml_rows = _xml_rows(_get("requests.xml").content, "service_requests", "request")
    assert [r["service_request_id"] for r in xml_rows] == [str(located.pk), str(demand.pk)]
    assert set(xml_rows[0]) == set(REQUEST_FIELDS)
    _aware(xml_rows[0]["requested_datetime"])
    assert float(xml_rows[0]["lat"]) == pytest.approx(45.756123)


def test_a_request_by_id_and_its_life_in_the_public_record(world: World, dm: Dm) -> None:
    demand = _demand(world, dm)
    (row,) = _get(f"requests/{demand.pk}.json").json()
    assert row["status"] == "open" and row["agency_responsible"] is None
    assert row["status_notes"] == "已受理，等待派单"
    demand = services.dispatch(demand, world.unit_a, actor=world.operator, expected_version=None)
    demand = services.accept(demand, actor=world.editor_a, expected_version=None)
    (row,) = _get(f"requests/{demand.pk}.json").json()
    assert row["agency_responsible"] == "区城管局" and row["expected_datetime"] is not None
    _aware(row["expected_datetime"])
    demand = services.resolve(
        demand,
        actor=world.editor_a,
        reply="路灯已修复，联系人13912345678，咨询电话0451-86660000",
        expected_version=None,
    )
    (row,) = _xml_rows(_get(f"requests/{demand.pk}.xml").content, "service_requests", "request")
    assert row["status"] == "closed"
    assert row["status_notes"] == "路灯已修复，联系人139****5678，咨询电话0451-86660000"
    for bad in ("abc", "99999999999999999999999", str(demand.pk + 1000)):
        response = _get(f"requests/{bad}.xml")
        assert response.status_code == 404
        assert _xml_rows(response.content, "errors", "error")[0]["code"] == "404"


def test_public_records_carry_no_name_or_phone_and_mask_numbers(world: World, dm: Dm) -> None:
    id_number = "11010519491231002X"
    _demand(world, dm, description=f"路灯不亮，我的手机13812345678，座机0451-86661234，{id_number}")
    body = _get("requests.json").content.decode()
    assert "张三" not in body and "13812345678" not in body and "86661234" not in body
    assert "138****5678" in body and "0451****1234" in body
    assert id_number not in body and id_number[-4:] in body
    xml_body = _get("requests.xml").content.decode()
    assert "张三" not in xml_body and "13812345678" not in xml_body and id_number not in xml_body


def test_reports_complaints_and_closed_categories_never_appear(world: World, dm: Dm) -> None:
    public = _demand(world, dm)
    report = _demand(world, dm, kind=Kind.REPORT, phone="")
    complaint = _demand(world, dm, kind=Kind.COMPLAINT)
    road = _demand(world, dm, category_id=dm.road.pk)
    hulan_light = Category.objects.create(
        jurisdiction=world.hulan, code="streetlight", name="路灯", open311=True
    )
    hulan = services.take_in(
        world.hulan.pk,
        services.IntakeInput(
            kind=Kind.HELP,
            category_id=hulan_light.pk,
            description="呼兰路灯不亮很久了",
            channel=Channel.WEB,
            phone="13812345678",
        ),
    )
    ids = [r["service_request_id"] for r in _get("requests.json", jurisdiction_id="230103").json()]
    assert ids == [str(public.pk)]
    for hidden in (report, complaint, road, hulan):
        assert _get(f"requests/{hidden.pk}.json", jurisdiction_id="230103").status_code == 404
    listed = _get(
        "requests.json",
        jurisdiction_id="230103",
        service_request_id=f"{report.pk},{complaint.pk},{road.pk},{public.pk}",
    ).json()
    assert [r["service_request_id"] for r in listed] == [str(public.pk)]


def test_requests_filters(world: World, dm: Dm) -> None:
    old = _demand(world, dm, description="很久以前的路灯问题")
    Demand.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=120))
    open_one = _demand(world, dm, description="现在的路灯问题一")
    closed_one = _demand(world, dm, description="现在的路灯问题二")
    Demand.objects.filter(pk=closed_one.pk).update(status=Status.CLOSED, reply="已修好路灯")

    def ids(**params: Any) -> list[str]:
        response = _get("requests.json", **params)
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in response.json()]

    # The default window is the last 90 days.
    assert ids() == [str(closed_one.pk), str(open_one.pk)]
    assert ids(status="open") == [str(open_one.pk)]
    assert ids(status="closed") == [str(closed_one.pk)]
    assert ids(status="open,closed") == [str(closed_one.pk), str(open_one.pk)]
    assert ids(service_code="road") == []
    assert ids(service_code="road,streetlight", status="open") == [str(open_one.pk)]
    start = (timezone.now() - dt.timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(start_date=start) == [str(old.pk)]
    end = (timezone.now() - dt.timedelta(days=100)).isoformat()
    assert ids(end_date=end) == [str(old.pk)]
    # service_request_id overrides every other filter, the window included.
    assert ids(service_request_id=f"{old.pk}", status="closed") == [str(old.pk)]
    # A "+08:00" sent unencoded arrives as a space: read back.
    local = timezone.localtime() - dt.timedelta(days=1)
    assert open_one.pk in {
        int(i) for i in ids(start_date=local.strftime("%Y-%m-%dT%H:%M:%S 08:00"))
    }


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2024-13-40"}, "end_date"),
        ({"start_date": "0001-01-01T00:00:00+14:00"}, "start_date"),
        ({"start_date": "2024-01-01T00:00:00Z", "end_date": "2024-06-01T00:00:00Z"}, "90"),
        ({"start_date": "2024-06-01T00:00:00Z", "end_date": "2024-01-01T00:00:00Z"}, "end_date"),
        ({"status": "pending"}, "status"),
        ({"service_request_id": "1,x"}, "service_request_id"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(
    world: World, dm: Dm, params: dict[str, str], word: str
) -> None:
    for fmt in ("json", "xml"):
        response = _get(f"requests.{fmt}", **params)
        assert response.status_code == 400
        if fmt == "json":
            (error,) = response.json()
            assert error["code"] == 400 and word in error["description"]
        else:
            (error,) = _xml_rows(response.content, "errors", "error")
            assert error["code"] == "400" and word in error["description"]


def test_the_list_stops_at_1000(world: World, dm: Dm) -> None:
    first = _demand(world, dm)
    Demand.objects.bulk_create(
        [
            Demand(
                jurisdiction=world.nangang,
                number=f"N{i:09d}",
                kind=Kind.HELP,
                category=dm.light,
                channel=Channel.WEB,
                description="路灯不亮",
            )
            for i in range(1000)
        ]
    )
    rows = _get("requests.json").json()
    assert len(rows) == 1000
    assert str(first.pk) not in {r["service_request_id"] for r in rows}


# --- requests POST ---------------------------------------------------------------------------


def _post(fmt: str = "json", **fields: str) -> Any:
    return Client().post(f"{V2}/requests.{fmt}", fields)


GOOD = {
    "service_code": "streetlight",
    "lat": "45.7561234",
    "long": "126.6429871",
    "address_string": "果戈里大街",
    "description": "果戈里大街路灯一整排都不亮",
    "phone": "13812345678",
    "first_name": "三",
    "last_name": "张",
    "email": "someone@example.com",
    "media_url": "https://example.com/p/1.jpg",
}


def test_post_with_a_good_key_takes_the_demand_in(world: World, dm: Dm, key: str) -> None:
    response = _post(api_key=key, jurisdiction_id="230103", **GOOD)
    assert response.status_code == 200, response.content
    (answer,) = response.json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert "token" not in answer
    demand = Demand.objects.get(pk=int(answer["service_request_id"]))
    assert demand.number in answer["service_notice"]
    assert demand.channel == Channel.OPEN311 and demand.kind == Kind.HELP
    assert demand.category == dm.light and demand.contact_name == "张三"
    assert demand.phone.reveal() == "13812345678"
    assert str(demand.lat) == "45.756123" and str(demand.lon) == "126.642987"
    assert "https://example.com/p/1.jpg" in demand.description
    assert AuditEvent.objects.filter(action="demands.open311_intake").count() == 1
    row = Open311Key.objects.get()
    assert row.last_used_at is not None
    # The key's district is the default; the XML answer has the spec's shape.
    response = _post("xml", api_key=key, **{**GOOD, "phone": "0451-87654321"})
    (answer_xml,) = _xml_rows(response.content, "service_requests", "request")
    assert set(answer_xml) == {"service_request_id", "service_notice", "account_id"}
    landline = Demand.objects.get(pk=int(answer_xml["service_request_id"]))
    assert landline.landline.reveal() == "045187654321" and not landline.phone


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_without_or_with_a_bad_key_is_403(world: World, dm: Dm, key: str, fmt: str) -> None:
    Open311Key.objects.update(is_active=True)
    for fields in ({}, {"api_key": "o311_wrong"}, {"api_key": "x" * 5000}):
        response = _post(fmt, **fields, **GOOD)
        assert response.status_code == 403
        body = (
            response.json()[0]
            if fmt == "json"
            else _xml_rows(response.content, "errors", "error")[0]
        )
        assert str(body["code"]) == "403" and "api_key" in body["description"]
    keys.deactivate_key(Open311Key.objects.get())
    assert _post(fmt, api_key=key, **GOOD).status_code == 403
    assert not Demand.objects.exists()


def test_a_key_posts_only_to_its_own_district(world: World, dm: Dm, key: str) -> None:
    Category.objects.create(jurisdiction=world.hulan, code="streetlight", name="路灯", open311=True)
    response = _post(api_key=key, jurisdiction_id="230111", **GOOD)
    assert response.status_code == 403
    assert not Demand.objects.exists()


@pytest.mark.parametrize(
    ("over", "status", "word"),
    [
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "road"}, 404, "service_code"),
        ({"lat": "", "long": "", "address_string": ""}, 400, "address_string"),
        ({"lat": "45.7", "long": ""}, 400, "lat"),
        ({"lat": "NaN", "long": "Infinity"}, 400, "lat"),
        ({"lat": "95", "long": "126"}, 400, "lat"),
        ({"lat": "45", "long": "1e999"}, 400, "long"),
        ({"phone": "12345"}, 400, "phone"),
        ({"phone": ""}, 400, "phone"),
        ({"description": "灯"}, 400, "description"),
        ({"description": "路" * 4001}, 400, "description"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"description": "路灯\x00不亮了很久"}, 400, "description"),
    ],
)
def test_bad_posts_are_refused_naming_the_field(
    world: World, dm: Dm, key: str, over: dict[str, str], status: int, word: str
) -> None:
    response = _post(api_key=key, **{**GOOD, **over})
    assert response.status_code == status, response.content
    assert any(word in e["description"] for e in response.json())
    assert not Demand.objects.exists()


def test_post_is_throttled_per_key(world: World, dm: Dm, key: str, settings: Any) -> None:
    settings.SHISHI_RATE_LIMITS = {**settings.SHISHI_RATE_LIMITS, "open311_post": "2/60"}
    from django.core.cache import caches

    caches["ratelimit"].clear()
    codes = [_post(api_key=key, **GOOD).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    response = _post("xml", api_key=key, **GOOD)
    assert response.status_code == 429 and response["Retry-After"]
    assert _xml_rows(response.content, "errors", "error")[0]["code"] == "429"
    # GETs stay open: they are limited per client, not per key.
    assert _get("requests.json").status_code == 200


# --- errors, whatever is asked -----------------------------------------------------------------


def test_unknown_paths_methods_and_missing_formats(world: World, dm: Dm) -> None:
    response = _get("tokens/1.json")
    assert response.status_code == 404 and response.json()[0]["code"] == 404
    response = _get("nothing.xml")
    assert response.status_code == 404 and _xml_rows(response.content, "errors", "error")
    response = _get("services")
    assert response.status_code == 400 and _xml_rows(response.content, "errors", "error")
    response = _get("services.csv")
    assert response.status_code == 400
    response = Client().post(f"{V2}/services.json")
    assert response.status_code == 400 and "POST" in response.json()[0]["description"]
    response = Client().delete(f"{V2}/requests.json")
    assert response.status_code == 400
    response = Client().post(
        f"{V2}/requests.json", json.dumps(GOOD), content_type="application/json"
    )
    assert response.status_code == 400


def test_text_that_xml_cannot_hold_never_breaks_the_document(world: World, dm: Dm) -> None:
    demand = _demand(world, dm)
    Demand.objects.filter(pk=demand.pk).update(description="路灯\x0b不亮 <b>&amp;</b>")
    tree = ET.fromstring(_get(f"requests/{demand.pk}.xml").content)
    assert tree.findtext("request/description") == "路灯\ufffd不亮 <b>&amp;</b>"


# --- the command -----------------------------------------------------------------------------


def test_create_open311_key_prints_the_key_once_and_stores_its_hash(world: World) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_open311_key", "城市管家App", jurisdiction="230103", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert key.startswith("o311_") and len(key) > 40
    row = Open311Key.objects.get()
    assert row.jurisdiction == world.nangang and row.name == "城市管家App"
    assert row.key_hash == keys.hash_key(key) and key not in row.key_hash
    assert keys.key_for(key) == row
    assert "只显示这一次" in err.getvalue()
    assert AuditEvent.objects.filter(action="demands.open311_key.create").exists()
    with pytest.raises(CommandError, match="230100"):
        call_command("create_open311_key", "x", jurisdiction="230100", stdout=out, stderr=err)
    with pytest.raises(CommandError, match="--jurisdiction"):
        call_command("create_open311_key", "x", stdout=out, stderr=err)
    with pytest.raises(CommandError):
        call_command("create_open311_key", " ", jurisdiction="230103", stdout=out, stderr=err)


def test_gets_are_limited_per_client(world: World, dm: Dm, settings: Any) -> None:
    from django.core.cache import caches

    settings.SHISHI_RATE_LIMITS = {**settings.SHISHI_RATE_LIMITS, "open311": "2/60"}
    caches["ratelimit"].clear()
    client = Client(REMOTE_ADDR="10.0.0.7")
    assert [client.get(f"{V2}/services.xml").status_code for _ in range(2)] == [200, 200]
    response = client.get(f"{V2}/requests.xml")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert _xml_rows(response.content, "errors", "error")[0]["code"] == "429"
    assert Client(REMOTE_ADDR="10.0.0.8").get(f"{V2}/services.json").status_code == 200


def test_head_and_public_caching(world: World, dm: Dm) -> None:
    response = Client().head(f"{V2}/services.json")
    assert response.status_code == 200
    response = _get("services.json")
    assert "public" in response["Cache-Control"] and response["Access-Control-Allow-Origin"] == "*"
    assert "no-store" in _get("services/nope.json")["Cache-Control"]


NASTY = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=60
) | st.sampled_from(["1e999", "-0", "NaN", "9" * 30, "2024-02-30", "0001-01-01", "+08:00", ","])


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    values=st.dictionaries(
        st.sampled_from(
            [
                "jurisdiction_id",
                "service_request_id",
                "service_code",
                "start_date",
                "end_date",
                "status",
                "lat",
                "long",
                "phone",
                "description",
                "address_string",
                "media_url",
            ]
        ),
        NASTY,
    )
)
def test_no_input_gives_a_500(world: World, dm: Dm, key: str, values: dict[str, str]) -> None:
    for response in (
        _get("requests.json", **values),
        _get("requests.xml", **values),
        _get("services.xml", **values),
        _post("json", api_key=key, **{**GOOD, **values}),
    ):
        assert response.status_code < 500
        assert response["Content-Type"].split(";")[0] in ("application/json", "text/xml")
