"""Public verification of health certificates: the JSON in each status (exactly its keys,
nothing personal), the holder masked, the page in words, 404 (JSON for JSON), 429 past the
limit, one query by number."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shishi.appointments import certificates
from shishi.appointments.certificate_selectors import mask_name
from shishi.appointments.models import HealthCertificate
from shishi.appointments.tests.certs_fixtures import PHONE, certified, clinic_of, id_number
from shishi.conftest import World, client_for

pytestmark = pytest.mark.django_db
KEYS = {"number", "status", "holder", "valid_from", "valid_until", "issuer"}


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    caches["ratelimit"].clear()


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("王小明", "王*明"),
        ("欧阳丽华", "欧**华"),
        ("王明", "王*"),
        ("王", "*"),
        ("", ""),
        (" 王 小 明 ", "王*明"),
        ("阿卜杜·热合曼", "阿*****曼"),
        ("John Smith", "J*******h"),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def _json(number: str) -> tuple[int, dict[str, Any]]:
    response = client_for().get(f"/public/certificates/{number}.json")
    return response.status_code, json.loads(response.content)


def test_json_in_each_status(world: World) -> None:
    clinic = clinic_of(world)
    today = timezone.localdate()
    valid = certified(world, clinic, name="欧阳丽华", serial="101", today=today)
    expired = certified(
        world, clinic, name="王明", serial="102", today=today - dt.timedelta(days=400)
    )
    revoked = certified(world, clinic, name="张三丰", serial="103", today=today)
    certificates.revoke(revoked, reason="复查不合格", actor=world.office)
    for cert, status, holder in (
        (valid, "valid", "欧**华"),
        (expired, "expired", "王*"),
        (revoked, "revoked", "张*丰"),
    ):
        code, body = _json(cert.number)
        assert code == 200
        assert set(body) == KEYS
        assert body == {
            "number": cert.number,
            "status": status,
            "holder": holder,
            "valid_from": cert.valid_from.isoformat(),
            "valid_until": cert.valid_until.isoformat(),
            "issuer": clinic.unit.name,
        }
        text = json.dumps(body, ensure_ascii=False)
        for secret in (id_number(serial="101"), PHONE, "photo", "face", "jpg", "png"):
            assert secret not in text
        page = client_for().get(f"/public/certificates/{cert.number}/")
        assert page.status_code == 200 and "no-cache" in page["Cache-Control"]
        content = page.content.decode()
        assert f"cert-status-{status}" in content and holder in content
        assert {"valid": "有效", "expired": "已过期", "revoked": "已撤销"}[status] in content
        assert cert.holder_name not in content


def test_expired_from_the_day_after_valid_until(world: World) -> None:
    clinic = clinic_of(world)
    today = timezone.localdate()
    last_day = certified(world, clinic, today=certificates_from(today))
    assert last_day.valid_until == today
    assert _json(last_day.number)[1]["status"] == "valid"
    HealthCertificate.objects.filter(pk=last_day.pk).update(
        valid_until=today - dt.timedelta(days=1)
    )
    assert _json(last_day.number)[1]["status"] == "expired"


def certificates_from(until: dt.date) -> dt.date:
    """The issue date whose certificate runs to ``until``."""
    day = until - dt.timedelta(days=366)
    while certificates.valid_until(day) != until:
        day += dt.timedelta(days=1)
    return day


def test_unknown_number_404(world: World) -> None:
    code, body = _json("23010320260000000000")
    assert code == 404 and body == {"detail": "没有找到这个健康证"}
    page = client_for().get("/public/certificates/23010320260000000000/")
    assert page.status_code == 404 and "未找到" in page.content.decode()
    # Not a number's shape at all (too long; odd characters): 404 too, never 500.
    assert _json("1" * 60)[0] == 404
    assert client_for().get("/public/certificates/abc-def.json").status_code == 404
    assert client_for().get("/public/certificates/%E7%8E%8B.json").status_code == 404


def test_rate_limited_per_client(world: World, settings: Any) -> None:
    settings.SHISHI_RATE_LIMITS = {**settings.SHISHI_RATE_LIMITS, "certificate_verify": "3/60"}
    client = client_for()
    for _ in range(3):
        assert client.get("/public/certificates/23010320260000000000.json").status_code == 404
    refused = client.get("/public/certificates/23010320260000000000.json")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "retry_after" in json.loads(refused.content)
    page = client.get("/public/certificates/23010320260000000000/")
    assert page.status_code == 429 and int(page["Retry-After"]) > 0
    other = client_for().get(
        "/public/certificates/23010320260000000000.json", REMOTE_ADDR="10.9.8.7"
    )
    assert other.status_code == 404  # another client has its own count


def test_one_query_by_number(world: World) -> None:
    clinic = clinic_of(world)
    cert = certified(world, clinic)
    with CaptureQueriesContext(connection) as queries:
        assert _json(cert.number)[0] == 200
    sql = [q["sql"] for q in queries.captured_queries if "certificate" in q["sql"]]
    assert len(sql) == 1 and '"number" =' in sql[0]
