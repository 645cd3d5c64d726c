"""A round with findings of every kind and status, for the documents' and the export's tests
(built through the services, as a group records them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shishi.conftest import World
from shishi.orgs.models import Unit
from shishi.supervision.models import Card, Finding, InspectionGroup, Round, Visit
from shishi.supervision.services import findings, setup
from shishi.supervision.tests.conftest import Sv

DAY = dt.date(2021, 6, 8)
K = Finding.Kind


@dataclass
class Problems:
    round: Round
    later: Round  # a second round (2021-2) with one finding
    open_a: Finding  # unit A, to rectify, open, yellow card, linked to item A
    for_b: Finding  # found at unit A, addressed to unit B
    closed_a: Finding
    returned_a: Finding
    spot_a: Finding
    idea_a: Finding
    formula_a: Finding  # a problem whose text Excel would read as a formula
    open_c: Finding  # unit C, the second group, red card, items A and B
    idea_c: Finding
    later_finding: Finding


def add(
    world: World,
    sv: Sv,
    kind: str,
    problem: str,
    *,
    unit: Unit | None = None,
    group: InspectionGroup | None = None,
    round: Round | None = None,
    deadline: dt.date | None = None,
    **over: object,
) -> Finding:
    data = findings.FindingInput(
        kind=kind,
        problem=problem,
        category=Finding.Category.PLAN,
        measure="补充完善" if kind == K.TO_RECTIFY else "",
        deadline=deadline or (dt.date(2021, 6, 18) if kind == K.TO_RECTIFY else None),
        responsible_person="张科长" if kind == K.TO_RECTIFY else "",
    )
    for name, value in over.items():
        setattr(data, name, value)
    return findings.add_finding(
        data,
        round=round or sv.round,
        group=group or sv.group,
        unit=unit or world.unit_a,
        actor=world.office,
        today=DAY,
    )


def build(world: World, sv: Sv) -> Problems:
    setup.plan_visits(
        sv.round,
        [
            setup.PlanRow(sv.group.pk, world.unit_a.pk, DAY),
            setup.PlanRow(sv.group.pk, world.unit_b.pk, DAY),
            setup.PlanRow(sv.other_group.pk, world.unit_c.pk, DAY),
        ],
        actor=world.office,
    )
    for unit, group in ((world.unit_a, sv.group), (world.unit_c, sv.other_group)):
        Visit.objects.create(
            jurisdiction=world.nangang, round=sv.round, group=group, unit=unit, visited_on=DAY
        )
    open_a = add(world, sv, K.TO_RECTIFY, "实施方案不完善", item_ids=[world.item_a.pk])
    for_b = add(
        world,
        sv,
        K.TO_RECTIFY,
        "配合单位职责不清",
        responsible_unit_id=world.unit_b.pk,
        deadline=dt.date(2021, 6, 25),
        category=Finding.Category.MEASURES,
        severity=Finding.Severity.SERIOUS,
    )
    closed_a = add(world, sv, K.TO_RECTIFY, "台账不规范", deadline=dt.date(2021, 6, 15))
    findings.submit_rectification(
        closed_a, actor=world.editor_a, measures="已规范台账", expected_version=None
    )
    findings.verify_rectification(
        closed_a, actor=world.inspector, accept=True, expected_version=None, today=DAY
    )
    returned_a = add(world, sv, K.TO_RECTIFY, "进度滞后", deadline=dt.date(2021, 6, 22))
    findings.submit_rectification(
        returned_a, actor=world.editor_a, measures="已加快进度", expected_version=None
    )
    findings.verify_rectification(
        returned_a,
        actor=world.inspector,
        accept=False,
        reason="未见佐证",
        expected_version=None,
        today=DAY,
    )
    spot_a = add(world, sv, K.ON_THE_SPOT, "公示牌缺失")
    idea_a = add(world, sv, K.SUGGESTION, "建议建立周调度机制")
    formula_a = add(world, sv, K.SUGGESTION, "=SUM(A1:A3) 式的统计表应改为数值")
    open_c = add(
        world,
        sv,
        K.TO_RECTIFY,
        "资金拨付不及时",
        unit=world.unit_c,
        group=sv.other_group,
        deadline=dt.date(2021, 6, 20),
        item_ids=[world.item_a.pk, world.item_b.pk],
    )
    idea_c = add(world, sv, K.SUGGESTION, "建议加强宣传", unit=world.unit_c, group=sv.other_group)
    # The nightly job sets cards as days pass (supervision.cards); here, as it would have.
    Finding.objects.filter(pk=open_a.pk).update(card=Card.YELLOW)
    Finding.objects.filter(pk=open_c.pk).update(card=Card.RED)
    later = setup.save_round(
        world.nangang.pk,
        setup.RoundInput(
            code="2021-2",
            name="第二轮巡回指导",
            starts_on=dt.date(2021, 9, 1),
            ends_on=dt.date(2021, 9, 30),
            group_ids=[sv.group.pk],
        ),
        actor=world.office,
    )
    later_finding = add(world, sv, K.ON_THE_SPOT, "二轮发现的问题", round=later)
    return Problems(
        round=sv.round,
        later=later,
        open_a=open_a,
        for_b=for_b,
        closed_a=closed_a,
        returned_a=returned_a,
        spot_a=spot_a,
        idea_a=idea_a,
        formula_a=formula_a,
        open_c=open_c,
        idea_c=idea_c,
        later_finding=later_finding,
    )


def expected_row(n: int, f: Finding) -> list[object]:
    """A problem-list row as read back from the sheet, from the record itself (openpyxl
    reads dates as datetimes at midnight, blanks as None)."""
    f.refresh_from_db()

    def day(value: dt.date | None) -> dt.datetime | None:
        return dt.datetime.combine(value, dt.time()) if value else None

    return [
        n,
        f.round.code,
        f.group.name,
        f.unit.name,
        f.problem,
        f.get_category_display(),
        f.get_severity_display(),
        f.get_kind_display(),
        f.measure or None,
        day(f.deadline),
        f.responsible_unit.name,
        f.responsible_person or None,
        f.get_status_display(),
        f.get_card_display() if f.card else None,
        day(f.closed_on),
        "、".join(f.items.order_by("seq").values_list("number", flat=True)) or None,
    ]


def ordered(found: list[Finding]) -> list[Finding]:
    """The problem list's order: the latest round first, then group, unit, recorded order."""

    def key(f: Finding) -> tuple[int, str, str, str, int]:
        return (-f.round.starts_on.toordinal(), f.round.code, f.group.name, f.unit.name, f.pk)

    return sorted(found, key=key)
