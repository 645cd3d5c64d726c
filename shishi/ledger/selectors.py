"""Reads of the ledger, already scoped to what the user may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import BooleanField, Count, F, Func, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from shishi.core import errors, sql
from shishi.ledger.models import (
    FINISHED_LIFECYCLES,
    Attachment,
    Category,
    Item,
    Lifecycle,
    Milestone,
    Programme,
    ProgressUpdate,
    Target,
    overdue,
)
from shishi.orgs.models import Jurisdiction, Person, Unit
from shishi.orgs.permissions import scope_for


def visible_jurisdictions(user: Any) -> QuerySet[Jurisdiction]:
    scope = scope_for(user)
    if scope.is_superuser:
        return Jurisdiction.objects.all()
    return Jurisdiction.objects.filter(pk__in=scope.readable_jurisdiction_ids())


def office_jurisdictions(user: Any) -> QuerySet[Jurisdiction]:
    """Jurisdictions whose ledger this user may import (programme office, city office)."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Jurisdiction.objects.order_by("code")
    ids = set(scope.office_jurisdiction_ids) | scope.city_covered_ids()
    return Jurisdiction.objects.filter(pk__in=ids).order_by("code")


def visible_programmes(user: Any) -> QuerySet[Programme]:
    scope = scope_for(user)
    qs = Programme.objects.select_related("jurisdiction")
    if scope.is_superuser:
        return qs
    return qs.filter(jurisdiction_id__in=scope.readable_jurisdiction_ids())


_PARTNERS = Item.partner_units.through
_LEADERS = Item.sponsor_leaders.through


def visible_items(user: Any) -> QuerySet[Item]:
    scope = scope_for(user)
    qs = Item.objects.all()
    if scope.is_superuser:
        return qs
    return qs.filter(jurisdiction_id__in=scope.readable_jurisdiction_ids())


def visible_units(user: Any) -> QuerySet[Unit]:
    scope = scope_for(user)
    if scope.is_superuser:
        return Unit.objects.all()
    return Unit.objects.filter(jurisdiction_id__in=scope.readable_jurisdiction_ids())


def visible_people(user: Any) -> QuerySet[Person]:
    scope = scope_for(user)
    if scope.is_superuser:
        return Person.objects.all()
    return Person.objects.filter(jurisdiction_id__in=scope.readable_jurisdiction_ids())


def visible_categories(user: Any) -> QuerySet[Category]:
    scope = scope_for(user)
    if scope.is_superuser:
        return Category.objects.all()
    return Category.objects.filter(jurisdiction_id__in=scope.readable_jurisdiction_ids())


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
        partner_ids = _PARTNERS.objects.filter(unit_id=f.unit).order_by().values("item_id")
        qs = qs.filter(Q(lead_unit_id=f.unit) | Q(_AnyOf(F("pk"), Subquery(partner_ids))))
    elif f.unit:
        # Lead or partner: a UNION of two index lookups; an OR in one query made SQLite
        # scan the whole programme.
        lead_items = Item.objects.filter(lead_unit_id=f.unit)
        if f.programme:  # the (programme, lead unit, id) index answers alone
            lead_items = lead_items.filter(programme_id=f.programme)
        led = lead_items.order_by().values("pk")
        partnered = _PARTNERS.objects.filter(unit_id=f.unit).order_by().values("item_id")
        qs = qs.filter(pk__in=led.union(partnered))
    if f.leader:
        qs = qs.filter(pk__in=_LEADERS.objects.filter(person_id=f.leader).values("item_id"))
    if f.lifecycle and f.lifecycle in Lifecycle.values:
        qs = qs.filter(lifecycle=f.lifecycle)
    if f.overdue:
        from django.utils import timezone

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


