"""The API's writes of items by hand: create and edit an item, add, edit, reorder and
remove its targets and milestones, complete a milestone (see docs/api.md).

Like ``ledger.api``: every endpoint starts from ``permissions.access_item`` (404 for items
the caller cannot see) and writes through ``shishi.ledger.services``; their errors become
JSON in ``shishi.api`` (403 with ``permissions.ASK_FOR_CHANGE`` for a unit editor, 409 for a
stale ``expected_version``, 422 naming the fields).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Body, Path, Query, Status
from ninja import Field as F
from pydantic import ConfigDict, field_validator

from shishi.core.api_params import reject_unknown_params
from shishi.core.errors import ValidationFailed
from shishi.ledger import services
from shishi.ledger.api import _errors, router
from shishi.ledger.permissions import access_item, access_programme
from shishi.ledger.schemas import (
    MAX_ID,
    Id,
    ItemDetailOut,
    MilestoneOut,
    Money,
    Quantity,
    Rate,
    Schema,
    TargetOut,
    UpdateOut,
    _no_nul,
)
from shishi.ledger.selectors.plans import item_milestone, item_target

# The ledger's own router: these paths share theirs with its reads (GET /items/{id} and
# PATCH /items/{id} are one URL), and Django would route a path of a second router to the
# first router's view alone. ``shishi.api`` imports this module to register them.

Version = Annotated[
    int | None, F(None, ge=0, description="读取时事项的 version；已被他人修改则 409")
]
ItemId = Path(..., ge=1, le=MAX_ID, description="事项 id")
TargetId = Path(..., ge=1, le=MAX_ID, description="工作目标 id")
MilestoneId = Path(..., ge=1, le=MAX_ID, description="时间节点 id")


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


# --- schemas --------------------------------------------------------------------------


class TargetFields(_In):
    name: str = F(max_length=200, description="目标，如“改造老旧小区”")
    value: Quantity = F(description="目标值")
    unit: str = F("", max_length=20, description="单位，如“个”")
    actual: Quantity | None = F(None, description="完成值")

    _check = field_validator("name", "unit")(_no_nul)


class TargetIn(TargetFields):
    expected_version: Version = None


class TargetPatch(_In):
    name: str | None = F(None, max_length=200)
    value: Quantity | None = None
    unit: str | None = F(None, max_length=20)
    actual: Quantity | None = None
    position: int | None = F(None, ge=1, le=10_000, description="移到第几位（1 为第一）")
    expected_version: Version = None

    _check = field_validator("name", "unit")(_no_nul)


class MilestoneFields(_In):
    title: str = F(max_length=200, description="节点")
    due_date: dt.date = F(description="计划日期")
    planned_rate: Rate | None = F(None, ge=0, le=100, description="到该日期应达到的完成率")

    _check = field_validator("title")(_no_nul)


class MilestoneIn(MilestoneFields):
    expected_version: Version = None


class MilestonePatch(_In):
    title: str | None = F(None, max_length=200)
    due_date: dt.date | None = None
    planned_rate: Rate | None = F(None, ge=0, le=100)
    position: int | None = F(None, ge=1, le=10_000, description="移到第几位（1 为第一）")
    expected_version: Version = None

    _check = field_validator("title")(_no_nul)


class RemoveIn(_In):
    reason: str | None = F(None, max_length=300, description="删除原因（必填，也可作查询参数）")
    expected_version: Version = None


class CompleteIn(_In):
    done_date: dt.date | None = F(None, description="完成日期，默认今天，不能晚于今天")
    text: str = F("", max_length=10000, description="完成情况")

    _check = field_validator("text")(_no_nul)


class ItemIn(_In):
    programme_id: Id
    number: str = F(max_length=32, description="编号，在计划内唯一")
    name: str = F(max_length=300)
    category_id: Id | None = None
    lead_unit_id: Id
    partner_unit_ids: list[Id] = F(default_factory=list)
    sponsor_leader_ids: list[Id] = F(default_factory=list)
    content: str = F("", max_length=20000)
    measures: str = F("", max_length=20000)
    deadline_text: str | None = F(None, max_length=100, description="完成时限，如“2027年6月底前”")
    due_date: dt.date | None = F(None, description="截止日期；只给日期时写成“2027年6月30日前”")
    planned_investment: Money | None = F(None, ge=0, description="计划投资，元")
    targets: list[TargetFields] = F(default_factory=list, max_length=100)
    milestones: list[MilestoneFields] = F(default_factory=list, max_length=100)

    _check = field_validator("number", "name", "content", "measures", "deadline_text")(_no_nul)


class ItemPatch(_In):
    name: str | None = F(None, max_length=300)
    content: str | None = F(None, max_length=20000)
    measures: str | None = F(None, max_length=20000)
    remarks: str | None = F(None, max_length=20000)
    deadline_text: str | None = F(None, max_length=100)
    due_date: dt.date | None = None
    start_date: dt.date | None = None
    category_id: Id | None = None
    lead_unit_id: Id | None = None
    partner_unit_ids: list[Id] | None = None
    sponsor_leader_ids: list[Id] | None = None
    planned_investment: Money | None = F(None, ge=0)
    expected_version: Version = None

    _check = field_validator("name", "content", "measures", "remarks", "deadline_text")(_no_nul)


class ItemVersionOut(Schema):
    id: int
    version: int = F(description="编辑版本：修改事项、目标、节点时作为 expected_version")
    progress_version: int = F(description="进展版本")


class PlanMilestoneOut(MilestoneOut):
    planned_rate: float | None
    order: int
    done_update_id: int | None = F(description="报告完成的进展记录 id")


class TargetResult(Schema):
    target: TargetOut
    item: ItemVersionOut


class MilestoneResult(Schema):
    milestone: PlanMilestoneOut
    item: ItemVersionOut


class RemovedOut(Schema):
    id: int
    removed_at: dt.datetime
    removed_reason: str
    item: ItemVersionOut


class MilestoneCompleted(Schema):
    milestone: PlanMilestoneOut
    update: UpdateOut
    item: ItemVersionOut


# --- items ----------------------------------------------------------------------------


def _targets(rows: list[TargetFields]) -> list[services.TargetInput]:
    return [services.TargetInput(t.name, t.value, t.unit, t.actual) for t in rows]


def _milestones(rows: list[MilestoneFields]) -> list[services.MilestoneInput]:
    return [services.MilestoneInput(m.title, m.due_date, planned_rate=m.planned_rate) for m in rows]


@router.post(
    "/items",
    response={201: ItemDetailOut, **_errors(403, 404)},
    summary="新增事项（专班）",
)
def create_item(request: HttpRequest, payload: ItemIn) -> Status[Any]:
    reject_unknown_params(request)
    programme = access_programme(request.user, payload.programme_id)
    item = services.add_item(
        programme,
        actor=request.user,
        number=payload.number,
        name=payload.name,
        category_id=payload.category_id,
        lead_unit_id=payload.lead_unit_id,
        partner_unit_ids=payload.partner_unit_ids,
        sponsor_leader_ids=payload.sponsor_leader_ids,
        content=payload.content,
        measures=payload.measures,
        deadline_text=payload.deadline_text,
        due_date=payload.due_date,
        planned_investment=payload.planned_investment,
        targets=_targets(payload.targets),
        milestones=_milestones(payload.milestones),
    )
    return Status(201, access_item(request.user, item.pk))


@router.patch(
    "/items/{item_id}",
    response={200: ItemDetailOut, **_errors(403, 404, 409)},
    summary="修改事项（专班；单位请提交调整申请）",
)
def patch_item(request: HttpRequest, payload: ItemPatch, item_id: int = ItemId) -> Any:
    reject_unknown_params(request)
    item = access_item(request.user, item_id)
    fields = payload.model_dump(exclude_unset=True)
    expected = fields.pop("expected_version", None)
    services.edit_item(item, actor=request.user, expected_version=expected, fields=fields)
    return access_item(request.user, item_id)


# --- targets --------------------------------------------------------------------------


def _version(item: Any) -> dict[str, int]:
    return {"id": item.pk, "version": item.version, "progress_version": item.progress_version}


@router.post(
    "/items/{item_id}/targets",
    response={201: TargetResult, **_errors(403, 404, 409)},
    summary="新增工作目标（专班）",
)
def add_target(request: HttpRequest, payload: TargetIn, item_id: int = ItemId) -> Status[Any]:
    reject_unknown_params(request)
    item = access_item(request.user, item_id)
    target = services.add_target(
        item,
        services.TargetInput(payload.name, payload.value, payload.unit, payload.actual),
        actor=request.user,
        expected_version=payload.expected_version,
    )
    return Status(201, {"target": target, "item": _version(item)})


@router.patch(
    "/items/{item_id}/targets/{target_id}",
    response={200: TargetResult, **_errors(403, 404, 409)},
    summary="修改或移动工作目标（专班）",
)
def patch_target(
    request: HttpRequest, payload: TargetPatch, item_id: int = ItemId, target_id: int = TargetId
) -> Any:
    reject_unknown_params(request)
    item = access_item(request.user, item_id)
    target = item_target(item, target_id)
    fields = payload.model_dump(exclude_unset=True)
    expected = fields.pop("expected_version", None)
    position = fields.pop("position", None)
    for key in ("name", "value"):
        if key in fields and fields[key] is None:
            raise ValidationFailed(f"{key} 不能为空", {key: "不能为空"})
    if fields:
        target = services.update_target(
            target, actor=request.user, expected_version=expected, **fields
        )
        expected = None if expected is None else item.version
    if position is not None:
        target = services.move_target(
            target, actor=request.user, position=position, expected_version=expected
        )
    return {"target": target, "item": _version(item)}


class RemoveQuery(Schema):
    reason: str | None = F(None, max_length=300, description="删除原因（或放在请求体）")
    expected_version: int | None = F(None, ge=0, description="读取时事项的 version")


def _removal(query: RemoveQuery, body: RemoveIn | None) -> tuple[str, int | None]:
    """The reason and expected version, from the query or else the body."""
    reason = query.reason or (body.reason if body else None) or ""
    version = query.expected_version
    if version is None and body is not None:
        version = body.expected_version
    return reason, version


def _removed(row: Any, item: Any) -> dict[str, Any]:
    """A removed target or milestone as ``RemovedOut``, with the item's new version."""
    return {
        "id": row.pk,
        "removed_at": row.removed_at,
        "removed_reason": row.removed_reason,
        "item": _version(item),
    }


