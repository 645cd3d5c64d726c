"""Lists of items: the ledger page, "my items" and the list API, filtered and paged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from shishi.ledger.models import FINISHED_LIFECYCLES, Category, Item, Lifecycle, Programme
from shishi.ledger.queries import Matching, item_rows
from shishi.ledger.rows import ItemRow, Ref
from shishi.ledger.selectors.scope import (
    LEADERS,
    PARTNERS,
    my_items,
    pick_programme,
    visible_items,
    visible_programmes,
)
from shishi.orgs import queries as orgs_queries
from shishi.orgs.models import Person, Unit
from shishi.orgs.permissions import scope_for

if TYPE_CHECKING:
    from shishi.ledger.forms import LedgerQuery

LIST_ORDER = ("programme_id", "category__order", "seq", "id")
# The API's order across programmes: newest year first, then district, then the ledger's.
API_ORDER = ("-programme__year", "jurisdiction__code", "category__order", "seq", "id")


@dataclass
class ItemFilters:
    """The ledger page's filters; the API takes the same."""

    programme: int | None = None
    jurisdiction: str | None = None  # division code
    year: int | None = None
    category: int | None = None
    unit: int | None = None
    leader: int | None = None
    lifecycle: str | None = None
    q: str | None = None
    overdue: bool = False


class _AnyOf(Func):
    """``value = ANY(ARRAY(subquery))`` (PostgreSQL): unlike ``IN (subquery)``, a condition
    the planner can answer with an index scan, and OR with another index scan."""

    arg_joiner = " = ANY(ARRAY"
    template = "%(expressions)s)"
    output_field = BooleanField()


def filter_items(qs: QuerySet[Item], f: ItemFilters) -> QuerySet[Item]:
    if f.programme:
        qs = qs.filter(programme_id=f.programme)
    if f.jurisdiction:
        qs = qs.filter(jurisdiction__code=f.jurisdiction)
    if f.year:
        qs = qs.filter(programme__year=f.year)
    if f.category:
        qs = qs.filter(category_id=f.category)
    # M2M conditions as IN (subquery) rather than joins: no duplicate rows, so no DISTINCT
    # over wide rows, and the planner can use the through tables' indexes.
    if f.unit and connection.vendor == "postgresql":
        # Lead or partner, as an OR PostgreSQL answers with two index scans (the lead unit's,
        # and the primary key for the unit's partner items): a third of the time of joining
        # a UNION against the whole programme.
        partner_ids = PARTNERS.objects.filter(unit_id=f.unit).order_by().values("item_id")
        qs = qs.filter(Q(lead_unit_id=f.unit) | Q(_AnyOf(F("pk"), Subquery(partner_ids))))
    elif f.unit:
        # Lead or partner: a UNION of two index lookups; an OR in one query made SQLite
        # scan the whole programme.
        lead_items = Item.objects.filter(lead_unit_id=f.unit)
        if f.programme:  # the (programme, lead unit, id) index answers alone
            lead_items = lead_items.filter(programme_id=f.programme)
        led = lead_items.order_by().values("pk")
        partnered = PARTNERS.objects.filter(unit_id=f.unit).order_by().values("item_id")
        qs = qs.filter(pk__in=led.union(partnered))
    if f.leader:
        qs = qs.filter(pk__in=LEADERS.objects.filter(person_id=f.leader).values("item_id"))
    if f.lifecycle and f.lifecycle in Lifecycle.values:
        qs = qs.filter(lifecycle=f.lifecycle)
    if f.overdue:
        qs = qs.filter(due_date__lt=timezone.localdate()).exclude(lifecycle__in=FINISHED_LIFECYCLES)
    if f.q:
        for word in f.q.split():
            qs = qs.filter(
                Q(name__icontains=word)
                | Q(content__icontains=word)
                | Q(measures__icontains=word)
                | Q(number=word)
            )
    return qs


def matching(f: ItemFilters, *, readable: bool = True) -> Matching:
    """``filter_items`` over the programme ``f.programme`` (the category aside) as the
    written ``queries.Matching``; ``readable``: whether the user may read the programme."""
    if not f.programme:
        raise ValueError("matching needs a programme")
    return Matching(
        programme=f.programme,
        unit=f.unit,
        leader=f.leader,
        lifecycle=f.lifecycle if f.lifecycle in Lifecycle.values else None,
        overdue_on=timezone.localdate() if f.overdue else None,
        words=tuple(f.q.split()) if f.q else (),
        nothing=not readable,
    )


