"""The office's review queue (待审核): units' progress updates waiting to be published."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone

from shishi.core import sql
from shishi.core.errors import NotFound
from shishi.core.pii_text import personal_number_kinds
from shishi.ledger.models import Attachment, Category, Programme, ProgressUpdate, Review
from shishi.orgs.models import Unit
from shishi.orgs.permissions import scope_for

# The columns a queue row shows (with its item's and unit's).
_QUEUE_FIELDS = (
    "id",
    "jurisdiction_id",
    "item_id",
    "unit_id",
    "reported_on",
    "rate",
    "text",
    "reason",
    "previous",
    "done_investment",
    "created_at",
    "item__number",
    "item__name",
    "item__programme_id",
    "item__category_id",
    "item__completion_rate",
    "unit__name",
)


@dataclass(frozen=True)
class ReviewFilters:
    programme: int | None = None
    unit: int | None = None
    category: int | None = None
    min_age_days: int | None = None  # waiting at least this many days


@dataclass(frozen=True)
class QueuePhoto:
    id: int
    name: str
    content_type: str

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


@dataclass
class QueueRow:
    """A pending update as the office reviews it: the rate it replaced beside its own."""

    update: ProgressUpdate
    previous_rate: Decimal | None
    waiting_days: int
    files: list[QueuePhoto] = field(default_factory=list)
    # Kinds of personal numbers in its text or reason (手机号码, 身份证号码): the portal masks
    # them once published; the office may send the update back to have them removed.
    personal: list[str] = field(default_factory=list)


@dataclass
class ReviewPage:
    page: Page[Any]
    rows: list[QueueRow]
    programmes: list[Programme]
    units: list[Unit]
    categories: list[Category]


def review_jurisdiction_ids(user: Any) -> set[int]:
    """The districts whose units' updates the user reviews (programme or city office)."""
    scope = scope_for(user)
    return {j for j in scope.readable_jurisdiction_ids() if scope.is_office_for(j)}


def review_queue(user: Any, filters: ReviewFilters) -> QuerySet[ProgressUpdate]:
    """Pending updates of the user's districts, oldest first, filtered."""
    jurisdiction_ids = review_jurisdiction_ids(user)
    if filters.programme:
        # A programme lies in one district, checked here once: the queue then walks the
        # programme's own index (update_programme_review) and never joins its items.
        if not Programme.objects.filter(
            pk=filters.programme, jurisdiction_id__in=jurisdiction_ids
        ).exists():
            return ProgressUpdate.objects.none()
        qs = ProgressUpdate.objects.filter(review=Review.PENDING, programme_id=filters.programme)
    else:
        qs = ProgressUpdate.objects.filter(
            review=Review.PENDING, jurisdiction_id__in=jurisdiction_ids
        )
    if filters.unit:
        qs = qs.filter(unit_id=filters.unit)
    if filters.category:
        qs = qs.filter(item__category_id=filters.category)
    if filters.min_age_days:
        since = timezone.now() - dt.timedelta(days=filters.min_age_days)
        qs = qs.filter(created_at__lte=since)
    return qs.order_by("id")


def access_pending_update(user: Any, pk: int) -> ProgressUpdate:
    """An update in the user's review scope (any state: the service says what it allows);
    NotFound otherwise, so that other districts' ids leak nothing."""
    update = (
        ProgressUpdate.objects.select_related("item")
        .filter(pk=pk, jurisdiction_id__in=review_jurisdiction_ids(user))
        .first()
    )
    if update is None:
        raise NotFound("该条进展不存在或无权审核")
    return update


REJECTED_SHOWN = 20


def my_rejected_updates(user: Any) -> list[ProgressUpdate]:
    """The latest updates the office sent back to the user's units, newest first: what the
    unit must answer (shown on its 我的事项 until notifications reach its inbox)."""
    unit_ids = scope_for(user).editor_unit_ids
    if not unit_ids:
        return []
    qs = (
        ProgressUpdate.objects.filter(review=Review.REJECTED, unit_id__in=unit_ids)
        .select_related("item")
        .only(
            "id",
            "item_id",
            "reported_on",
            "rate",
            "review_comment",
            "reviewed_at",
            "item__number",
            "item__name",
        )
        .order_by("-reviewed_at", "-id")[:REJECTED_SHOWN]
    )
    with sql.custom_plans():  # planned for 'rejected' (core.sql.custom_plans)
        return list(qs)


def _previous_rate(update: ProgressUpdate) -> Decimal | None:
    state = (update.previous or {}).get("state") or {}
    value = state.get("completion_rate")
    return Decimal(value) if value is not None else None


def queue_rows(updates: list[ProgressUpdate]) -> list[QueueRow]:
    """The rows of these updates, with their files (one query)."""
    files: dict[int, list[QueuePhoto]] = {u.pk: [] for u in updates}
    if updates:
        for pk, update_id, name, ctype in (
            Attachment.objects.filter(update_id__in=list(files))
            .order_by("id")
            .values_list("id", "update_id", "name", "content_type")
        ):
            files[update_id].append(QueuePhoto(pk, name, ctype))
    today = timezone.now()
    return [
        QueueRow(
            update=u,
            previous_rate=_previous_rate(u),
            waiting_days=max(0, (today - u.created_at).days),
            files=files[u.pk],
            personal=personal_number_kinds(u.text, u.reason),
        )
        for u in updates
    ]


# The queue's reads run under ``sql.custom_plans``: planned for 'pending', they walk the
# index of the few waiting updates, where a generic plan would walk the table by id. A page
# is found by its ids alone (an index-only walk past the earlier pages), then its rows are
# read with their items and units.


def review_count(user: Any, filters: ReviewFilters) -> int:
    with sql.custom_plans():
        return review_queue(user, filters).count()


def _rows_of(ids: list[int]) -> list[QueueRow]:
    if not ids:
        return []
    updates = (
        ProgressUpdate.objects.filter(pk__in=ids)
        .select_related("item", "unit")
        .only(*_QUEUE_FIELDS)
        .order_by("id")
    )
    return queue_rows(list(updates))


def review_slice(user: Any, filters: ReviewFilters, *, offset: int, limit: int) -> list[QueueRow]:
    with sql.custom_plans():
        ids = review_queue(user, filters).values_list("id", flat=True)
        return _rows_of(list(ids[offset : offset + limit]))


def review_page(user: Any, filters: ReviewFilters, *, page: str, per_page: int) -> ReviewPage:
    """One page of the queue and the choices of its filters."""
    with sql.custom_plans():
        paginator = Paginator(review_queue(user, filters).values_list("id", flat=True), per_page)
        current = paginator.get_page(page)
        rows = _rows_of(list(current.object_list))
    ids = review_jurisdiction_ids(user)
    programmes = list(
        Programme.objects.filter(jurisdiction_id__in=ids)
        .select_related("jurisdiction")
        .order_by("-year", "jurisdiction__code")
    )
    units = list(Unit.objects.filter(jurisdiction_id__in=ids).order_by("jurisdiction_id", "name"))
    categories = (
        list(
            Category.objects.filter(
                programme_id=filters.programme, programme__jurisdiction_id__in=ids
            ).order_by("order", "id")
        )
        if filters.programme
        else []
    )
    return ReviewPage(
        page=current,
        rows=rows,
        programmes=programmes,
        units=units,
        categories=categories,
    )