@dataclass(frozen=True)
class Matching:
    """The items of one programme that match the list filters, as SQL over ``ledger_item``.

    ``rest``: every filter but the unit's, compiled once from ``filter_items`` (so the two
    agree); the unit's condition is written here, in the form each database answers best:
    a UNION of the unit's led and partner items on SQLite, an OR of two index scans on
    PostgreSQL (the same forms as ``filter_items``). Counting and paging then run as written
    SQL: building and compiling them with the ORM took longer than running them.
    """

    rest: str
    params: tuple[Any, ...]
    programme: int
    unit: int | None = None

    def condition(self) -> tuple[str, list[Any]]:
        if self.unit is None:
            return self.rest, list(self.params)
        if connection.vendor == "postgresql":
            unit = (
                "(lead_unit_id = %s OR id = ANY(ARRAY("
                "SELECT item_id FROM ledger_item_partner_units WHERE unit_id = %s)))"
            )
            return f"{self.rest} AND {unit}", [*self.params, self.unit, self.unit]
        unit = (
            "id IN (SELECT id FROM ledger_item WHERE programme_id = %s AND lead_unit_id = %s"
            " UNION SELECT item_id FROM ledger_item_partner_units WHERE unit_id = %s)"
        )
        return f"{self.rest} AND {unit}", [*self.params, self.programme, self.unit, self.unit]

    def _counts_sql(self) -> tuple[str, list[Any]]:
        """(category_id, n) per category with matches. With a unit, the items it leads and
        those it partners without leading them are counted apart and added up: each part
        follows an index of its own (the (programme, lead unit, category) index; the unit's
        partner links, then items by id), where one count over "led or partnered" walked the
        programme's whole index."""
        if self.unit is None:
            text = f"SELECT category_id, COUNT(*) AS n FROM ledger_item WHERE {self.rest}"
            params = list(self.params)
        else:
            # The partner items by primary key: on PostgreSQL "= ANY(ARRAY(…))", which it
            # looks up one by one, where "IN (…)" made it hash-join the whole programme.
            partner = "= ANY(ARRAY({}))" if connection.vendor == "postgresql" else "IN ({})"
            partner_ids = "SELECT item_id FROM ledger_item_partner_units WHERE unit_id = %s"
            text = (
                f"SELECT category_id, COUNT(*) AS n FROM (SELECT category_id FROM ledger_item"
                f" WHERE {self.rest} AND lead_unit_id = %s"
                f" UNION ALL SELECT category_id FROM ledger_item WHERE {self.rest}"
                f" AND id {partner.format(partner_ids)} AND lead_unit_id <> %s) u"
            )
            params = [*self.params, self.unit, *self.params, self.unit, self.unit]
        return f"{text} GROUP BY category_id", params

    def category_counts(self) -> dict[int | None, int]:
        """How many matching items each category has (None: uncategorised)."""
        return dict(sql.fetch(*self._counts_sql()))

    def counts_in_order(self) -> tuple[dict[int | None, int], list[int]]:
        """The counts, and the categories with matches in list order (one query)."""
        text, params = self._counts_sql()
        counts: dict[int | None, int] = {}
        order: list[tuple[int, int]] = []
        for category_id, category_order, n in sql.fetch(
            f'SELECT m.category_id, c."order", m.n FROM ({text}) m'
            " LEFT JOIN ledger_category c ON c.id = m.category_id",
            params,
        ):
            counts[category_id] = n
            if category_id is not None:
                order.append((category_order, category_id))
        return counts, [pk for _order, pk in sorted(order)]


def matching(base: QuerySet[Item], f: ItemFilters) -> Matching | None:
    """``filter_items(base, f)`` for one programme (``f.programme``) as a ``Matching``, or
    None where it needs more than the items table (then use the queryset)."""
    if not f.programme:
        return None
    rest = filter_items(base, replace(f, unit=None, category=None)).query
    if rest.is_empty():
        return Matching("1 = 0", (), f.programme, f.unit)
    used = {alias for alias, refs in rest.alias_refcount.items() if refs}
    if used != {Item._meta.db_table} or rest.combinator:  # a join (jurisdiction code, year)
        return None
    try:
        text, params = rest.get_compiler(using=base.db).compile(rest.where)
    except EmptyResultSet:
        text, params = "1 = 0", []
    except FullResultSet:
        text, params = "1 = 1", []
    return Matching(f"({text})", tuple(params), f.programme, f.unit)


