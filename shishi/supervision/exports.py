"""The rows of the problem list (问题清单): one per finding or suggestion, with the names and
the display words a reader needs, as the documents (``supervision.documents``) and the
``export_findings`` command write them.

Which findings: a round's (``round_findings``, narrowed to a group or a unit), or a
district's, all rounds or one (``district_findings``). Callers check who may read them
(``permissions.access_round``; the command is the operator's). The rows are read in two
queries whatever their number: the findings with their round, group and units' names
(``values``, no model instances), and the linked items' numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import translation

from shishi.supervision.models import Card, Finding


def _names(choices: list[tuple[str, Any]]) -> dict[str, str]:
    """value → display words in the documents' language (Chinese, whatever the reader's
    page language: the headers and the 公文 around them are Chinese)."""
    with translation.override(settings.LANGUAGE_CODE):
        return {value: str(label) for value, label in choices if value}


@dataclass(frozen=True)
class FindingRow:
    pk: int
    round_code: str
    round_name: str
    group: str
    unit: str  # the unit visited
    problem: str
    category: str  # display words (方案不完善)
    severity: str
    kind: str  # 当场整改, 限期整改, 意见建议
    measure: str
    deadline: dt.date | None
    responsible_unit: str
    responsible_person: str
    status: str  # 整改中, 已销号, …
    card: str  # 黄牌, 红牌, or ""
    closed_on: dt.date | None
    items: tuple[str, ...]  # the linked ledger items' numbers
    group_id: int = 0
    unit_id: int = 0
    responsible_unit_id: int = 0
    kind_code: str = ""  # Finding.Kind value
    status_code: str = ""  # Finding.Status value
    card_code: str = ""  # Card value, "" for none
    round_starts_on: dt.date = dt.date.min

    @property
    def to_rectify(self) -> bool:
        return self.kind_code == Finding.Kind.TO_RECTIFY

    @property
    def is_open(self) -> bool:
        return self.status_code in (
            Finding.Status.OPEN,
            Finding.Status.SUBMITTED,
            Finding.Status.RETURNED,
        )


def round_findings(
    round_id: int, *, group_id: int | None = None, unit_id: int | None = None
) -> QuerySet[Finding]:
    """A round's findings; ``group_id`` narrows to a group's, ``unit_id`` to those found at
    the unit or addressed to it (its responsible unit)."""
    found = Finding.objects.filter(round_id=round_id)
    if group_id is not None:
        found = found.filter(group_id=group_id)
    if unit_id is not None:
        found = found.filter(Q(unit_id=unit_id) | Q(responsible_unit_id=unit_id))
    return found


def district_findings(jurisdiction_id: int, *, round_id: int | None = None) -> QuerySet[Finding]:
    """A district's findings, of all its rounds or of one."""
    found = Finding.objects.filter(jurisdiction_id=jurisdiction_id)
    if round_id is not None:
        found = found.filter(round_id=round_id)
    return found


FIELDS = (
    "pk",
    "round__code",
    "round__name",
    "group__name",
    "unit__name",
    "problem",
    "category",
    "severity",
    "kind",
    "measure",
    "deadline",
    "responsible_unit__name",
    "responsible_person",
    "status",
    "card",
    "closed_on",
    "group_id",
    "unit_id",
    "responsible_unit_id",
    "round__starts_on",
)


def finding_rows(findings: QuerySet[Finding]) -> list[FindingRow]:
    """The rows of ``findings``: the latest round first, then by group, unit and the order
    they were recorded in."""
    kinds, categories = _names(Finding.Kind.choices), _names(Finding.Category.choices)
    severities, statuses = _names(Finding.Severity.choices), _names(Finding.Status.choices)
    cards = _names(Card.choices)
    through = Finding.items.through
    numbers: dict[int, list[str]] = {}
    for finding_id, number in (
        through.objects.filter(finding_id__in=findings.values("pk"))
        .order_by("item__seq", "item__number", "item_id")
        .values_list("finding_id", "item__number")
    ):
        numbers.setdefault(finding_id, []).append(number)
    rows = []
    for (
        pk,
        round_code,
        round_name,
        group,
        unit,
        problem,
        category,
        severity,
        kind,
        measure,
        deadline,
        responsible_unit,
        responsible_person,
        status,
        card,
        closed_on,
        group_id,
        unit_id,
        responsible_unit_id,
        round_starts_on,
    ) in findings.order_by().values_list(*FIELDS):
        rows.append(
            FindingRow(
                pk=pk,
                round_code=round_code,
                round_name=round_name,
                group=group,
                unit=unit,
                problem=problem,
                category=categories.get(category, category),
                severity=severities.get(severity, severity),
                kind=kinds.get(kind, kind),
                measure=measure,
                deadline=deadline,
                responsible_unit=responsible_unit,
                responsible_person=responsible_person,
                status=statuses.get(status, status),
                card=cards.get(card, ""),
                closed_on=closed_on,
                items=tuple(numbers.get(pk, ())),
                group_id=group_id,
                unit_id=unit_id,
                responsible_unit_id=responsible_unit_id,
                kind_code=kind,
                status_code=status,
                card_code=card,
                round_starts_on=round_starts_on,
            )
        )
    # Sorted here, not by the database: names compare by code point on SQLite and
    # PostgreSQL alike (as supervision.figures sorts its groups and units).
    rows.sort(key=lambda r: (-r.round_starts_on.toordinal(), r.round_code, r.group, r.unit, r.pk))
    return rows
