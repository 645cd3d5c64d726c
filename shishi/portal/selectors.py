"""Reads of the public portal: published programmes, items, updates and photos.

Everything the public sees passes through here, and leaves as the plain records below
(``PublicItem``, ``PublicUpdate``, ``PublicPhoto``), never as model instances: a template
or an open-data writer cannot reach a field that is not public, because the record does
not have it. Queries load only public columns, and the rules are in one place:

- an item is public when the office published it; what the public sees of it is its
  ``PublishedItem`` (its state when the office last published it), never its live row;
- an update is public when it is published, is not a partner unit's note, and its item is
  public;
- a photo is public when it is published, is an image the portal serves, and its update
  is public.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import Aggregate, Avg, Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse

from shishi.core.errors import NotFound, ValidationFailed
from shishi.core.pii_text import mask_personal_numbers
from shishi.ledger.models import (
    Attachment,
    Category,
    Item,
    Programme,
    ProgressUpdate,
    PublishedItem,
)
from shishi.ledger.permissions import can_manage_programme
from shishi.ledger.selectors import (
    LIST_ORDER,
    ItemFilters,
    attachments_of,
    filter_items,
    item_updates,
    programme_items,
    visible_categories,
    visible_programmes,
)
from shishi.portal.images import PUBLIC_IMAGE_TYPES
from shishi.portal.models import PublicationVersion
from shishi.portal.status import DONE_STATES, PublicStatus, public_status

if TYPE_CHECKING:  # forms reads SEARCH_MAX_LENGTH from here
    from shishi.portal.forms import ManageQuery

# An item's row on a list, public or the office's.
_ROW_FIELDS = (
    "id",
    "programme_id",
    "category_id",
    "lead_unit_id",
    "number",
    "seq",
    "name",
    "deadline_text",
    "due_date",
    "completion_rate",
)
SEARCH_MAX_LENGTH = 50


@dataclass(frozen=True)
class PublicPhoto:
    id: int
    url: str  # the portal's photo view, never the internal attachment URL


@dataclass(frozen=True)
class PublicUpdate:
    id: int
    reported_on: dt.date
    rate: Decimal | None
    text: str
    photos: list[PublicPhoto] = field(default_factory=list)


@dataclass(frozen=True)
class PublicItem:
    id: int
    number: str
    name: str
    category: str | None
    category_id: int | None
    lead_unit: str
    deadline: str
    due_date: dt.date | None
    is_ongoing: bool
    status: PublicStatus
    completion_rate: Decimal
    latest_progress: str
    latest_progress_date: dt.date | None
    url: str
    photos: list[PublicPhoto] = field(default_factory=list)


@dataclass(frozen=True)
class PublishedProgramme:
    """A programme with published items, for the portal's front page."""

    code: str
    district: str
    year: int
    name: str
    items: int
    done: int
    average_rate: Decimal | None


@dataclass(frozen=True)
class CategorySummary:
    id: int | None
    name: str | None
    items: int
    done: int
    average_rate: Decimal


# --- querysets ------------------------------------------------------------------------------


def _has_public_items() -> Exists:
    return Exists(PublishedItem.objects.filter(programme_id=OuterRef("pk")))


def _progress_totals() -> dict[str, Aggregate]:
    """Annotations ``n`` (items), ``done`` and ``avg`` (published completion rate)."""
    return {
        "n": Count("item_id"),
        "done": Count("item_id", filter=Q(lifecycle__in=DONE_STATES)),
        "avg": Avg("completion_rate"),
    }


def public_programme(code: str, year: int) -> Programme:
    """The programme of district ``code`` for ``year``, if it has published items."""
    programme = (
        Programme.objects.select_related("jurisdiction")
        .only("id", "year", "name", "jurisdiction__code", "jurisdiction__name")
        .filter(jurisdiction__code=code, year=year)
        .filter(_has_public_items())
        .first()
    )
    if programme is None:
        raise NotFound("没有找到该地区该年度公开的实事清单")
    return programme


def public_programme_version(code: str, year: int) -> tuple[Programme, int]:
    """``public_programme`` and its publication version (0 before its first change), in one
    query: what the open data is cached under."""
    version = PublicationVersion.objects.filter(pk=OuterRef("pk")).values("version")[:1]
    programme = (
        Programme.objects.select_related("jurisdiction")
        .only("id", "year", "name", "jurisdiction__code", "jurisdiction__name")
        .filter(jurisdiction__code=code, year=year)
        .filter(_has_public_items())
        .annotate(publication_version=Subquery(version))
        .first()
    )
    if programme is None:
        raise NotFound("没有找到该地区该年度公开的实事清单")
    return programme, programme.publication_version or 0


