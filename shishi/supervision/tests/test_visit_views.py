"""The visit pages: my visits, the form (422 with errors beside the fields), the record, the
photos, and who may open what."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.supervision.models import Finding, Visit, VisitPhoto, VisitPlan
from shishi.supervision.services import setup
from shishi.supervision.services import visits as services
from shishi.supervision.tests.conftest import Sv
from shishi.supervision.tests.test_visits import PNG, full_input

VISITED = "2021-06-07"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def plan(world: World, sv: Sv) -> VisitPlan:
    setup.plan_visits(
        sv.round,
        [setup.PlanRow(sv.group.pk, world.unit_a.pk, dt.date(2021, 6, 7))],
        actor=world.office,
    )
    return VisitPlan.objects.get()


def form_url(plan: VisitPlan) -> str:
    return reverse("supervision:visit_new", args=[plan.pk])


def posted(sv: Sv, **over: Any) -> dict[str, Any]:
    entries = list(sv.round.checklist.all())
    data: dict[str, Any] = {
        "visited_on": VISITED,
        "attendees": "王组长；张科长",
        "notes": "听取汇报",
        "submission": "f00d",
        f"answers-{entries[0].pk}": "yes",
        f"answers-{entries[1].pk}": "partly",
        f"answers-{entries[1].pk}-note": "措施不具体",
        "findings-1-kind": "to_rectify",
        "findings-1-category": "plan",
        "findings-1-severity": "serious",
        "findings-1-problem": "方案缺分阶段目标",
        "findings-1-measure": "补充分阶段目标",
        "findings-1-deadline": "2099-12-31",
        "findings-1-responsible_unit": "",
        "findings-1-responsible_person": "张科长",
        # the form's empty rows come back with their lists at the defaults
        "findings-2-category": "other",
        "findings-2-severity": "minor",
        "findings-3-category": "other",
        "findings-3-severity": "minor",
    }
    data.update(over)
    return data


def test_inspector_sees_plans_and_opens_the_form(world: World, sv: Sv, plan: VisitPlan) -> None:
    client = client_for(world.inspector)
    page = client.get(reverse("supervision:my_visits"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "区城管局" in body and form_url(plan) in body
    form = client.get(form_url(plan))
    assert form.status_code == 200
    html = form.content.decode()
    for text in ("方案是否完善", "措施是否具体", "台账是否规范", "添加一条", "放弃草稿"):
        assert text in html
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert html.count("data-finding-row>") == 4  # three rows and the template's
    assert f'data-draft-key="shishi.visit-draft:{world.inspector.pk}:plan:{plan.pk}"' in html
    assert "js/visit-draft.js" in html


def test_other_groups_inspector_sees_no_plan_of_ours(world: World, sv: Sv, plan: VisitPlan) -> None:
    page = client_for(sv.other_inspector).get(reverse("supervision:my_visits"))
    assert page.status_code == 200
    assert form_url(plan) not in page.content.decode()


def test_office_sees_all_plans_of_its_district(world: World, sv: Sv, plan: VisitPlan) -> None:
    page = client_for(world.office).get(reverse("supervision:my_visits"))
    assert form_url(plan) in page.content.decode()
    # Another district's office has its own page, without ours.
    theirs = client_for(world.outsider).get(reverse("supervision:my_visits"))
    assert theirs.status_code == 200 and form_url(plan) not in theirs.content.decode()


def test_posting_the_form_records_the_visit(world: World, sv: Sv, plan: VisitPlan) -> None:
    client = client_for(world.inspector)
    data = posted(sv, photos=SimpleUploadedFile("现场.png", PNG, content_type="image/png"))
    response = client.post(form_url(plan), data)
    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:visit", args=[visit.pk]) + "?saved=1"
    assert visit.plan == plan and visit.attendees == "王组长；张科长"
    assert visit.answers.count() == 2
    finding = visit.findings.get()
    assert (finding.kind, finding.severity, finding.responsible_unit) == (
        "to_rectify",
        "serious",
        world.unit_a,
    )
    photo = VisitPhoto.objects.get()
    page = client.get(response["Location"])
    body = page.content.decode()
    assert "方案缺分阶段目标" in body
    assert reverse("supervision:finding", args=[finding.pk]) in body
    assert reverse("supervision:visit_photo", args=[visit.pk, photo.pk]) in body
    # The page just after saving names the draft the script removes.
    assert f"shishi.visit-draft:{world.inspector.pk}:plan:{plan.pk}" in body
    later = client.get(reverse("supervision:visit", args=[visit.pk])).content.decode()
    assert "data-draft-settled" not in later
    # A second post of the same form (the answer was lost) writes nothing more.
    again = client.post(form_url(plan), posted(sv))
    assert again.status_code == 302 and Visit.objects.count() == 1
    # The form of a visited plan leads to its visit (and, for its recorder, settles the draft).
    assert client.get(form_url(plan))["Location"] == response["Location"]
    office = client_for(world.office).get(form_url(plan))
    assert office["Location"] == reverse("supervision:visit", args=[visit.pk])


def test_a_bad_row_comes_back_422_with_errors_on_that_row(
    world: World, sv: Sv, plan: VisitPlan
) -> None:
    client = client_for(world.inspector)
    data = posted(
        sv,
        **{
            "findings-2-kind": "to_rectify",
            "findings-2-problem": "台账不规范",
            "findings-2-measure": "",
            "findings-2-deadline": "",
            "findings-2-responsible_person": "",
        },
    )
    response = client.post(form_url(plan), data)
    assert response.status_code == 422
    assert Visit.objects.count() == 0 and Finding.objects.count() == 0
    form = response.context["form"]
    assert form.rows[0].errors == {}
    assert form.rows[1].errors["measure"] == ["限期整改须写明整改措施（四定）"]
    assert form.rows[1].errors["deadline"] == ["限期整改须定整改时限（四定）"]
    html = response.content.decode()
    assert "第2条问题或建议" in html
    assert "限期整改须写明整改措施（四定）" in html
    assert "方案缺分阶段目标" in html  # what was typed stays
    assert "data-posted" in html


def test_skipped_empty_row_keeps_errors_on_the_right_row(
    world: World, sv: Sv, plan: VisitPlan
) -> None:
    data = posted(sv)
    for name in list(data):
        if name.startswith("findings-1-"):
            data.pop(name)
    data.update({"findings-3-kind": "on_the_spot", "findings-3-problem": ""})
    response = client_for(world.inspector).post(form_url(plan), data)
    assert response.status_code == 422
    form = response.context["form"]
    assert form.rows[2].errors["problem"] == ["请填写问题或建议的内容"]
    assert not form.rows[0].errors and not form.rows[1].errors


def test_form_field_errors_sit_beside_their_fields(world: World, sv: Sv, plan: VisitPlan) -> None:
    entry = sv.round.checklist.first()
    assert entry is not None
    data = posted(
        sv,
        visited_on="2021-07-09",
        photos=SimpleUploadedFile("方案.pdf", b"%PDF-1.4", content_type="application/pdf"),
        **{f"answers-{entry.pk}": "", f"answers-{entry.pk}-note": "只写了说明"},
    )
    response = client_for(world.inspector).post(form_url(plan), data)
    assert response.status_code == 422
    form = response.context["form"]
    assert form.errors[f"answers-{entry.pk}"] == ["写了说明，请选择结论"]
    response = client_for(world.inspector).post(
        form_url(plan),
        posted(
            sv,
            visited_on="2021-07-09",
            photos=SimpleUploadedFile("方案.pdf", b"%PDF-1.4", content_type="application/pdf"),
        ),
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert "须在本轮的" in form.errors["visited_on"][0]
    assert "不是照片" in form.errors["photos"][0]
    assert Visit.objects.count() == 0


def test_bad_input_never_500(world: World, sv: Sv, plan: VisitPlan) -> None:
    client = client_for(world.inspector)
    for data in (
        {"visited_on": "not a date"},
        posted(sv, **{"findings-1-deadline": "2021-13-45"}),
        posted(sv, **{"findings-1-responsible_unit": "999999"}),
        posted(sv, **{"findings-1-kind": "nonsense"}),
        posted(sv, **{"findings-99999-problem": "x"}),
        posted(sv, submission="x" * 500),
    ):
        assert client.post(form_url(plan), data).status_code == 422
    unplanned = reverse("supervision:visit_new_unplanned", args=[sv.round.pk])
    for query in ("", "?group=x&unit=1", f"?group={sv.group.pk}&unit=99999999999999"):
        assert client.get(unplanned + query).status_code == 400
    assert Visit.objects.count() == 0


def test_unplanned_visit_through_the_round(world: World, sv: Sv) -> None:
    client = client_for(world.inspector)
    url = (
        reverse("supervision:visit_new_unplanned", args=[sv.round.pk])
        + f"?group={sv.group.pk}&unit={world.unit_b.pk}"
    )
    page = client.get(url)
    assert page.status_code == 200
    assert f":round:{sv.round.pk}:{sv.group.pk}:{world.unit_b.pk}" in page.content.decode()
    response = client.post(url, posted(sv))
    assert response.status_code == 302
    assert Visit.objects.get().unit == world.unit_b


def test_who_may_open_the_form(world: World, sv: Sv, plan: VisitPlan) -> None:
    url = form_url(plan)
    assert client_for(world.office).get(url).status_code == 200
    assert client_for(sv.other_inspector).get(url).status_code == 403
    assert client_for(world.leader).get(url).status_code == 403
    for someone in (world.editor_a, world.viewer_a, world.outsider, world.resident):
        assert client_for(someone).get(url).status_code == 404
    assert client_for(world.editor_a).post(url, posted(sv)).status_code == 404
    assert client_for(sv.other_inspector).post(url, posted(sv)).status_code == 403
    assert Client().get(url).status_code == 302  # to the login page
    assert client_for(world.editor_a).get(reverse("supervision:my_visits")).status_code == 403
    assert Visit.objects.count() == 0


def test_who_may_read_a_visit_and_its_photos(world: World, sv: Sv) -> None:
    visit = services.record_visit(
        sv.round,
        sv.group,
        world.unit_a,
        full_input(sv),
        actor=world.inspector,
        today=dt.date(2021, 6, 8),
    )
    photo = visit.photos.get()
    page = reverse("supervision:visit", args=[visit.pk])
    file = reverse("supervision:visit_photo", args=[visit.pk, photo.pk])
    for reader in (world.inspector, sv.other_inspector, world.office, world.leader):
        assert client_for(reader).get(page).status_code == 200
        response = client_for(reader).get(file)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]
    for stranger in (world.editor_a, world.outsider, world.resident):
        assert client_for(stranger).get(page).status_code == 404
        assert client_for(stranger).get(file).status_code == 404
    # a photo through another visit's address
    other = services.record_visit(
        sv.round,
        sv.other_group,
        world.unit_c,
        full_input(sv, findings=[], photos=[]),
        actor=sv.other_inspector,
        today=dt.date(2021, 6, 8),
    )
    wrong = reverse("supervision:visit_photo", args=[other.pk, photo.pk])
    assert client_for(world.office).get(wrong).status_code == 404
    # only the group and the office edit
    edit = reverse("supervision:visit_edit", args=[visit.pk])
    assert client_for(world.inspector).get(edit).status_code == 200
    assert client_for(sv.other_inspector).get(edit).status_code == 403
    assert client_for(world.editor_a).get(edit).status_code == 404


def test_edit_page_saves_and_refuses_a_stale_version(world: World, sv: Sv) -> None:
    visit = services.record_visit(
        sv.round,
        sv.group,
        world.unit_a,
        full_input(sv, photos=[]),
        actor=world.inspector,
        today=dt.date(2021, 6, 8),
    )
    client = client_for(world.inspector)
    url = reverse("supervision:visit_edit", args=[visit.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = posted(sv, notes="补充记录", version=str(visit.version))
    data = {k: v for k, v in data.items() if not k.startswith("findings-1-")}
    response = client.post(url, data)
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.notes == "补充记录"
    stale = client.post(url, {**data, "notes": "又改了", "version": "1"})
    assert stale.status_code == 409
    assert "又改了" in stale.content.decode()
    visit.refresh_from_db()
    assert visit.notes == "补充记录"


def test_hostile_text_is_escaped(world: World, sv: Sv) -> None:
    visit = services.record_visit(
        sv.round,
        sv.group,
        world.unit_a,
        full_input(sv, notes="<script>alert(1)</script>", photos=[]),
        actor=world.inspector,
        today=dt.date(2021, 6, 8),
    )
    body = client_for(world.inspector).get(reverse("supervision:visit", args=[visit.pk]))
    assert "<script>alert(1)</script>" not in body.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body.content.decode()
