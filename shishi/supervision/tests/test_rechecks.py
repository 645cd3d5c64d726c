"""Re-inspection (回头看): a later round re-checks the closed findings of the one it
revisits; a problem come back is a new finding linked to the first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.notify.models import Message
from shishi.supervision.models import Finding, Recheck, Round
from shishi.supervision.services import findings, rechecks, setup
from shishi.supervision.tests.conftest import Sv

TODAY = dt.date(2021, 6, 8)
LATER = dt.date(2021, 11, 2)


@dataclass
class Rv:
    closed: Finding
    on_the_spot: Finding
    still_open: Finding
    suggestion: Finding
    revisit: Round  # 2021-2, 回头看 of 2021-1, with the first group only


def _add(world: World, sv: Sv, kind: str, problem: str, **over: object) -> Finding:
    data = findings.FindingInput(kind=kind, problem=problem, category=Finding.Category.PLAN)
    if kind == Finding.Kind.TO_RECTIFY:
        data.measure, data.responsible_person = "补充", "张科长"
        data.deadline = dt.date(2021, 6, 18)
        data.item_ids = [world.item_a.pk]
    for name, value in over.items():
        setattr(data, name, value)
    return findings.add_finding(
        data, round=sv.round, group=sv.group, unit=world.unit_a, actor=world.inspector, today=TODAY
    )


@pytest.fixture
def rv(world: World, sv: Sv) -> Rv:
    closed = _add(world, sv, Finding.Kind.TO_RECTIFY, "实施方案不完善，缺少分阶段目标")
    closed = findings.submit_rectification(
        closed, actor=world.editor_a, measures="已补充分阶段目标", expected_version=closed.version
    ).finding
    closed = findings.verify_rectification(
        closed, actor=world.inspector, accept=True, expected_version=closed.version, today=TODAY
    )
    revisit = setup.save_round(
        world.nangang.pk,
        setup.RoundInput(
            code="2021-2",
            name="回头看",
            starts_on=dt.date(2021, 11, 1),
            ends_on=dt.date(2021, 11, 30),
            group_ids=[sv.group.pk],
            revisits_id=sv.round.pk,
        ),
        actor=world.office,
    )
    return Rv(
        closed=closed,
        on_the_spot=_add(world, sv, Finding.Kind.ON_THE_SPOT, "措施不具体，当场修改"),
        still_open=_add(world, sv, Finding.Kind.TO_RECTIFY, "台账不规范"),
        suggestion=_add(world, sv, Finding.Kind.SUGGESTION, "建议建立周调度机制"),
        revisit=revisit,
    )


def _problem(**over: object) -> findings.FindingInput:
    data = findings.FindingInput(
        kind=Finding.Kind.TO_RECTIFY,
        problem="分阶段目标又未落实，问题反弹",
        measure="重新制定分阶段目标并逐月调度",
        deadline=dt.date(2021, 11, 30),
        responsible_person="李科长",
    )
    for name, value in over.items():
        setattr(data, name, value)
    return data


def test_a_closed_finding_that_holds_is_recorded(world: World, rv: Rv) -> None:
    done = rechecks.recheck(
        rv.closed, rv.revisit, "holds", "台账、方案均已完善", actor=world.inspector, today=LATER
    )
    assert done.result == Recheck.Result.HOLDS and done.recurrence is None
    assert done.checked_by == world.inspector and done.note == "台账、方案均已完善"
    assert Finding.objects.filter(round=rv.revisit).count() == 0
    event = AuditEvent.objects.get(action="supervision.recheck")
    assert event.changes["result"] == [None, "holds"]
    # An on-the-spot correction is re-checked too.
    rechecks.recheck(rv.on_the_spot, rv.revisit, "holds", "", actor=world.office, today=LATER)
    assert Recheck.objects.filter(round=rv.revisit).count() == 2


def test_a_recurrence_is_a_new_finding_to_rectify_linked_to_the_first(
    world: World, sv: Sv, rv: Rv
) -> None:
    done = rechecks.recheck(
        rv.closed,
        rv.revisit,
        "recurred",
        "整改后又出现",
        actor=world.inspector,
        problem=_problem(),
        today=LATER,
    )
    new = done.recurrence
    assert new is not None
    assert new.round == rv.revisit and new.recurrence_of == rv.closed
    assert new.kind == Finding.Kind.TO_RECTIFY and new.status == Finding.Status.OPEN
    assert new.unit == world.unit_a and new.group == sv.group
    assert (new.measure, new.deadline, new.responsible_person) == (
        "重新制定分阶段目标并逐月调度",
        dt.date(2021, 11, 30),
        "李科长",
    )
    assert list(new.items.all()) == [world.item_a]  # the first's items
    # The chain, from both ends.
    assert list(rv.closed.recurrences.all()) == [new]
    assert new.recheck_origin == done
    # The unit got its rectification notice for the new one.
    assert Message.objects.filter(
        recipient=world.editor_a,
        kind="rectification.notice",
        dedupe_key=f"rectification.notice:{new.pk}",
    ).exists()


def test_a_recurrence_needs_the_four_fixes_and_writes_nothing_without(world: World, rv: Rv) -> None:
    with pytest.raises(ValidationFailed) as refused:
        rechecks.recheck(
            rv.closed,
            rv.revisit,
            "recurred",
            "",
            actor=world.inspector,
            problem=_problem(measure="", deadline=None, responsible_person=""),
            today=LATER,
        )
    assert set(refused.value.errors) >= {"measure", "deadline", "responsible_person"}
    with pytest.raises(ValidationFailed) as missing:
        rechecks.recheck(rv.closed, rv.revisit, "recurred", "", actor=world.inspector)
    assert "problem" in missing.value.errors
    with pytest.raises(ValidationFailed) as bad:
        rechecks.recheck(rv.closed, rv.revisit, "maybe", "", actor=world.inspector)
    assert "result" in bad.value.errors
    assert not Recheck.objects.exists()
    assert not Finding.objects.filter(round=rv.revisit).exists()


def test_rechecking_twice_in_a_round_is_refused(world: World, rv: Rv) -> None:
    rechecks.recheck(rv.closed, rv.revisit, "holds", "", actor=world.inspector, today=LATER)
    with pytest.raises(ValidationFailed, match="已经复查过"):
        rechecks.recheck(
            rv.closed,
            rv.revisit,
            "recurred",
            "",
            actor=world.office,
            problem=_problem(),
            today=LATER,
        )
    assert Recheck.objects.count() == 1
    assert not Finding.objects.filter(round=rv.revisit).exists()


def test_only_closed_findings_of_the_revisited_round_are_rechecked(
    world: World, sv: Sv, rv: Rv
) -> None:
    for finding in (rv.still_open, rv.suggestion):
        with pytest.raises(ValidationFailed, match="已销号"):
            rechecks.recheck(finding, rv.revisit, "holds", "", actor=world.inspector)
    # A round that revisits nothing re-checks nothing; nor a round its own findings.
    with pytest.raises(ValidationFailed, match="不是回头看"):
        rechecks.recheck(rv.closed, sv.round, "holds", "", actor=world.inspector)
    third = setup.save_round(
        world.nangang.pk,
        setup.RoundInput(
            code="2022-1",
            name="再回头看",
            starts_on=dt.date(2022, 3, 1),
            ends_on=dt.date(2022, 3, 31),
            group_ids=[sv.group.pk],
            revisits_id=rv.revisit.pk,
        ),
        actor=world.office,
    )
    with pytest.raises(ValidationFailed, match="只能复查"):
        rechecks.recheck(rv.closed, third, "holds", "", actor=world.inspector)


def test_only_the_new_rounds_inspectors_and_the_office_recheck(
    world: World, sv: Sv, rv: Rv
) -> None:
    # The second group is not in the re-inspection round: its inspector may not.
    for actor in (sv.other_inspector, world.editor_a, world.leader, world.outsider):
        with pytest.raises(PermissionDenied):
            rechecks.recheck(rv.closed, rv.revisit, "holds", "", actor=actor)
    assert not Recheck.objects.exists()
    assert rechecks.rechecking_groups(world.inspector, rv.revisit) == [sv.group]
    assert rechecks.rechecking_groups(world.office, rv.revisit) == [sv.group]
    with pytest.raises(ValidationFailed):  # a group not of the round
        rechecks.recheck(
            rv.closed, rv.revisit, "holds", "", actor=world.office, group=sv.other_group
        )


# --- the page ------------------------------------------------------------------------------


def test_the_page_lists_the_closed_findings_per_unit_with_their_forms(world: World, rv: Rv) -> None:
    url = reverse("supervision:rechecks", args=[rv.revisit.pk])
    html = client_for(world.inspector).get(url).content.decode()
    assert "回头看" in html and world.unit_a.name in html
    assert "实施方案不完善" in html and "措施不具体，当场修改" in html
    assert "台账不规范" not in html and "建议建立周调度机制" not in html
    assert html.count('name="result"') == 2 * 2  # two findings, two choices each
    assert reverse("supervision:recheck", args=[rv.revisit.pk, rv.closed.pk]) in html
    # The sponsor leader reads it, without the forms.
    html = client_for(world.leader).get(url).content.decode()
    assert "实施方案不完善" in html and 'name="result"' not in html
    # A unit and another district's office do not see it.
    assert client_for(world.editor_a).get(url).status_code == 404
    assert client_for(world.outsider).get(url).status_code == 404
    # A round that is no re-inspection has no such page.
    first = reverse("supervision:rechecks", args=[rv.closed.round_id])
    assert client_for(world.office).get(first).status_code == 404


def test_rechecking_through_the_page(world: World, rv: Rv) -> None:
    client = client_for(world.inspector)
    url = reverse("supervision:recheck", args=[rv.revisit.pk, rv.closed.pk])
    # Recurred without the four fixes: the form comes back with the errors by the fields.
    response = client.post(url, {"result": "recurred", "problem": "又反弹了", "note": "复查说明"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "限期整改须定整改时限" in html and "复查说明" in html and "又反弹了" in html
    assert not Recheck.objects.exists()

    response = client.post(
        url,
        {
            "result": "recurred",
            "problem": "又反弹了",
            "measure": "重新整改",
            "deadline": "2099-12-31",
            "responsible_person": "李科长",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#finding-{rv.closed.pk}")
    done = Recheck.objects.get()
    assert done.result == "recurred" and done.recurrence is not None
    assert done.recurrence.recurrence_of_id == rv.closed.pk
    assert done.recurrence.category == rv.closed.category  # the form defaults it
    html = client.get(reverse("supervision:rechecks", args=[rv.revisit.pk])).content.decode()
    assert "问题反弹" in html
    assert reverse("supervision:finding", args=[done.recurrence.pk]) in html

    # Twice: refused with the reason, not a 500.
    again = client.post(url, {"result": "holds"})
    assert again.status_code == 422 and "已经复查过" in again.content.decode()
    # A finding of no revisited round, a bad visit: 404 and a message by the field.
    other = reverse("supervision:recheck", args=[rv.revisit.pk, rv.still_open.pk])
    assert client.post(other, {"result": "holds"}).status_code == 422
    bad_visit = client.post(
        reverse("supervision:recheck", args=[rv.revisit.pk, rv.on_the_spot.pk]),
        {"result": "holds", "visit": "999999"},
    )
    assert bad_visit.status_code == 422 and "请选择本轮对该单位的走访" in bad_visit.content.decode()
    outsider = client_for(world.outsider).post(url, {"result": "holds"})
    assert outsider.status_code == 404


def test_hostile_text_is_escaped_on_the_page(world: World, sv: Sv, rv: Rv) -> None:
    _add(world, sv, Finding.Kind.ON_THE_SPOT, "<script>alert(1)</script>")
    html = (
        client_for(world.office)
        .get(reverse("supervision:rechecks", args=[rv.revisit.pk]))
        .content.decode()
    )
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_page_reads_in_a_constant_number_of_queries(world: World, sv: Sv, rv: Rv) -> None:
    client = client_for(world.inspector)
    url = reverse("supervision:rechecks", args=[rv.revisit.pk])
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for n in range(6):
        _add(world, sv, Finding.Kind.ON_THE_SPOT, f"当场整改的问题{n}", category="ledger")
    rechecks.recheck(rv.on_the_spot, rv.revisit, "holds", "", actor=world.inspector)
    assert count() == before