def published_programmes() -> list[PublishedProgramme]:
    """Every programme with published items, district by district, newest year first."""
    rows = (
        PublishedItem.objects.values(
            "programme__jurisdiction__code",
            "programme__jurisdiction__name",
            "programme__year",
            "programme__name",
        )
        .annotate(**_progress_totals())
        .order_by("programme__jurisdiction__code", "-programme__year")
    )
    return [
        PublishedProgramme(
            code=r["programme__jurisdiction__code"],
            district=r["programme__jurisdiction__name"],
            year=r["programme__year"],
            name=r["programme__name"],
            items=r["n"],
            done=r["done"],
            average_rate=r["avg"],
        )
        for r in rows
    ]


def public_items(programme: Programme) -> QuerySet[PublishedItem]:
    """The programme's published items as published (a queryset to filter; rows via
    ``public_records``)."""
    return PublishedItem.objects.filter(programme_id=programme.pk)


def search_items(
    qs: QuerySet[PublishedItem], *, q: str = "", category: int | None = None
) -> QuerySet[PublishedItem]:
    """Filter by words of the name (Chinese substrings; spaces separate words) and category."""
    for word in q[:SEARCH_MAX_LENGTH].split():
        qs = qs.filter(name__icontains=word)
    if category is not None:
        qs = qs.filter(category_id=category)
    return qs


def _public_update_filter(prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}is_public": True,
            f"{prefix}is_note": False,
            f"{prefix}item__is_public": True,
        }
    )


def _public_updates() -> QuerySet[ProgressUpdate]:
    return ProgressUpdate.objects.filter(_public_update_filter())


def _public_photos() -> QuerySet[Attachment]:
    return Attachment.objects.filter(
        _public_update_filter("update__"), is_public=True, content_type__in=PUBLIC_IMAGE_TYPES
    )


PUBLIC_ORDER = ("category__order", "category_id", "seq", "item_id")


def with_public_fields(qs: QuerySet[PublishedItem]) -> QuerySet[PublishedItem]:
    """The published rows with their category and unit names, and the latest public
    update's text and date."""
    latest = _public_updates().filter(item_id=OuterRef("pk")).order_by("-reported_on", "-id").values
    return (
        qs.select_related("category", "lead_unit")
        .only(
            *(f.name for f in PublishedItem._meta.concrete_fields if f.name != "published_by"),
            "category__name",
            "category__order",
            "lead_unit__name",
        )
        .annotate(
            public_progress_text=Subquery(latest("text")[:1]),
            public_progress_date=Subquery(latest("reported_on")[:1]),
        )
    )


# --- records --------------------------------------------------------------------------------


def photo_url(code: str, year: int, attachment_id: int) -> str:
    return reverse("portal:photo", args=[code, year, attachment_id])


def item_url(code: str, year: int, item_id: int) -> str:
    return reverse("portal:item", args=[code, year, item_id])


def _photos_by_item(
    programme: Programme, item_ids: Sequence[int], *, per_item: int | None
) -> dict[int, list[PublicPhoto]]:
    code, year = programme.jurisdiction.code, programme.year
    out: dict[int, list[PublicPhoto]] = {pk: [] for pk in item_ids}
    if not item_ids:
        return out
    rows = (
        _public_photos()
        .filter(update__item_id__in=item_ids)
        .order_by("-update__reported_on", "-update_id", "id")
        .values_list("id", "update__item_id")
    )
    for attachment_id, item_id in rows:
        photos = out[item_id]
        if per_item is None or len(photos) < per_item:
            photos.append(PublicPhoto(attachment_id, photo_url(code, year, attachment_id)))
    return out