@router.delete(
    "/items/{item_id}/targets/{target_id}",
    response={200: RemovedOut, **_errors(403, 404, 409)},
    summary="删除工作目标（专班；软删除，须写原因）",
)
def remove_target(
    request: HttpRequest,
    query: Query[RemoveQuery],
    payload: Annotated[RemoveIn | None, Body()] = None,
    item_id: int = ItemId,
    target_id: int = TargetId,
) -> Any:
    reject_unknown_params(request, RemoveQuery)
    item = access_item(request.user, item_id)
    target = item_target(item, target_id)
    reason, expected = _removal(query, payload)
    target = services.remove_target(
        target, actor=request.user, reason=reason, expected_version=expected
    )
    return _removed(target, item)


# --- milestones -----------------------------------------------------------------------


@router.post(
    "/items/{item_id}/milestones",
    response={201: MilestoneResult, **_errors(403, 404, 409)},
    summary="新增时间节点（专班）",
)
def add_milestone(request: HttpRequest, payload: MilestoneIn, item_id: int = ItemId) -> Status[Any]:
    reject_unknown_params(request)
    item = access_item(request.user, item_id)
    milestone = services.add_milestone(
        item,
        services.MilestoneInput(payload.title, payload.due_date, planned_rate=payload.planned_rate),
        actor=request.user,
        expected_version=payload.expected_version,
    )
    return Status(201, {"milestone": milestone, "item": _version(item)})