def programme_matching(user: Any, f: ItemFilters) -> Matching:
    """The user's items of the programme ``f.programme`` that match ``f``: all the filters,
    or nothing where the user may not read the programme (one check instead of a
    jurisdiction condition on every row, which kept PostgreSQL from answering from the list
    indexes alone), or where its district or year is not the one asked for."""
    if not f.programme:
        raise ValueError("programme_matching needs a programme")
    programme = visible_programmes(user).filter(pk=f.programme)
    if f.year:
        programme = programme.filter(year=f.year)
    if f.jurisdiction:
        programme = programme.filter(jurisdiction__code=f.jurisdiction)
    return matching(f, readable=programme.exists())


def programme_slice(
    items: Matching,
    *,
    offset: int,
    limit: int,
    with_text: bool = False,
    category: int | None = None,
) -> tuple[int, list[ItemRow]]:
    """How many ``items`` there are (in ``category``, when given), and rows ``offset`` …
    ``offset + limit`` in list order; in three queries (counts per category, the page's
    rows, their links)."""
    counts, ordered = items.counts_in_order()
    if category:
        counts = {category: counts.get(category, 0)}
        ordered = [category]
    rows = items.page(counts, ordered, offset=offset, limit=limit, with_text=with_text)
    return sum(counts.values()), rows


def page_of_items(
    qs: QuerySet[Item],
    *,
    offset: int,
    limit: int,
    order: Sequence[str] = LIST_ORDER,
    with_text: bool = False,
) -> list[ItemRow]:
    """One page of ``qs`` in ``order``, as list rows.

    Sorting is done on ids alone (a "deferred join"): sorting 10,000 wide joined rows to keep
    25 cost ~30 ms on SQLite, sorting their ids ~4 ms. The page's rows are then read by id.
    """
    ids = list(qs.order_by(*order).values_list("pk", flat=True)[offset : offset + limit])
    return item_rows(ids, with_text=with_text)


def item_list_page(
    user: Any, f: ItemFilters, *, offset: int, limit: int
) -> tuple[int, list[ItemRow]]:
    """The list API's page: how many of the user's items match ``f``, and rows ``offset``
    … ``offset + limit`` with their progress text. One programme's are read category by
    category along the list index; across programmes, newest year first."""
    if f.programme:
        return programme_slice(
            programme_matching(user, f),
            offset=offset,
            limit=limit,
            with_text=True,
            category=f.category,
        )
    qs = filter_items(visible_items(user), f)
    rows = page_of_items(qs, offset=offset, limit=limit, order=API_ORDER, with_text=True)
    return qs.count(), rows


@dataclass
class FilterChoices:
    """The (id, name) pairs a programme's ledger filters offer."""

    categories: list[tuple[int, str]] = field(default_factory=list)
    units: list[tuple[int, str]] = field(default_factory=list)
    leaders: list[tuple[int, str]] = field(default_factory=list)


def filter_choices(programme: Programme) -> FilterChoices:
    """The categories of ``programme`` in their order, and the units and leaders of its
    district by name (two queries). The caller has checked the user may read it."""
    categories = Category.objects.filter(programme_id=programme.pk).order_by("order", "id")
    units, leaders = orgs_queries.district_choices(programme.jurisdiction_id)
    return FilterChoices(list(categories.values_list("id", "name")), units, leaders)