def _record(item: PublishedItem, programme: Programme, photos: list[PublicPhoto]) -> PublicItem:
    return PublicItem(
        id=item.pk,
        number=item.number,
        name=mask_personal_numbers(item.name),
        category=item.category.name if item.category_id and item.category else None,
        category_id=item.category_id,
        lead_unit=item.lead_unit.name,
        deadline=mask_personal_numbers(item.deadline_text),
        due_date=item.due_date,
        is_ongoing=item.is_ongoing,
        status=public_status(item),
        completion_rate=item.completion_rate,
        # The latest published update's, else what the office published with the item.
        # Phone and ID numbers a writer left in a text are masked in every public output
        # (page, JSON, CSV): all of them are made from these records.
        latest_progress=mask_personal_numbers(
            getattr(item, "public_progress_text", None) or item.progress_text
        ),
        latest_progress_date=getattr(item, "public_progress_date", None) or item.progress_date,
        url=item_url(programme.jurisdiction.code, programme.year, item.pk),
        photos=photos,
    )


def public_rows(qs: QuerySet[PublishedItem]) -> QuerySet[PublishedItem]:
    """``qs`` with the public columns, in the programme's order (to paginate)."""
    return with_public_fields(qs).order_by(*PUBLIC_ORDER)


def to_records(
    programme: Programme, items: Sequence[PublishedItem], *, photos_per_item: int | None = None
) -> list[PublicItem]:
    """The public record of each item of ``public_rows`` (one query for all their photos;
    none with ``photos_per_item=0``)."""
    ids = [i.pk for i in items]
    if photos_per_item == 0:
        photos: dict[int, list[PublicPhoto]] = {pk: [] for pk in ids}
    else:
        photos = _photos_by_item(programme, ids, per_item=photos_per_item)
    return [_record(item, programme, photos[item.pk]) for item in items]


def public_records(
    programme: Programme, qs: QuerySet[PublishedItem], *, photos_per_item: int | None = None
) -> list[PublicItem]:
    """The public record of each item of ``qs`` (two queries, whatever the number of items)."""
    return to_records(programme, list(public_rows(qs)), photos_per_item=photos_per_item)


def public_item(programme: Programme, item_id: int) -> PublicItem:
    """One published item of the programme, else NotFound (photos: see ``public_updates``)."""
    records = public_records(
        programme, public_items(programme).filter(pk=item_id), photos_per_item=0
    )
    if not records:
        raise NotFound("该事项不存在或未公开")
    return records[0]


def public_updates(programme: Programme, item_id: int) -> list[PublicUpdate]:
    """The item's public updates, newest first, each with its public photos."""
    code, year = programme.jurisdiction.code, programme.year
    updates = list(
        _public_updates()
        .filter(item_id=item_id, item__programme_id=programme.pk)
        .order_by("-reported_on", "-id")
        .values_list("id", "reported_on", "rate", "text")
    )
    photos: dict[int, list[PublicPhoto]] = {row[0]: [] for row in updates}
    if updates:
        rows = (
            _public_photos()
            .filter(update__item_id=item_id)
            .order_by("id")
            .values_list("id", "update_id")
        )
        for attachment_id, update_id in rows:
            if update_id in photos:
                photos[update_id].append(
                    PublicPhoto(attachment_id, photo_url(code, year, attachment_id))
                )
    return [
        PublicUpdate(
            id=pk, reported_on=day, rate=rate, text=mask_personal_numbers(text), photos=photos[pk]
        )
        for pk, day, rate, text in updates
    ]


def category_summary(programme: Programme) -> list[CategorySummary]:
    """Published items, done items and the average rate per category (one query)."""
    rows = (
        public_items(programme)
        .values("category_id", "category__name", "category__order")
        .annotate(**_progress_totals())
        .order_by("category__order", "category_id")
    )
    return [
        CategorySummary(
            id=r["category_id"],
            name=r["category__name"],
            items=r["n"],
            done=r["done"],
            average_rate=Decimal(r["avg"] or 0),
        )
        for r in rows
    ]


def summary_total(rows: Iterable[CategorySummary]) -> CategorySummary:
    rows = list(rows)
    items = sum(r.items for r in rows)
    weighted = sum((r.average_rate * r.items for r in rows), Decimal(0))
    return CategorySummary(
        id=None,
        name=None,
        items=items,
        done=sum(r.done for r in rows),
        average_rate=(weighted / items) if items else Decimal(0),
    )


def public_photo(programme: Programme, attachment_id: int) -> Attachment:
    """A photo the public may see: published, an image, of a public update of a public item
    of this programme."""
    attachment = (
        _public_photos()
        .filter(pk=attachment_id, update__item__programme_id=programme.pk)
        .only("id", "file", "content_type")
        .first()
    )
    if attachment is None:
        raise NotFound("照片不存在或未公开")
    return attachment