@router.patch(
    "/items/{item_id}/milestones/{milestone_id}",
    response={200: MilestoneResult, **_errors(403, 404, 409)},
    summary="修改或移动时间节点（专班）",
)
def patch_milestone(
    request: HttpRequest,
    payload: MilestonePatch,
    item_id: int = ItemId,
    milestone_id: int = MilestoneId,
) -> Any:
    reject_unknown_params(request)
    item = access_item(request.user, item_id)
    milestone = item_milestone(item, milestone_id)
    fields = payload.model_dump(exclude_unset=True)
    expected = fields.pop("expected_version", None)
    position = fields.pop("position", None)
    for key in ("title", "due_date"):
        if key in fields and fields[key] is None:
            raise ValidationFailed(f"{key} 不能为空", {key: "不能为空"})
    if fields:
        milestone = services.update_milestone(
            milestone, actor=request.user, expected_version=expected, **fields
        )
        expected = None if expected is None else item.version
    if position is not None:
        milestone = services.move_milestone(
            milestone, actor=request.user, position=position, expected_version=expected
        )
    return {"milestone": milestone, "item": _version(item)}


@router.delete(
    "/items/{item_id}/milestones/{milestone_id}",
    response={200: RemovedOut, **_errors(403, 404, 409)},
    summary="删除时间节点（专班；软删除，须写原因）",
)
def remove_milestone(
    request: HttpRequest,
    query: Query[RemoveQuery],
    payload: Annotated[RemoveIn | None, Body()] = None,
    item_id: int = ItemId,
    milestone_id: int = MilestoneId,
) -> Any:
    reject_unknown_params(request, RemoveQuery)
    item = access_item(request.user, item_id)
    milestone = item_milestone(item, milestone_id)
    reason, expected = _removal(query, payload)
    milestone = services.remove_milestone(
        milestone, actor=request.user, reason=reason, expected_version=expected
    )
    return _removed(milestone, item)


@router.post(
    "/items/{item_id}/milestones/{milestone_id}/complete",
    response={200: MilestoneCompleted, **_errors(403, 404)},
    summary="标记节点完成（专班或牵头单位）",
)
def complete_milestone(
    request: HttpRequest,
    payload: CompleteIn,
    item_id: int = ItemId,
    milestone_id: int = MilestoneId,
) -> Any:
    reject_unknown_params(request)
    item = access_item(request.user, item_id)
    milestone = item_milestone(item, milestone_id)
    milestone = services.complete_milestone(
        milestone, actor=request.user, done_date=payload.done_date, text=payload.text
    )
    return {"milestone": milestone, "update": milestone.done_update, "item": _version(item)}