@dataclass
class LedgerPage:
    """What the ledger page shows: the programmes to pick from, and for the picked one the
    page of rows, the category chips with their counts, and the filters' choices."""

    programmes: list[Programme]
    programme: Programme | None
    is_office: bool
    can_import: bool
    page: Page | None = None
    paginator: Paginator | None = None
    page_range: Any = None
    chips: list[dict[str, Any]] = field(default_factory=list)
    chips_total: int = 0
    categories: list[tuple[int, str]] = field(default_factory=list)
    units: list[tuple[int, str]] = field(default_factory=list)
    leaders: list[tuple[int, str]] = field(default_factory=list)

    def context(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def ledger_page(user: Any, query: LedgerQuery) -> LedgerPage:
    """The ledger page for ``query``: the programme asked for (else the latest of the
    user's district) and one page of its items that match the filters."""
    programmes = list(visible_programmes(user).order_by("jurisdiction__code", "-year"))
    programme = pick_programme(user, programmes, query.programme, query.jurisdiction)
    scope = scope_for(user)
    out = LedgerPage(
        programmes=programmes,
        programme=programme,
        is_office=programme is not None and scope.is_office_for(programme.jurisdiction_id),
        can_import=scope.is_any_office(),
    )
    if programme is None:
        return out
    f = query.filters
    # The programme is one of the user's visible ones: readable.
    items = matching(replace(f, programme=programme.pk))
    # One GROUP BY gives the category chips and, from them, the result count.
    counts = items.category_counts()
    total = counts.get(f.category, 0) if f.category else sum(counts.values())
    paginator = Paginator(range(total), query.per_page)
    page = paginator.get_page(query.page)
    choices = filter_choices(programme)
    in_page: dict[int | None, int] = {f.category: total} if f.category else counts
    page.object_list = items.page(  # type: ignore[assignment]
        in_page,
        [pk for pk, _name in choices.categories],
        offset=(page.number - 1) * query.per_page,
        limit=query.per_page,
    )
    out.chips = [
        {"id": pk, "name": name, "n": counts[pk]} for pk, name in choices.categories if pk in counts
    ]
    if counts.get(None):
        out.chips.append({"id": None, "name": _("未分类"), "n": counts[None]})
    out.page, out.paginator = page, paginator
    out.page_range = paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    out.chips_total = sum(counts.values())
    out.categories, out.units, out.leaders = choices.categories, choices.units, choices.leaders
    return out


MINE_GROUPS = (Lifecycle.IN_PROGRESS, Lifecycle.NOT_STARTED, Lifecycle.DONE, Lifecycle.CLOSED_OUT)


@dataclass
class MyProgramme:
    """One programme's share of "my items": its name and year, the overdue first, then the
    rest by lifecycle (each item in one group only)."""

    programme_id: int
    name: str
    year: int
    jurisdiction_name: str
    is_current: bool
    total: int
    overdue_count: int
    groups: list[dict[str, Any]]


@dataclass
class MyItems:
    """The user's own items ("my items"), programme by programme: the current programme
    first, then older years. ``groups`` is every programme's groups in that order."""

    programmes: list[MyProgramme]
    total: int
    overdue_count: int

    @property
    def groups(self) -> list[dict[str, Any]]:
        return [g for p in self.programmes for g in p.groups]


def _lifecycle_groups(items: list[ItemRow]) -> tuple[list[dict[str, Any]], int]:
    overdue = sorted((i for i in items if i.is_overdue), key=lambda i: (i.due_date, i.seq))
    overdue_ids = {i.pk for i in overdue}
    groups: list[dict[str, Any]] = []
    if overdue:
        groups.append({"key": "overdue", "title": _("已逾期"), "items": overdue})
    for lifecycle in MINE_GROUPS:
        members = [i for i in items if i.lifecycle == lifecycle and i.pk not in overdue_ids]
        if members:
            groups.append({"key": lifecycle, "title": Lifecycle(lifecycle).label, "items": members})
    return groups, len(overdue)


def my_item_groups(user: Any) -> MyItems:
    ids = my_items(user).order_by(*LIST_ORDER).values_list("pk", flat=True)
    items = item_rows(list(ids))
    by_programme: dict[int, list[ItemRow]] = {}
    for row in items:
        by_programme.setdefault(row.programme_id, []).append(row)
    programmes = visible_programmes(user).filter(pk__in=by_programme).select_related("jurisdiction")
    this_year = timezone.localdate().year
    # This year's programme (or the latest one before it) first, then older years; a
    # programme already set up for a later year comes last.
    ordered = sorted(
        programmes, key=lambda p: (p.year > this_year, -p.year, p.jurisdiction.code, p.pk)
    )
    out: list[MyProgramme] = []
    for programme in ordered:
        rows = by_programme[programme.pk]
        groups, overdue_count = _lifecycle_groups(rows)
        for group in groups:
            group["key_id"] = f"{group['key']}-{programme.pk}"
        out.append(
            MyProgramme(
                programme_id=programme.pk,
                name=programme.name,
                year=programme.year,
                jurisdiction_name=programme.jurisdiction.name,
                is_current=programme.year == this_year,
                total=len(rows),
                overdue_count=overdue_count,
                groups=groups,
            )
        )
    return MyItems(out, sum(p.total for p in out), sum(p.overdue_count for p in out))


def leaders_of(item: Item | ItemRow) -> Sequence[Person | Ref]:
    """The item's sponsor leaders (a list row carries them already)."""
    if isinstance(item, ItemRow):
        return item.leader_list
    return list(item.sponsor_leaders.all())


def partners_of(item: Item | ItemRow) -> Sequence[Unit | Ref]:
    if isinstance(item, ItemRow):
        return item.partner_list
    return list(item.partner_units.all())