def programme_items(user: Any, programme: Programme) -> QuerySet[Item]:
    """The items of one programme the user may read (all of them, or none).

    A programme belongs to one jurisdiction, so one check replaces the per-row
    jurisdiction filter of ``visible_items`` and the programme index serves the query alone.
    """
    if not scope_for(user).can_read_jurisdiction(programme.jurisdiction_id):
        return Item.objects.none()
    return Item.objects.filter(programme_id=programme.pk)


def readable_items(user: Any, f: ItemFilters) -> QuerySet[Item]:
    """What ``filter_items`` starts from for this user: with a programme, its items (one
    check instead of a jurisdiction condition on every row, which kept PostgreSQL from
    answering from the list indexes alone), else ``visible_items``."""
    if f.programme:
        rows = sql.fetch(
            "SELECT jurisdiction_id FROM ledger_programme WHERE id = %s", [f.programme]
        )
        if not rows or not scope_for(user).can_read_jurisdiction(rows[0][0]):
            return Item.objects.none()
        return Item.objects.all()
    return visible_items(user)


LIST_ORDER = ("programme_id", "category__order", "seq", "id")


@dataclass
class FilterChoices:
    """The (id, name) pairs a programme's ledger filters offer."""

    categories: list[tuple[int, str]] = field(default_factory=list)
    units: list[tuple[int, str]] = field(default_factory=list)
    leaders: list[tuple[int, str]] = field(default_factory=list)


_CHOICES_SQL = """
SELECT 0, id, name, "order", '' FROM ledger_category WHERE programme_id = %s
UNION ALL SELECT 1, id, name, 0, name FROM orgs_unit WHERE jurisdiction_id = %s
UNION ALL SELECT 2, id, name, 0, name FROM orgs_person WHERE jurisdiction_id = %s
ORDER BY 1, 4, 5, 2"""


def filter_choices(programme: Programme) -> FilterChoices:
    """The categories of ``programme`` and the units and leaders of its district, in one
    query. The caller has checked that the user may read the programme."""
    out = FilterChoices()
    lists = (out.categories, out.units, out.leaders)
    params = (programme.pk, programme.jurisdiction_id, programme.jurisdiction_id)
    for kind, pk, name, *_sort in sql.fetch(_CHOICES_SQL, params):
        lists[kind].append((pk, name))
    return out


class Ref(NamedTuple):
    """A related row as a list shows it: its id and name."""

    id: int
    name: str

    @property
    def pk(self) -> int:
        return self.id


class JurisdictionRef(NamedTuple):
    id: int
    code: str
    name: str


@dataclass(slots=True)
class ItemRow:
    """An item as list pages and the list API show it, read without model instances.

    Attribute names follow ``Item`` (``pk``, ``lead_unit.name``, ``leader_list`` …), so the
    row tag and the API schemas take either.
    """

    id: int
    number: str
    name: str
    seq: int
    programme_id: int
    jurisdiction: JurisdictionRef
    category: Ref | None
    lead_unit: Ref
    deadline_text: str
    due_date: dt.date | None
    is_ongoing: bool
    completion_rate: Decimal
    lifecycle: str
    progress_date: dt.date | None
    progress_text: str
    updated_at: dt.datetime
    version: int
    leader_list: list[Ref] = field(default_factory=list)
    partner_list: list[Ref] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.id

    @property
    def category_id(self) -> int | None:
        return self.category.id if self.category else None

    @property
    def lead_unit_id(self) -> int:
        return self.lead_unit.id

    @property
    def is_overdue(self) -> bool:
        return overdue(self.due_date, self.lifecycle, timezone.localdate())

    def get_lifecycle_display(self) -> str:
        return str(LIFECYCLE_LABELS.get(self.lifecycle, self.lifecycle))