# --- the office's publication pages ---------------------------------------------------------


@dataclass(frozen=True)
class UpdateCounts:
    total: int = 0  # updates that may be published (partner notes excluded)
    public: int = 0
    notes: int = 0


def update_counts(item_ids: Sequence[int]) -> dict[int, UpdateCounts]:
    """Per item: its updates, how many are public, how many are partner notes (one query).

    For the office's list only: callers pass ids of items they may manage.
    """
    out = {pk: UpdateCounts() for pk in item_ids}
    if not item_ids:
        return out
    rows = (
        ProgressUpdate.objects.filter(item_id__in=item_ids)
        .values("item_id")
        .annotate(
            total=Count("id", filter=Q(is_note=False)),
            public=Count("id", filter=Q(is_note=False, is_public=True)),
            notes=Count("id", filter=Q(is_note=True)),
        )
        .order_by()
    )
    for row in rows:
        out[row["item_id"]] = UpdateCounts(row["total"], row["public"], row["notes"])
    return out


# The item columns the office's list loads (besides the category and lead unit names).
MANAGE_FIELDS = (
    *_ROW_FIELDS,
    "jurisdiction_id",
    "lifecycle",
    "progress_date",
    "is_public",
    "version",
)


@dataclass
class ManageRow:
    """An item on the office's publication list, with its updates counted."""

    item: Item
    counts: UpdateCounts
    error: str = ""


@dataclass
class ManageUpdateRow:
    """A progress update on an item's publication page, with the photos it may publish."""

    update: ProgressUpdate
    attachments: list[Attachment]
    error: str = ""
    photos_to_offer: list[Attachment] = field(default_factory=list)


@dataclass
class ManageList:
    """One page of the office's publication list and what the page shows around it."""

    page: Page[Item]
    rows: list[ManageRow]
    categories: list[Category]
    totals: dict[str, int]  # "n": items in the programme, "public": of them published


def managed_programmes(user: Any) -> list[Programme]:
    """The programmes whose publication the user decides, by district then newest first."""
    programmes = visible_programmes(user).order_by("jurisdiction__code", "-year")
    return [p for p in programmes if can_manage_programme(user, p)]


def manage_rows(items: Sequence[Item]) -> list[ManageRow]:
    counts = update_counts([i.pk for i in items])
    return [ManageRow(item=i, counts=counts[i.pk]) for i in items]


def manage_list(
    user: Any, programme: Programme, query: ManageQuery, *, per_page: int
) -> ManageList:
    """The programme's items as the office filters them (``query.state``: "public",
    "private" or "" for both), paged in the ledger's order, with the programme's totals and
    categories."""
    base = programme_items(user, programme)
    qs = filter_items(base, ItemFilters(q=query.q or None, category=query.category))
    if query.state:
        qs = qs.filter(is_public=query.state == "public")
    qs = (
        qs.select_related("category", "lead_unit")
        .only(*MANAGE_FIELDS, "category__name", "lead_unit__name")
        .order_by(*LIST_ORDER)
    )
    current = Paginator(qs, per_page).get_page(query.page)
    return ManageList(
        page=current,
        rows=manage_rows(list(current.object_list)),
        categories=list(
            visible_categories(user).filter(programme=programme).order_by("order", "id")
        ),
        totals=base.aggregate(n=Count("id"), public=Count("id", filter=Q(is_public=True))),
    )


def manage_update_rows(item: Item, *, update_id: int | None = None) -> list[ManageUpdateRow]:
    """The item's updates (or just ``update_id``, if it is still there), newest first."""
    updates = item_updates(item)
    if update_id is not None:
        updates = updates.filter(pk=update_id)
    rows = []
    for update in updates:
        attachments = attachments_of(update)
        offer = [a for a in attachments if not a.is_public and a.content_type in PUBLIC_IMAGE_TYPES]
        rows.append(ManageUpdateRow(update=update, attachments=attachments, photos_to_offer=offer))
    return rows


def chosen_attachments(update: ProgressUpdate, ids: Iterable[int]) -> list[Attachment]:
    """The update's attachments with these ids; ValidationFailed if one is not the update's."""
    wanted = set(ids)
    chosen = [a for a in attachments_of(update) if a.pk in wanted]
    if len(chosen) != len(wanted):
        raise ValidationFailed("所选照片已不存在或不属于该条进展，请刷新页面")
    return chosen
