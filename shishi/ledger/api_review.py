"""The API of the office's review queue (待审核): list units' pending updates, publish them
(one or many), send one back with a comment. See docs/api.md.

Like ``ledger.api``: reads go through the ledger's selectors, writes through its services,
whose errors become JSON in ``shishi.api`` (403 for anyone but the office, 404 for an update
outside the caller's districts, 422 naming the field).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Path, Query, Router
from pydantic import ConfigDict, field_validator

from shishi.core.api_params import reject_unknown_params
from shishi.core.errors import PermissionDenied
from shishi.ledger import services
from shishi.ledger.api import _errors
from shishi.ledger.models import Review
from shishi.ledger.schemas import MAX_ID, PageQuery, Schema, _no_nul
from shishi.ledger.selectors import (
    QueueRow,
    ReviewFilters,
    review_count,
    review_jurisdiction_ids,
    review_slice,
)
from shishi.ledger.selectors.review import access_pending_update

router = Router(tags=["review"])
UpdateId = Path(..., ge=1, le=MAX_ID, description="进展 id")
NOT_REVIEWER = "只有专班可以审核单位进展"


class ReviewQuery(PageQuery):
    programme: int | None = Field(None, ge=1, le=MAX_ID, description="计划 id")
    unit: int | None = Field(None, ge=1, le=MAX_ID, description="填报单位 id")
    category: int | None = Field(None, ge=1, le=MAX_ID, description="类别 id")
    min_age_days: int | None = Field(None, ge=0, le=3650, description="至少已等待的天数")


class QueueFileOut(Schema):
    id: int
    name: str
    content_type: str
    url: str


class QueueItemOut(Schema):
    id: int = Field(description="进展 id")
    item_id: int
    item_number: str
    item_name: str
    programme_id: int
    unit: str | None = Field(description="填报单位名称")
    reported_on: dt.date
    rate: float | None = Field(description="本次填报的完成率")
    previous_rate: float | None = Field(description="填报前的完成率")
    text: str
    reason: str = Field(description="下调原因")
    attachments: list[QueueFileOut]
    created_at: dt.datetime
    waiting_days: int
    personal_numbers: list[str] = Field(
        description="文字中发现的个人号码种类（手机号码、身份证号码）：公开时遮盖"
    )


class QueuePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[QueueItemOut]


class PublishIn(Schema):
    model_config = ConfigDict(extra="forbid")

    ids: list[int] = Field(min_length=1, max_length=5000, description="要公开的进展 id")
    with_photos: bool = Field(True, description="连同照片（JPEG、PNG、WebP）公开")


class RejectIn(Schema):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(max_length=2000, description="退回意见（必填，单位可见）")

    _check = field_validator("comment")(_no_nul)


class ReviewOut(Schema):
    id: int
    review: Review
    review_comment: str


class PublishedOut(Schema):
    published: list[int] = Field(description="本次公开的进展 id（已公开的不重复计）")


def _row(row: QueueRow, request: HttpRequest) -> dict[str, Any]:
    u = row.update
    return {
        "id": u.pk,
        "item_id": u.item_id,
        "item_number": u.item.number,
        "item_name": u.item.name,
        "programme_id": u.item.programme_id,
        "unit": u.unit.name if u.unit is not None else None,
        "reported_on": u.reported_on,
        "rate": float(u.rate) if u.rate is not None else None,
        "previous_rate": float(row.previous_rate) if row.previous_rate is not None else None,
        "text": u.text,
        "reason": u.reason,
        "attachments": [
            {
                "id": f.id,
                "name": f.name,
                "content_type": f.content_type,
                "url": request.build_absolute_uri(
                    reverse("ledger:attachment", args=[u.item_id, f.id])
                ),
            }
            for f in row.files
        ],
        "created_at": u.created_at,
        "waiting_days": row.waiting_days,
        "personal_numbers": row.personal,
    }


def _require_reviewer(request: HttpRequest) -> None:
    """403 for anyone who is no district's office (an update outside the office's districts
    is then 404, as if it did not exist)."""
    if not review_jurisdiction_ids(request.user):
        raise PermissionDenied(NOT_REVIEWER)


@router.get("/review-queue", response={200: QueuePage, **_errors(403)}, summary="待审核的单位进展")
def list_queue(request: HttpRequest, query: Query[ReviewQuery]) -> Any:
    reject_unknown_params(request, ReviewQuery)
    _require_reviewer(request)
    filters = ReviewFilters(
        programme=query.programme,
        unit=query.unit,
        category=query.category,
        min_age_days=query.min_age_days or None,
    )
    offset = (query.page - 1) * query.page_size
    rows = review_slice(request.user, filters, offset=offset, limit=query.page_size)
    return {
        "count": review_count(request.user, filters),
        "page": query.page,
        "page_size": query.page_size,
        "items": [_row(r, request) for r in rows],
    }


@router.post(
    "/updates/publish", response={200: PublishedOut, **_errors(403, 404)}, summary="批量公开进展"
)
def publish_many(request: HttpRequest, payload: PublishIn) -> Any:
    reject_unknown_params(request)
    ids = services.publish_updates(payload.ids, actor=request.user, with_photos=payload.with_photos)
    return {"published": ids}


@router.post(
    "/updates/{update_id}/publish",
    response={200: ReviewOut, **_errors(403, 404)},
    summary="公开一条进展",
)
def publish_one(request: HttpRequest, update_id: int = UpdateId) -> Any:
    reject_unknown_params(request)
    _require_reviewer(request)
    update = access_pending_update(request.user, update_id)
    services.publish_updates([update.pk], actor=request.user)  # refuses notes and rejected
    return {"id": update.pk, "review": Review.PUBLISHED, "review_comment": ""}


@router.post(
    "/updates/{update_id}/reject",
    response={200: ReviewOut, **_errors(403, 404)},
    summary="退回一条进展（附意见）",
)
def reject_one(request: HttpRequest, payload: RejectIn, update_id: int = UpdateId) -> Any:
    reject_unknown_params(request)
    _require_reviewer(request)
    update = access_pending_update(request.user, update_id)
    return services.reject_update(update, actor=request.user, comment=payload.comment)
