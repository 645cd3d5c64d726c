"""Change requests (调整申请) in the API, mounted at /api/v1/ beside the ledger router (see
docs/api.md): a lead unit files, the office approves or rejects. The same selectors and
services as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import ConfigDict

from shishi.core.api_params import reject_unknown_params
from shishi.ledger import selectors, services
from shishi.ledger.models import ChangeRequest
from shishi.ledger.permissions import access_item
from shishi.ledger.schemas import MAX_ID, ErrorOut, Id, PageQuery

router = Router(tags=["change requests"])

RequestId = Path(..., ge=1, le=MAX_ID, description="调整申请 id")
ItemId = Path(..., ge=1, le=MAX_ID, description="事项 id")


def _errors(*codes: int) -> dict[Any, Any]:
    return {frozenset({401, 422, *codes}): ErrorOut}


# --- schemas -------------------------------------------------------------------------------


class ChangeRequestIn(Schema):
    model_config = ConfigDict(extra="forbid")

    changes: dict[str, Any] = Field(
        description=(
            "字段 → 新值：name, content, measures, deadline_text, due_date (YYYY-MM-DD), "
            "start_date, lead_unit_id, partner_units ([单位 id]), sponsor_leaders ([人员 id]), "
            "planned_investment (元)"
        )
    )
    reason: str = Field(max_length=2000, description="申请理由，必填")


class DecisionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field("", max_length=2000, description="审批意见；驳回时必填")


class RefOut(Schema):
    id: int
    name: str


class FileOut(Schema):
    id: int
    name: str
    size: int
    content_type: str


class ChangeRequestOut(Schema):
    id: int
    item_id: int
    unit: RefOut | None
    requested_by: str | None
    changes: dict[str, Any] = Field(description="字段 → 申请的新值")
    before: dict[str, Any] = Field(description="字段 → 提交时的值")
    reason: str
    status: str = Field(description="pending / approved / rejected / withdrawn")
    decided_by: str | None
    decided_at: dt.datetime | None
    comment: str
    created_at: dt.datetime
    files: list[FileOut]

    @staticmethod
    def resolve_unit(obj: ChangeRequest) -> dict[str, Any] | None:
        return {"id": obj.unit.pk, "name": obj.unit.name} if obj.unit else None

    @staticmethod
    def resolve_requested_by(obj: ChangeRequest) -> str | None:
        return str(obj.requested_by) if obj.requested_by else None

    @staticmethod
    def resolve_decided_by(obj: ChangeRequest) -> str | None:
        return str(obj.decided_by) if obj.decided_by else None

    @staticmethod
    def resolve_files(obj: ChangeRequest) -> list[Any]:
        return list(obj.files.all())


class ChangeRequestPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[ChangeRequestOut]


class ChangeRequestQuery(PageQuery):
    status: ChangeRequest.Status | None = Field(
        None, description="pending / approved / rejected / withdrawn；不填为全部"
    )
    unit: Id | None = Field(None, description="申请单位 id")


# --- endpoints -----------------------------------------------------------------------------


@router.post(
    "/items/{item_id}/change-requests",
    response={201: ChangeRequestOut, **_errors(403, 404)},
    summary="提交调整申请（牵头单位）",
)
def file_request(request: HttpRequest, payload: ChangeRequestIn, item_id: int = ItemId) -> Any:
    reject_unknown_params(request)
    item = access_item(request.user, item_id)
    created = services.file_change_request(
        item, actor=request.user, changes=payload.changes, reason=payload.reason
    )
    return Status(201, selectors.access_change_request(request.user, created.pk))


@router.get(
    "/change-requests",
    response={200: ChangeRequestPageOut, **_errors()},
    summary="调整申请：专班的待审批队列，或本单位的申请",
)
def list_requests(request: HttpRequest, query: Query[ChangeRequestQuery]) -> dict[str, Any]:
    reject_unknown_params(request, ChangeRequestQuery)
    count, rows = selectors.change_request_slice(
        request.user,
        status=query.status,
        unit_id=query.unit,
        offset=(query.page - 1) * query.page_size,
        limit=query.page_size,
    )
    return {
        "count": count,
        "page": query.page,
        "page_size": query.page_size,
        "items": rows,
    }


@router.get(
    "/change-requests/{request_id}",
    response={200: ChangeRequestOut, **_errors(404)},
    summary="一条调整申请",
)
def get_request(request: HttpRequest, request_id: int = RequestId) -> Any:
    reject_unknown_params(request)
    return selectors.access_change_request(request.user, request_id)


@router.post(
    "/change-requests/{request_id}/approve",
    response={200: ChangeRequestOut, **_errors(403, 404, 409)},
    summary="批准调整申请（专班）：按申请修改事项",
)
def approve_request(request: HttpRequest, payload: DecisionIn, request_id: int = RequestId) -> Any:
    reject_unknown_params(request)
    cr = selectors.access_change_request(request.user, request_id)
    services.approve_change_request(cr, actor=request.user, comment=payload.comment)
    return selectors.access_change_request(request.user, request_id)


@router.post(
    "/change-requests/{request_id}/reject",
    response={200: ChangeRequestOut, **_errors(403, 404)},
    summary="驳回调整申请（专班），意见必填",
)
def reject_request(request: HttpRequest, payload: DecisionIn, request_id: int = RequestId) -> Any:
    reject_unknown_params(request)
    cr = selectors.access_change_request(request.user, request_id)
    services.reject_change_request(cr, actor=request.user, comment=payload.comment)
    return selectors.access_change_request(request.user, request_id)


@router.post(
    "/change-requests/{request_id}/withdraw",
    response={200: ChangeRequestOut, **_errors(403, 404)},
    summary="撤回调整申请（申请单位）",
)
def withdraw_request(request: HttpRequest, request_id: int = RequestId) -> Any:
    reject_unknown_params(request)
    cr = selectors.access_change_request(request.user, request_id)
    services.withdraw_change_request(cr, actor=request.user)
    return selectors.access_change_request(request.user, request_id)
