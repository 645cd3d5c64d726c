"""The study and campaign pages (part C): each person sees what they may, forms answer 422
naming the field and 409 on a stale edit, the export, hostile names escaped, the campaign
page's query count."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from shishi.conftest import World, client_for
from shishi.education.models import CampaignTarget, StudyActivity
from shishi.education.tests.study_fixtures import PAST, Party, approved, entered, party, photo
from shishi.orgs import services as org_services
from shishi.orgs.models import Unit

__all__ = ["party"]
pytestmark = pytest.mark.django_db
Status = StudyActivity.Status


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _post(unit: Unit, **kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "group",
        "line": "",
        "title": "集中研学党史",
        "unit": str(unit.pk),
        "speaker": "",
        "place": "会议室",
        "held_on": PAST.isoformat(),
        "participants": "12",
        "participant_names": "",
        "summary": "",
    }
    data.update(kw)
    return data


def test_unit_editor_enters_through_the_form(world: World, party: Party) -> None:
    client = client_for(party.committee_editor)
    page = client.get("/education/study/new/")
    body = page.content.decode()
    assert page.status_code == 200
    assert f'<optgroup label="{party.committee.name}">' in body
    assert party.branch.name in body and party.other.name not in body
    sent = client.post(
        "/education/study/new/", _post(party.branch, photos=[photo(), photo("b.png")])
    )
    assert sent.status_code == 302
    activity = StudyActivity.objects.get()
    assert activity.unit == party.branch and activity.photos.count() == 2
    shown = client.get(f"/education/study/{activity.pk}/")
    assert shown.status_code == 200 and "待审核" in shown.content.decode()
    assert "approve-form" not in shown.content.decode()  # no review for a unit
    picture = client.get(f"/education/study/photos/{activity.photos.first().pk}")  # type: ignore[union-attr]
    assert picture.status_code == 200
    assert client_for(world.editor_b).get(f"/education/study/{activity.pk}/").status_code == 404
    assert (
        client_for(world.editor_b)
        .get(f"/education/study/photos/{activity.photos.first().pk}")  # type: ignore[union-attr]
        .status_code
        == 404
    )


def test_form_refuses_with_the_field_named(world: World, party: Party) -> None:
    client = client_for(party.committee_editor)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    cases = [
        (_post(party.branch, held_on=tomorrow), "活动日期不能晚于今天"),
        (_post(party.branch, participants="1", participant_names="张三\n李四"), "少于名单中的人数"),
        (_post(party.other), "不在可用的选项中"),
        (_post(party.branch, held_on="明天"), "有效的日期"),
        (_post(party.branch, participants="abc"), "整数"),
        (_post(party.branch, line="expert_tour"), "主讲人"),
    ]
    for data, message in cases:
        answer = client.post("/education/study/new/", data)
        assert answer.status_code == 422, data
        assert message in answer.content.decode(), message
    bad = client.post(
        "/education/study/new/",
        {**_post(party.branch), "photos": [io.BytesIO(b"GIF89a not really")]},
    )
    assert bad.status_code == 422 and "JPEG、PNG 或 WebP" in bad.content.decode()
    assert not StudyActivity.objects.exists()


def test_stale_edit_answers_409_and_keeps_the_newer(world: World, party: Party) -> None:
    activity = entered(party.branch, party.committee_editor)
    client = client_for(party.branch_editor)
    assert client.get(f"/education/study/{activity.pk}/edit/").status_code == 200
    first = client.post(
        f"/education/study/{activity.pk}/edit/", _post(party.branch, title="第一次", version="1")
    )
    assert first.status_code == 302
    second = client_for(party.committee_editor).post(
        f"/education/study/{activity.pk}/edit/", _post(party.branch, title="第二次", version="1")
    )
    assert second.status_code == 409 and 'id="stale"' in second.content.decode()
    assert "第一次" in second.content.decode() and 'value="第二次"' in second.content.decode()
    activity.refresh_from_db()
    assert activity.title == "第一次"
    assert (
        client_for(world.editor_b).get(f"/education/study/{activity.pk}/edit/").status_code == 404
    )


def test_office_reviews_returns_and_approves_in_bulk(world: World, party: Party) -> None:
    a = entered(party.branch, party.committee_editor)
    b = entered(party.committee, party.committee_editor)
    c = entered(party.other, world.office)
    office = client_for(world.office)
    queue = office.get("/education/study/review/")
    assert queue.status_code == 200 and 'id="queue-count">3<' in queue.content.decode()
    no_note = office.post(f"/education/study/{a.pk}/return", {"note": "", "version": "1"})
    assert no_note.status_code == 422 and "退回原因" in no_note.content.decode()
    returned = office.post(f"/education/study/{a.pk}/return", {"note": "缺照片", "version": "1"})
    assert returned.status_code == 302
    bulk = office.post("/education/study/review/approve", {"ids": [str(b.pk), str(c.pk), "x"]})
    assert bulk.status_code == 302
    statuses = dict(StudyActivity.objects.values_list("pk", "status"))
    assert statuses == {a.pk: Status.RETURNED, b.pk: Status.APPROVED, c.pk: Status.APPROVED}
    # The district is chosen by ?jurisdiction= as on the other staff pages.
    listed = office.get("/education/study/?jurisdiction=230103").content.decode()
    assert 'href="/education/study/review/?jurisdiction=230103"' in listed
    hulan_queue = client_for(world.outsider).get("/education/study/review/").content.decode()
    assert 'id="queue-count">0<' in hulan_queue  # its own district's queue
    for user in (party.committee_editor, world.resident):
        assert client_for(user).get("/education/study/review/").status_code == 403
    for user, status in ((party.committee_editor, 403), (world.outsider, 404)):
        answer = client_for(user).post(f"/education/study/{a.pk}/approve", {"version": "2"})
        assert answer.status_code == status
    assert StudyActivity.objects.get(pk=a.pk).status == Status.RETURNED
    # the unit corrects the returned one and it is back in the queue
    fixed = client_for(party.committee_editor).post(
        f"/education/study/{a.pk}/edit/", _post(party.branch, version="2")
    )
    assert fixed.status_code == 302
    assert StudyActivity.objects.get(pk=a.pk).status == Status.SUBMITTED


def test_lists_and_export(world: World, party: Party) -> None:
    approved(party.branch, title="=HYPERLINK(1)", line="secretary_lecture", speaker="李书记")
    entered(party.other, title="另一党委的活动", kind="online")
    office = client_for(world.office)
    page = office.get("/education/study/", {"kind": "online"})
    body = page.content.decode()
    assert page.status_code == 200 and "另一党委的活动" in body and "HYPERLINK" not in body
    assert office.get("/education/study/", {"month": "2026-13", "unit": "x"}).status_code == 200
    mine = client_for(party.committee_editor).get("/education/study/")
    assert "另一党委的活动" not in mine.content.decode()
    assert "HYPERLINK" in mine.content.decode()
    text = office.get("/education/study/export.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "活动日期" and len(rows) == 3
    assert any(r[3] == "'=HYPERLINK(1)" for r in rows)
    xlsx = office.get("/education/study/export.xlsx", {"line": "secretary_lecture"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == 2 and sheet.cell(2, 7).value == "李书记"
    assert office.get("/education/study/export.pdf").status_code == 404
    assert client_for(party.committee_editor).get("/education/study/export.csv").status_code == 403
    hulan = (
        client_for(world.outsider).get("/education/study/export.csv").content.decode("utf-8-sig")
    )
    assert len(list(csv.reader(io.StringIO(hulan)))) == 1  # its own district's: none
    assert client_for(world.resident).get("/education/study/").status_code == 403


def test_campaign_page_targets_and_drill_down(world: World, party: Party) -> None:
    for _ in range(3):
        approved(party.branch, line="base_visit", participants=100)
    approved(party.branch2, line="secretary_lecture", speaker="李书记")
    office = client_for(world.office)
    with CaptureQueriesContext(connection) as queries:
        page = office.get("/education/campaign/", {"year": "2026"})
    assert page.status_code == 200
    assert len(queries) <= 20
    body = page.content.decode()
    assert 'class="line-count">300<' in body and 'class="line-count">1<' in body
    saved = office.post(
        "/education/campaign/target",
        {"year": "2026", "line": "base_visit", "target": "500", "version": "0"},
    )
    assert saved.status_code == 302
    assert CampaignTarget.objects.get(unit=None, line="base_visit").target == 500
    stale = office.post(
        "/education/campaign/target",
        {"year": "2026", "line": "base_visit", "target": "600", "version": "0"},
    )
    assert stale.status_code == 409
    bad = office.post(
        "/education/campaign/target",
        {"year": "2026", "line": "base_visit", "target": "-5", "version": "1"},
    )
    assert bad.status_code == 422 and "目标" in bad.content.decode()
    org = office.post(
        "/education/campaign/target",
        {"year": "2026", "line": "base_visit", "target": "50", "version": "0",
         "unit": str(party.committee.pk)},
    )  # fmt: skip
    assert org.status_code == 302
    drill = office.get(
        "/education/campaign/activities/",
        {"year": "2026", "line": "base_visit", "org": str(party.committee.pk)},
    )
    assert drill.status_code == 200 and 'id="drill-count">300<' in drill.content.decode()
    assert office.get("/education/campaign/activities/", {"line": "x"}).status_code == 404
    assert (
        office.get(
            "/education/campaign/activities/", {"line": "base_visit", "org": "9" * 30}
        ).status_code
        == 404
    )
    for user in (party.committee_editor, world.outsider):
        assert client_for(user).get("/education/campaign/").status_code in (200, 403)
    outsider = client_for(world.outsider).get("/education/campaign/").content.decode()
    assert "区教育局党委" not in outsider
    assert client_for(party.committee_editor).get("/education/campaign/").status_code == 403


def test_hostile_names_are_escaped(world: World, party: Party) -> None:
    evil = org_services.ensure_unit(
        world.nangang, "<script>alert(1)</script>党委", kind=Unit.Kind.PARTY_COMMITTEE
    )
    activity = approved(evil, title="<img src=x onerror=alert(2)>", line="expert_tour",
                        speaker="<b>专家</b>")  # fmt: skip
    office = client_for(world.office)
    for url in (
        "/education/study/",
        f"/education/study/{activity.pk}/",
        "/education/study/new/",
        "/education/campaign/?year=2026",
        "/education/campaign/activities/?year=2026&line=expert_tour",
    ):
        body = office.get(url).content.decode()
        assert (
            "<script>alert(1)" not in body and "<img src=x" not in body and "<b>专家" not in body
        ), url


def test_the_office_picks_among_700_party_units_grouped_by_committee(
    world: World, party: Party
) -> None:
    committees = Unit.objects.bulk_create(
        Unit(jurisdiction=world.nangang, name=f"第{n}党委", kind=Unit.Kind.PARTY_COMMITTEE)
        for n in range(64)
    )
    Unit.objects.bulk_create(
        Unit(jurisdiction=world.nangang, name=f"第{b}党支部", kind=Unit.Kind.PARTY_BRANCH,
             parent=c)
        for c in committees
        for b in range(10)
    )  # fmt: skip
    office = client_for(world.office)
    with CaptureQueriesContext(connection) as queries:
        page = office.get("/education/study/new/")
    body = page.content.decode()
    assert page.status_code == 200 and len(queries) <= 15
    # 64 + the fixture's two committees, each with its branches, and the departments
    assert body.count("<optgroup") == 67
    assert '<optgroup label="部门、街道和其他单位">' in body
    assert f'value="{timezone.localdate().isoformat()}"' in body  # today, in ISO form
