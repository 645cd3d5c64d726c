"""Re-inspection (回头看): a later round re-checks the closed findings of the round it
revisits.

A round whose ``revisits`` is set lists the revisited round's findings that were closed out
(销号) or corrected on the spot, per unit (``selectors`` of the re-check page). An inspector
of a group of the new round (or the office) re-checks one, once in that round:

- 整改到位 (``holds``): a ``Recheck`` is recorded;
- 问题反弹 (``recurred``): the ``Recheck`` and a new finding of the new round, to rectify with
  the 四定 (through ``findings.create_finding``, which sends the unit its notice), whose
  ``recurrence_of`` is the first finding — the finding pages show the chain.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from shishi.core import audit, uploads
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.supervision import permissions
from shishi.supervision.models import Finding, InspectionGroup, Recheck, Round, Visit
from shishi.supervision.services.findings import FindingInput, check_finding, create_finding

Result = Recheck.Result
# What a re-inspection re-checks: problems closed out, and those corrected on the spot.
RECHECKED_STATUSES = (Finding.Status.CLOSED, Finding.Status.CORRECTED)


def rechecking_groups(actor: Any, round: Round) -> list[InspectionGroup]:
    """The groups of ``round`` in whose name ``actor`` may re-check: the office all of
    them, an inspector their own."""
    groups = list(round.groups.order_by("name"))
    if permissions.is_office(actor, round.jurisdiction_id):
        return groups
    mine = permissions.group_ids_of(actor)
    return [g for g in groups if g.pk in mine]


def _group_for(actor: Any, round: Round, finding: Finding, group: InspectionGroup | None) -> Any:
    allowed = rechecking_groups(actor, round)
    if not allowed:
        raise PermissionDenied("只有本轮指导组的督导员和专班可以回头看复查")
    if group is not None:
        if group.pk not in {g.pk for g in allowed}:
            raise ValidationFailed(
                "请选择本轮中您所在的指导组", {"group": "请选择本轮中您所在的指导组"}
            )
        return group
    # The group that covers the unit, else the one that found it, else the first allowed.
    covering = set(
        InspectionGroup.units.through.objects.filter(
            inspectiongroup_id__in=[g.pk for g in allowed], unit_id=finding.unit_id
        ).values_list("inspectiongroup_id", flat=True)
    )
    for g in allowed:
        if g.pk in covering:
            return g
    return next((g for g in allowed if g.pk == finding.group_id), allowed[0])


def recheck(
    finding: Finding,
    round: Round,
    result: str,
    note: str,
    *,
    actor: Any,
    visit: Visit | None = None,
    problem: FindingInput | None = None,
    group: InspectionGroup | None = None,
    today: dt.date | None = None,
) -> Recheck:
    """Re-check ``finding`` (of the round ``round`` revisits) in ``round``.

    ``result`` is ``holds`` or ``recurred``; a recurrence needs ``problem``, the new
    finding's text and 四定 (its kind is to rectify; without linked items of its own it
    links the first finding's; the page's form gives it the first's category and
    severity). ``visit``: the new round's visit to the unit it was re-checked on.
    ``group``: the group of the new round it is recorded for (default: the actor's group
    covering the unit). Refused: a round that revisits nothing or another round, a finding
    not closed, a second re-check of a finding in the same round.
    """
    today = today or timezone.localdate()
    if round.revisits_id is None:
        raise ValidationFailed("这一轮不是回头看，不能复查以前的问题")
    if finding.round_id != round.revisits_id or finding.jurisdiction_id != round.jurisdiction_id:
        raise ValidationFailed("只能复查本轮回头看的那一轮的问题")
    chosen = _group_for(actor, round, finding, group)
    errors: dict[str, str] = {}
    if result not in Result.values:
        errors["result"] = "请选择整改到位或问题反弹"
    if finding.status not in RECHECKED_STATUSES:
        raise ValidationFailed("只能复查已销号或已当场整改的问题")
    if visit is not None and (visit.round_id != round.pk or visit.unit_id != finding.unit_id):
        errors["visit"] = "走访记录须是本轮对该单位的走访"
    note = (note or "").strip()
    data: FindingInput | None = None
    if result == Result.RECURRED:
        if problem is None:
            errors["problem"] = "问题反弹须写明问题和整改要求（四定）"
        else:
            data = replace(
                problem,
                kind=Finding.Kind.TO_RECTIFY,
                recurrence_of_id=finding.pk,
                item_ids=tuple(problem.item_ids)
                or tuple(finding.items.values_list("pk", flat=True)),
            )
            errors.update(check_finding(data, jurisdiction_id=round.jurisdiction_id, today=today))
    if Recheck.objects.filter(finding=finding, round=round).exists():
        raise ValidationFailed("这个问题在本轮已经复查过了")
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    with uploads.atomic_with_files():
        recurrence = None
        if data is not None:
            recurrence = create_finding(
                data,
                round=round,
                group=chosen,
                unit=finding.unit,
                visit=visit,
                actor=actor,
                today=today,
            )
        try:
            with transaction.atomic():  # a savepoint: the constraint's refusal
                done = Recheck.objects.create(
                    finding=finding,
                    round=round,
                    visit=visit,
                    result=result,
                    note=note,
                    recurrence=recurrence,
                    checked_by=actor,
                )
        except IntegrityError:  # re-checked at the same moment by someone else
            raise ValidationFailed("这个问题在本轮已经复查过了") from None
        audit.record(
            actor=actor,
            action="supervision.recheck",
            target=finding,
            changes={
                "round": [None, round.code],
                "result": [None, result],
                "recurrence": [None, recurrence.pk if recurrence else None],
            },
            jurisdiction_id=round.jurisdiction_id,
        )
    return done
