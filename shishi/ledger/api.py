"""The ledger's API router, mounted at /api/v1/ (see docs/api.md).

Every endpoint starts from the same selectors and permissions as the pages, and every write
goes through ``shishi.ledger.services``; errors those raise become JSON in ``shishi.api``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Path, Query, Router, Status
from ninja.responses import NinjaJSONEncoder

from shishi.core.api_params import reject_unknown_params
from shishi.core.errors import ValidationFailed
from shishi.core.pii_text import personal_number_warning
from shishi.ledger import selectors, services
from shishi.ledger.models import overdue
from shishi.ledger.permissions import access_item, can_post_note, can_post_progress
from shishi.ledger.schemas import (
    MAX_ID,
    CategoryOut,
    CategoryQuery,
    ErrorOut,
    ItemDetailOut,
    ItemPage,
    ItemQuery,
    JurisdictionQuery,
    MeOut,
    PageQuery,
    PersonOut,
    ProgrammeOut,
    ProgressCreated,
    ProgressIn,
    UnitOut,
    UpdatePage,
)
from shishi.orgs.permissions import scope_for

router = Router(tags=["ledger"])


def _errors(*codes: int) -> dict[Any, Any]:
    """The error statuses an endpoint documents, all with the ``ErrorOut`` body."""
    return {frozenset({401, 422, *codes}): ErrorOut}


def _page(qs: QuerySet[Any], paging: PageQuery) -> dict[str, Any]:
    offset = (paging.page - 1) * paging.page_size
    return {
        "count": qs.count(),
        "page": paging.page,
        "page_size": paging.page_size,
        "items": list(qs[offset : offset + paging.page_size]),
    }


def _ref(ref: selectors.Ref | None) -> dict[str, Any] | None:
    return None if ref is None else {"id": ref.id, "name": ref.name}


def item_json(row: selectors.ItemRow, today: dt.date) -> dict[str, Any]:
    """A list row as ``ItemOut`` describes it, built directly from the row.

    The list endpoint skips ninja's per-field validation of its output (for 25 rows it cost
    more than the queries); the tests check every field against ``ItemOut``.
    """
    return {
        "jurisdiction": row.jurisdiction.code,
        "id": row.id,
        "number": row.number,
        "name": row.name,
        "programme_id": row.programme_id,
        "category": _ref(row.category),
        "lead_unit": _ref(row.lead_unit),
        "partner_units": [_ref(u) for u in row.partner_list],
        "sponsor_leaders": [_ref(p) for p in row.leader_list],
        "deadline_text": row.deadline_text,
        "due_date": row.due_date,
        "is_ongoing": row.is_ongoing,
        "is_overdue": overdue(row.due_date, row.lifecycle, today),
        "completion_rate": float(row.completion_rate),
        "lifecycle": row.lifecycle,
        "lifecycle_display": row.get_lifecycle_display(),
        "progress_text": row.progress_text,
        "progress_date": row.progress_date,
        "updated_at": row.updated_at,
        "version": row.version,
        "progress_version": row.progress_version,
    }


def _item_page(paging: PageQuery, count: int, rows: list[selectors.ItemRow]) -> HttpResponse:
    today = timezone.localdate()
    page = {
        "count": count,
        "page": paging.page,
        "page_size": paging.page_size,
        "items": [item_json(row, today) for row in rows],
    }
    return HttpResponse(
        json.dumps(page, cls=NinjaJSONEncoder), content_type="application/json; charset=utf-8"
    )


ItemId = Path(..., ge=1, le=MAX_ID, description="事项 id")


@router.get("/me", response={200: MeOut, **_errors()}, summary="当前用户及其角色")
def me(request: HttpRequest) -> dict[str, Any]:
    reject_unknown_params(request)
    user: Any = request.user
    scope = scope_for(user)
    return {
        "username": user.get_username(),
        "display_name": str(user),
        "is_superuser": scope.is_superuser,
        "roles": sorted(scope.roles),
        "jurisdictions": list(selectors.visible_jurisdictions(user).order_by("code")),
    }


@router.get("/items", response={200: ItemPage, **_errors()}, summary="台账事项列表")
def list_items(request: HttpRequest, query: Query[ItemQuery]) -> HttpResponse:
    reject_unknown_params(request, ItemQuery)
    filters = selectors.ItemFilters(
        programme=query.programme,
        jurisdiction=query.jurisdiction,
        year=query.year,
        category=query.category,
        unit=query.unit,
        leader=query.leader,
        lifecycle=query.lifecycle.value if query.lifecycle else None,
        q=query.q.strip() if query.q else None,
        overdue=query.overdue,
    )
    offset = (query.page - 1) * query.page_size
    count, rows = selectors.item_list_page(
        request.user, filters, offset=offset, limit=query.page_size
    )
    return _item_page(query, count, rows)


@router.get("/items/{item_id}", response={200: ItemDetailOut, **_errors(404)}, summary="事项详情")
def get_item(request: HttpRequest, item_id: int = ItemId) -> Any:
    reject_unknown_params(request)
    return access_item(request.user, item_id)


@router.get(
    "/items/{item_id}/updates", response={200: UpdatePage, **_errors(404)}, summary="进展记录"
)
def list_updates(
    request: HttpRequest, query: Query[PageQuery], item_id: int = ItemId
) -> dict[str, Any]:
    reject_unknown_params(request, PageQuery)
    item = access_item(request.user, item_id)
    return _page(selectors.item_updates(item), query)


@router.post(
    "/items/{item_id}/updates",
    response={201: ProgressCreated, **_errors(400, 403, 404, 409)},
    summary="填报进展（或配合单位备注）",
)
def post_update(request: HttpRequest, payload: ProgressIn, item_id: int = ItemId) -> Status[Any]:
    reject_unknown_params(request)
    item = access_item(request.user, item_id, related=("lead_unit",))  # the update's unit
    _warn_personal_numbers(request.user, item, payload)
    update = services.record_progress(
        item,
        actor=request.user,
        text=payload.text,
        rate=payload.rate,
        reported_on=payload.reported_on,
        target_actuals=payload.target_actuals,
        done_investment=payload.done_investment,
        as_note=payload.as_note,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return Status(201, {"update": update, "item": item})


def _warn_personal_numbers(user: Any, item: Any, payload: ProgressIn) -> None:
    """A phone or ID number in the text is refused (422) until the writer confirms it with
    ``confirm_personal_numbers`` (or removes it); only for who may post (else the service's
    403)."""
    if payload.confirm_personal_numbers:
        return
    warning = personal_number_warning(payload.text, payload.reason)
    if warning and (can_post_progress(user, item) or can_post_note(user, item)):
        raise ValidationFailed(
            warning, {"text": warning, "confirm_personal_numbers": "确认保留请设为 true"}
        )


@router.get("/programmes", response={200: list[ProgrammeOut], **_errors()}, summary="年度计划")
def list_programmes(request: HttpRequest) -> Any:
    reject_unknown_params(request)
    return selectors.visible_programmes(request.user).order_by("-year", "jurisdiction__code")


@router.get("/categories", response={200: list[CategoryOut], **_errors()}, summary="类别")
def list_categories(request: HttpRequest, query: Query[CategoryQuery]) -> Any:
    reject_unknown_params(request, CategoryQuery)
    qs = selectors.visible_categories(request.user)
    if query.programme:
        qs = qs.filter(programme_id=query.programme)
    if query.jurisdiction:
        qs = qs.filter(jurisdiction__code=query.jurisdiction)
    if query.year:
        qs = qs.filter(programme__year=query.year)
    return qs.order_by("-programme__year", "jurisdiction__code", "order", "id")


def _of_jurisdiction(request: HttpRequest, qs: QuerySet[Any], query: JurisdictionQuery) -> Any:
    reject_unknown_params(request, JurisdictionQuery)
    qs = qs.select_related("jurisdiction")
    if query.jurisdiction:
        qs = qs.filter(jurisdiction__code=query.jurisdiction)
    return qs.order_by("jurisdiction__code", "name", "id")


@router.get("/units", response={200: list[UnitOut], **_errors()}, summary="单位")
def list_units(request: HttpRequest, query: Query[JurisdictionQuery]) -> Any:
    return _of_jurisdiction(request, selectors.visible_units(request.user), query)


@router.get("/leaders", response={200: list[PersonOut], **_errors()}, summary="包保领导")
def list_leaders(request: HttpRequest, query: Query[JurisdictionQuery]) -> Any:
    return _of_jurisdiction(request, selectors.visible_people(request.user), query)
