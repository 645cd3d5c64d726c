"""The office API of health certificates (paging, status filter, permissions, unknown
parameters 422) and the export to the province (columns, full ID numbers, revocations and
re-issues, office only, audited; the command)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from shishi.appointments import certificate_export, certificates
from shishi.appointments.tests.certs_fixtures import certified, clinic_of, id_number
from shishi.conftest import World, client_for
from shishi.core.errors import PermissionDenied
from shishi.core.models import AuditEvent

pytestmark = pytest.mark.django_db
API = "/api/v1/health-certificates"
ITEM_KEYS = {
    "number",
    "jurisdiction",
    "status",
    "holder",
    "trade",
    "valid_from",
    "valid_until",
    "issuer",
    "revoked_at",
    "revoke_reason",
}


@pytest.fixture
def three(world: World) -> dict[str, object]:
    clinic = clinic_of(world)
    today = timezone.localdate()
    valid = certified(world, clinic, name="欧阳丽华", serial="101", today=today)
    old = certified(world, clinic, name="周九", serial="102", today=today - dt.timedelta(days=400))
    gone = certified(world, clinic, name="吴十", serial="103", today=today)
    certificates.revoke(gone, reason="复查不合格", actor=world.office)
    return {"clinic": clinic, "valid": valid, "old": old, "gone": gone}


def _get(user: object, query: str = "") -> tuple[int, dict]:
    response = client_for(user).get(f"{API}{query}")  # type: ignore[arg-type]
    return response.status_code, json.loads(response.content)


def test_api_pages_and_filters(world: World, three: dict) -> None:
    code, body = _get(world.office)
    assert code == 200 and set(body) == {"count", "page", "page_size", "items"}
    assert body["count"] == 3 and body["page"] == 1 and body["page_size"] == 25
    assert all(set(i) == ITEM_KEYS for i in body["items"])
    text = json.dumps(body, ensure_ascii=False)
    for serial in ("101", "102", "103"):
        assert id_number(serial=serial) not in text
    assert "欧阳丽华" not in text and "欧**华" in text
    for status, cert in (("valid", "valid"), ("expired", "old"), ("revoked", "gone")):
        code, body = _get(world.office, f"?status={status}")
        assert code == 200 and [i["number"] for i in body["items"]] == [three[cert].number]
        assert body["items"][0]["status"] == status
    code, body = _get(world.office, "?page=2&page_size=2&jurisdiction=230103")
    assert code == 200 and body["count"] == 3 and len(body["items"]) == 1
    assert body["page"] == 2 and body["page_size"] == 2


def test_api_refuses(world: World, three: dict) -> None:
    assert _get(world.office, "?status=lost")[0] == 422
    code, body = _get(world.office, "?stauts=valid")
    assert code == 422 and "stauts" in body["errors"]
    assert _get(world.office, "?page=0")[0] == 422
    assert _get(world.office, "?page_size=101")[0] == 422
    assert _get(world.office, "?jurisdiction=230111")[0] == 404  # not theirs
    for user in (world.operator, world.editor_a, three["clinic"].doctor, world.resident):
        assert _get(user)[0] == 403
    assert _get(None)[0] == 401
    code, body = _get(world.outsider)
    assert code == 200 and body["count"] == 0  # Hulan's office sees Hulan's (none)
    code, body = _get(world.city_office)
    assert code == 200 and body["count"] == 3  # the city office over Nangang


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_export_contract(world: World, three: dict) -> None:
    clinic = three["clinic"]
    # A re-issue: the holder of the expired certificate certified again.
    again = certified(world, clinic, name="周九", serial="102", today=timezone.localdate())
    out = io.StringIO()
    since = timezone.localdate() - dt.timedelta(days=500)
    count = certificate_export.export(
        out, jurisdiction_code="230103", since=since, actor=world.office
    )
    text = out.getvalue()
    assert count == 4 and text.startswith(",".join(certificate_export.COLUMNS) + "\r\n")
    rows = {r["number"]: r for r in _rows(text)}
    assert set(rows) == {
        three["valid"].number,
        three["old"].number,
        three["gone"].number,
        again.number,
    }
    assert rows[three["valid"].number]["id_number"] == id_number(serial="101")
    assert rows[three["valid"].number]["holder_name"] == "欧阳丽华"
    assert rows[three["valid"].number]["status"] == "valid"
    assert rows[three["old"].number]["status"] == "expired"
    gone = rows[three["gone"].number]
    assert gone["status"] == "revoked" and gone["revoke_reason"] == "复查不合格"
    assert gone["revoked_at"]
    assert rows[again.number]["previous_number"] == three["old"].number
    assert rows[three["old"].number]["previous_number"] == ""
    event = AuditEvent.objects.filter(action="appointments.export_certificates").latest("seq")
    assert event.changes["rows"] == 4 and id_number(serial="101") not in str(event.changes)


def test_export_since_picks_issues_and_revocations(world: World, three: dict) -> None:
    out = io.StringIO()
    certificate_export.export(
        out, jurisdiction_code="230103", since=timezone.localdate(), actor=world.office
    )
    assert {r["number"] for r in _rows(out.getvalue())} == {
        three["valid"].number,
        three["gone"].number,
    }


def test_export_is_the_offices(world: World, three: dict) -> None:
    for user in (three["clinic"].doctor, world.operator, world.outsider):
        with pytest.raises(PermissionDenied):
            certificate_export.export(
                io.StringIO(), jurisdiction_code="230103", since=dt.date(2000, 1, 1), actor=user
            )
    assert (
        client_for(three["clinic"].doctor)
        .post(
            "/appointments/certificates/export/",
            {"jurisdiction": "230103", "since": "2000-01-01"},
        )
        .status_code
        == 403
    )
    download = client_for(world.office).post(
        "/appointments/certificates/export/",
        {"jurisdiction": "230103", "since": "2000-01-01"},
    )
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    assert len(_rows(download.content.decode("utf-8"))) == 3


def test_export_command(world: World, three: dict, tmp_path: Path) -> None:
    target = tmp_path / "certs.csv"
    call_command(
        "export_certificates", str(target), "--jurisdiction", "230103", "--since", "2000-01-01"
    )
    assert len(_rows(target.read_text(encoding="utf-8"))) == 3
    assert target.stat().st_mode & 0o777 == 0o600
    event = AuditEvent.objects.filter(action="appointments.export_certificates").latest("seq")
    assert event.changes["via"] == "command"
    with pytest.raises(CommandError):
        call_command(
            "export_certificates", str(target), "--jurisdiction", "999999", "--since", "2000-01-01"
        )
    with pytest.raises(CommandError):
        call_command(
            "export_certificates", str(target), "--jurisdiction", "230103", "--since", "yesterday"
        )