LIFECYCLE_LABELS = dict(Lifecycle.choices)
_ROW_SQL = """
SELECT i.id, i.number, i.name, i.seq, i.programme_id, i.jurisdiction_id, j.code, j.name,
       i.category_id, c.name, i.lead_unit_id, u.name, i.deadline_text, i.due_date, i.is_ongoing,
       i.completion_rate, i.lifecycle, i.progress_date, i.updated_at, i.version{text}
FROM {source}
JOIN orgs_jurisdiction j ON j.id = i.jurisdiction_id
JOIN orgs_unit u ON u.id = i.lead_unit_id
LEFT JOIN ledger_category c ON c.id = i.category_id
{rest}"""
# Leaders and partner units in one query: (kind, link id, item, id, name), in link order.
_LINKS_SQL = """
SELECT 0, l.id, l.item_id, p.id, p.name FROM ledger_item_sponsor_leaders l
JOIN orgs_person p ON p.id = l.person_id WHERE l.item_id IN ({ids})
UNION ALL
SELECT 1, l.id, l.item_id, u.id, u.name FROM ledger_item_partner_units l
JOIN orgs_unit u ON u.id = l.unit_id WHERE l.item_id IN ({ids})
ORDER BY 1, 2"""


def _read_rows(source: str, rest: str, params: Sequence[Any], *, with_text: bool) -> list[ItemRow]:
    """The rows ``_ROW_SQL`` gives with this FROM ``source`` (aliased ``i``) and ``rest``, in
    its order, with their leaders and partner units (one more query)."""
    text = ", i.progress_text" if with_text else ""
    jurisdictions: dict[int, JurisdictionRef] = {}
    rows: list[ItemRow] = []
    for r in sql.fetch(_ROW_SQL.format(text=text, source=source, rest=rest), params):
        jur = jurisdictions.get(r[5])
        if jur is None:
            jur = jurisdictions[r[5]] = JurisdictionRef(r[5], r[6], r[7])
        rows.append(
            ItemRow(
                id=r[0],
                number=r[1],
                name=r[2],
                seq=r[3],
                programme_id=r[4],
                jurisdiction=jur,
                category=Ref(r[8], r[9]) if r[8] is not None else None,
                lead_unit=Ref(r[10], r[11]),
                deadline_text=r[12],
                due_date=r[13],
                is_ongoing=bool(r[14]),
                completion_rate=sql.to_decimal(r[15]) or Decimal(0),
                lifecycle=r[16],
                progress_date=r[17],
                updated_at=sql.to_aware(r[18]),  # type: ignore[arg-type]
                version=r[19],
                progress_text=r[20] if with_text else "",
            )
        )
    by_id = {row.id: row for row in rows}
    for item_id, (leaders, partners) in item_links(list(by_id)).items():
        by_id[item_id].leader_list = leaders
        by_id[item_id].partner_list = partners
    return rows


def item_rows(ids: Sequence[int], *, with_text: bool = False) -> list[ItemRow]:
    """The rows of these items, in the order of ``ids``, in two queries.

    The ids come from a query that already applied the user's scope; the rows are read by
    primary key alone. Tuples rather than model instances, and SQL written out rather than
    built by the ORM (see ``shishi.core.sql``): building 25 model instances with their
    related objects, or compiling the two queries, cost more than running them.
    """
    if not ids:
        return []
    ids = list(dict.fromkeys(ids))
    rows = _read_rows(
        "ledger_item i", f"WHERE i.id IN ({sql.marks(len(ids))})", ids, with_text=with_text
    )
    by_id = {row.id: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def item_links(ids: Sequence[int]) -> dict[int, tuple[list[Ref], list[Ref]]]:
    """Each item's sponsor leaders and partner units, in the order they were linked, in one
    query (items with neither are left out)."""
    out: dict[int, tuple[list[Ref], list[Ref]]] = {}
    if not ids:
        return out
    params = list(ids) * 2
    for kind, _link, item_id, ref_id, name in sql.fetch(
        _LINKS_SQL.format(ids=sql.marks(len(ids))), params
    ):
        links = out.get(item_id)
        if links is None:
            links = out[item_id] = ([], [])
        links[kind].append(Ref(ref_id, name))
    return out


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


def programme_page(
    items: QuerySet[Item] | Matching,
    counts: Mapping[int | None, int],
    category_ids: Sequence[int],
    *,
    offset: int,
    limit: int,
    with_text: bool = False,
) -> list[ItemRow]:
    """Rows ``offset`` … ``offset + limit`` of one programme's ``items`` in list order: by
    category (in ``category_ids`` order, uncategorised last), then number, then id; in two
    queries (the page's rows, their leaders and partner units).

    ``counts`` (matching items per category, which the page's category chips show anyway)
    tells which categories the page spans; each is read in the order of the (programme,
    category, seq, id) index and stops at the page's end. Sorting the whole programme by its
    categories' order instead cost PostgreSQL a sort of every matching row on each page.
    """
    parts: list[str] = []
    params: list[Any] = []
    skip, wanted = offset, limit
    for category in (*category_ids, None):
        n = counts.get(category, 0)
        if skip >= n:
            skip -= n
            continue
        take = min(wanted, n - skip)
        if isinstance(items, Matching):
            where, branch_params = items.condition()
            if category is None:
                where += " AND category_id IS NULL"
            else:
                where += " AND category_id = %s"
                branch_params.append(category)
            text = (
                f"SELECT seq, id AS pk FROM ledger_item WHERE {where}"
                " ORDER BY seq, id LIMIT %s OFFSET %s"
            )
            branch_params += [take, skip]
        else:
            if category is None:
                part = items.filter(category__isnull=True)
            else:
                part = items.filter(category_id=category)
            branch = part.order_by("seq", "id").values_list("seq", "pk")[skip : skip + take]
            text, compiled_params = branch.query.sql_with_params()
            branch_params = list(compiled_params)
        parts.append(f"SELECT {len(parts)} AS k, b.* FROM ({text}) b")
        params += branch_params
        skip, wanted = 0, wanted - take
        if wanted <= 0:
            break
    if not parts:
        return []
    # One query however many categories the page spans (each part sorted in its subquery).
    return _read_rows(
        f"({' UNION ALL '.join(parts)}) page JOIN ledger_item i ON i.id = page.pk",
        "ORDER BY page.k, page.seq, page.pk",
        params,
        with_text=with_text,
    )


def programme_slice(
    items: QuerySet[Item] | Matching,
    *,
    offset: int,
    limit: int,
    with_text: bool = False,
    category: int | None = None,
) -> tuple[int, list[ItemRow]]:
    """How many ``items`` (of one programme) there are, and rows ``offset`` … ``offset +
    limit`` in list order; in three queries (counts per category, the page's rows, their
    links). A ``Matching`` counts every category: ``category`` then picks one."""
    counts: dict[int | None, int] = {}
    order: list[tuple[int, int]] = []
    if isinstance(items, Matching):
        counts, ordered = items.counts_in_order()
        if category:
            counts = {category: counts.get(category, 0)}
            ordered = [category]
        return sum(counts.values()), programme_page(
            items, counts, ordered, offset=offset, limit=limit, with_text=with_text
        )
    for category_id, category_order, n in (
        items.order_by().values_list("category_id", "category__order").annotate(n=Count("id"))
    ):
        counts[category_id] = n
        if category_id is not None:
            order.append((category_order, category_id))
    rows = programme_page(
        items,
        counts,
        [pk for _order, pk in sorted(order)],
        offset=offset,
        limit=limit,
        with_text=with_text,
    )
    return sum(counts.values()), rows


def leaders_of(item: Item | ItemRow) -> Sequence[Person | Ref]:
    """The item's sponsor leaders (a list row carries them already)."""
    if isinstance(item, ItemRow):
        return item.leader_list
    return list(item.sponsor_leaders.all())


def partners_of(item: Item | ItemRow) -> Sequence[Unit | Ref]:
    if isinstance(item, ItemRow):
        return item.partner_list
    return list(item.partner_units.all())


def pick_programme(
    user: Any, programmes: list[Programme], wanted: int | None, code: str | None
) -> Programme | None:
    """The programme asked for, else the latest of the user's own district."""
    if wanted is not None:
        for programme in programmes:
            if programme.pk == wanted:
                return programme
        raise errors.NotFound("实事计划不存在或无权查看")
    if code:
        of_code = [p for p in programmes if p.jurisdiction.code == code]
        if of_code:
            return max(of_code, key=lambda p: p.year)
    if not programmes:
        return None
    scope = scope_for(user)
    own = [p for p in programmes if p.jurisdiction_id in scope.member_jurisdiction_ids]
    pool = own or programmes  # ordered by division code: max() keeps the first of a year
    return max(pool, key=lambda p: p.year)


def my_items(user: Any) -> QuerySet[Item]:
    """Items the user sponsors, or that their units lead or partner."""
    scope = scope_for(user)
    if scope.user_id is None:
        return Item.objects.none()
    units = scope.editor_unit_ids | scope.viewer_unit_ids
    cond = Q(pk__in=_LEADERS.objects.filter(person__user_id=scope.user_id).values("item_id"))
    if units:
        partnered = _PARTNERS.objects.filter(unit_id__in=units).values("item_id")
        cond |= Q(lead_unit_id__in=units) | Q(pk__in=partnered)
    return visible_items(user).filter(cond)


def item_targets(item: Item) -> list[Target]:
    """The item's targets in their order (written SQL: every item page reads them)."""
    return sql.instances(
        Target, "t", 'FROM ledger_target t WHERE t.item_id = %s ORDER BY t."order", t.id', [item.pk]
    )


def item_milestones(item: Item) -> list[Milestone]:
    """The item's milestones by due date, as the model orders them."""
    return sql.instances(
        Milestone,
        "m",
        'FROM ledger_milestone m WHERE m.item_id = %s ORDER BY m.due_date, m."order", m.id',
        [item.pk],
    )


def item_updates(item: Item) -> QuerySet[ProgressUpdate]:
    """The item's progress updates, newest first; attachments in ``update.attachment_list``."""
    return (
        ProgressUpdate.objects.filter(item=item)
        .select_related("author", "unit")
        .prefetch_related(Prefetch("attachments", to_attr="attachment_list"))
        .order_by("-reported_on", "-id")
    )


def attachments_of(update: ProgressUpdate) -> list[Attachment]:
    prefetched = getattr(update, "attachment_list", None)
    return prefetched if prefetched is not None else list(update.attachments.all())


@dataclass(slots=True)
class AttachmentRow:
    id: int
    name: str
    content_type: str
    size: int
    is_public: bool

    @property
    def pk(self) -> int:
        return self.id

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


@dataclass(slots=True)
class UpdateRow:
    """A progress update as the item page's timeline shows it."""

    id: int
    reported_on: dt.date
    rate: Decimal | None
    text: str
    is_note: bool
    is_public: bool
    target_actuals: dict[str, Any]
    done_investment: Decimal | None
    unit_name: str
    author_name: str
    attachments: list[AttachmentRow] = field(default_factory=list)
    target_lines: list[tuple[str, Any, str]] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.id


_TIMELINE_SQL = """
WITH page AS (
  SELECT u.id, u.reported_on, u.rate, u.text, u.is_note, u.is_public, u.target_actuals,
         u.done_investment, un.name AS unit_name, au.display_name, au.username,
         COUNT(*) OVER () AS total
  FROM ledger_progressupdate u
  LEFT JOIN orgs_unit un ON un.id = u.unit_id
  LEFT JOIN orgs_user au ON au.id = u.author_id
  WHERE u.item_id = %s
  ORDER BY u.reported_on DESC, u.id DESC{limit}
)
SELECT page.*, a.id, a.name, a.content_type, a.size, a.is_public
FROM page LEFT JOIN ledger_attachment a ON a.update_id = page.id
ORDER BY page.reported_on DESC, page.id DESC, a.id"""


def timeline_updates(item: Item, *, limit: int | None) -> tuple[list[UpdateRow], int]:
    """The item's latest ``limit`` updates (all when None), newest first, with their
    attachments, and how many updates there are; in one query, without model instances
    (50 updates with their authors, units and attachments as models cost ~10 ms)."""
    params: list[Any] = [item.pk]
    if limit is not None:
        params.append(limit)
    sql_text = _TIMELINE_SQL.format(limit="" if limit is None else "\n  LIMIT %s")
    rows: list[UpdateRow] = []
    total = 0
    for r in sql.fetch(sql_text, params):
        if not rows or rows[-1].id != r[0]:
            actuals = sql.to_json(r[6])
            rows.append(
                UpdateRow(
                    id=r[0],
                    reported_on=sql.to_date(r[1]),  # type: ignore[arg-type]
                    rate=sql.to_decimal(r[2]),
                    text=r[3],
                    is_note=bool(r[4]),
                    is_public=bool(r[5]),
                    target_actuals=actuals if isinstance(actuals, dict) else {},
                    done_investment=sql.to_decimal(r[7]),
                    unit_name=r[8] or "",
                    author_name=r[9] or r[10] or "",
                )
            )
            total = r[11]
        if r[12] is not None:
            rows[-1].attachments.append(AttachmentRow(r[12], r[13], r[14], r[15], bool(r[16])))
    return rows, total


class EventRow(NamedTuple):
    """An audit event as the item's history shows it."""

    action: str
    changes: Any
    created_at: dt.datetime
    actor_label: str  # the account's display name or username; blank without an account
    actor_name: str  # the name recorded with the event


_HISTORY_SQL = """
SELECT e.action, e.changes, e.created_at, au.display_name, au.username, e.actor_name
FROM core_auditevent e LEFT JOIN orgs_user au ON au.id = e.actor_id
WHERE e.target_type = 'ledger.item' AND e.target_id = %s
ORDER BY e.seq DESC{limit}"""


def history_rows(item: Item, *, limit: int | None) -> list[EventRow]:
    """The item's latest ``limit`` audit events (all when None), newest first, in one query."""
    params: list[Any] = [str(item.pk)]
    if limit is not None:
        params.append(limit)
    text = _HISTORY_SQL.format(limit="" if limit is None else "\nLIMIT %s")
    return [
        EventRow(
            action=r[0],
            changes=sql.to_json(r[1]),
            created_at=sql.to_aware(r[2]),  # type: ignore[arg-type]
            actor_label=r[3] or r[4] or "",
            actor_name=r[5] or "",
        )
        for r in sql.fetch(text, params)
    ]


def reference_names(
    item: Item, category_ids: set[int], unit_ids: set[int]
) -> tuple[dict[int, str], dict[int, str]]:
    """Names of the categories and units an item's history refers to (and of the item's
    programme's categories and its lead unit), from the item's district, in one query."""
    category_cond = "programme_id = %s"
    unit_cond = "id = %s"
    params: list[Any] = [item.jurisdiction_id, item.programme_id]
    if category_ids:
        category_cond += f" OR id IN ({sql.marks(len(category_ids))})"
        params += sorted(category_ids)
    params += [item.jurisdiction_id, item.lead_unit_id]
    if unit_ids:
        unit_cond += f" OR id IN ({sql.marks(len(unit_ids))})"
        params += sorted(unit_ids)
    text = (
        f"SELECT 0, id, name FROM ledger_category WHERE jurisdiction_id = %s AND ({category_cond})"
        f" UNION ALL SELECT 1, id, name FROM orgs_unit WHERE jurisdiction_id = %s AND ({unit_cond})"
    )
    names: tuple[dict[int, str], dict[int, str]] = ({}, {})
    for kind, pk, name in sql.fetch(text, params):
        names[kind][pk] = name
    return names
