"""Reads of demands, scoped to the user; one selector per page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from shishi.core import geo
from shishi.core.errors import NotFound, PermissionDenied, ValidationFailed
from shishi.demands import clusters, permissions, workflow
from shishi.demands.models import (
    Appeal,
    Category,
    Demand,
    DemandEvent,
    DemandPhoto,
    DispatchRule,
    Kind,
    Status,
)
from shishi.ledger.models import Item
from shishi.orgs.models import Jurisdiction, Unit
from shishi.orgs.permissions import scope_for


@dataclass
class DemandPage:
    demand: Demand
    events: list[DemandEvent]
    sees_contact: bool  # the resident's name and numbers in full (operators, the office)
    sees_reporter: bool  # who filed it; never the unit for a report (举报)
    actions: list[str]  # the workflow's actions open to this user now
    map_link: str = ""  # the place on the configured map (core.geo), if it has coordinates


def demand_page(user: Any, pk: int) -> DemandPage:
    demand = permissions.access_demand(user, pk)
    operator = permissions.is_operator(user, demand.jurisdiction_id)
    office = permissions.is_office(user, demand.jurisdiction_id)
    handles = permissions.handles(user, demand)
    who_may = {
        "dispatch": operator,
        "call_back": operator,
        "accept": handles,
        "send_back": handles,
        "resolve": handles,
        "close": operator,
        "reopen": office,
    }
    open_actions = [a for a in workflow.allowed(demand.status) if who_may.get(a, False)]
    # The steps that change no status: extensions (the unit asks, the office decides or
    # extends by itself), the unit's appeal and the office's ruling.
    in_progress = demand.status == Status.ACCEPTED and demand.resolve_by is not None
    asked = demand.extension_days is not None
    if in_progress and handles and not asked:
        open_actions.append("request_extension")
    if in_progress and office:
        open_actions.append("decide_extension" if asked else "extend")
    pending = demand.appeal == Appeal.PENDING
    if handles and not pending and demand.status != Status.SENT_BACK:
        open_actions.append("appeal")
    if office and pending:
        open_actions.append("rule")
    return DemandPage(
        demand=demand,
        events=list(demand.events.select_related("actor", "unit")),
        sees_contact=permissions.sees_contact(user, demand),
        sees_reporter=permissions.sees_contact(user, demand) or not demand.is_confidential,
        actions=open_actions,
        map_link=geo.map_link(demand.lat, demand.lon, demand.number),
    )


# --- the API's lists -----------------------------------------------------------------------


def district_by_code(code: str) -> Jurisdiction:
    found = Jurisdiction.objects.filter(code=code, level=Jurisdiction.Level.DISTRICT).first()
    if found is None:
        raise NotFound("没有找到这个区县")
    return found


def unit_of(jurisdiction_id: int, pk: int | None) -> Unit | None:
    """The district's unit ``pk`` (None when it is not one of the district's)."""
    if not pk:
        return None
    return Unit.objects.filter(pk=pk, jurisdiction_id=jurisdiction_id).first()


def category_by_code(jurisdiction_id: int, code: str) -> Category | None:
    return Category.objects.filter(
        jurisdiction_id=jurisdiction_id, code=code, is_active=True
    ).first()


def demand_slice(
    user: Any,
    *,
    jurisdiction_code: str | None,
    status: str,
    unit_id: int | None,
    category_code: str,
    overdue: bool | None,
    offset: int,
    limit: int,
) -> tuple[int, list[Demand]]:
    qs = Demand.objects.filter(permissions.demands_q(user))
    if jurisdiction_code:
        qs = qs.filter(jurisdiction__code=jurisdiction_code)
    if status:
        qs = qs.filter(status=status)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if category_code:
        qs = qs.filter(category__code=category_code)
    if overdue is not None:
        now = timezone.now()
        late = Q(status=Status.DISPATCHED, accept_by__lt=now) | Q(
            status=Status.ACCEPTED, resolve_by__lt=now
        )
        qs = qs.filter(late) if overdue else qs.exclude(late)
    rows = list(
        qs.select_related("jurisdiction", "category", "unit").order_by("created_at", "id")[
            offset : offset + limit
        ]
    )
    return qs.count(), rows


# --- staff: the demand page's extras, queues, categories ------------------------------------
# (the staff's pages; ``demand_page`` above stays the lead's)


@dataclass
class EventRow:
    event: DemandEvent
    label: str


@dataclass
class StaffPage:
    """The demand page for staff: the lead's ``DemandPage`` with the photos, the event log's
    labels, the deadlines' overdue flags and every action form open to the user."""

    base: DemandPage
    photos: list[DemandPhoto]
    rows: list[EventRow]
    accept_overdue: bool
    resolve_overdue: bool
    actions: list[str]
    is_office: bool


def staff_page(user: Any, pk: int, *, now: dt.datetime | None = None) -> StaffPage:
    base = demand_page(user, pk)
    d = base.demand
    now = now or timezone.now()
    office = permissions.is_office(user, d.jurisdiction_id)
    return StaffPage(
        base=base,
        photos=list(d.photos.order_by("id")),
        rows=[EventRow(e, workflow.ACTION_LABELS.get(e.action, e.action)) for e in base.events],
        accept_overdue=_late(d.status == Status.DISPATCHED, d.accept_by, now),
        resolve_overdue=_late(d.status == Status.ACCEPTED, d.resolve_by, now),
        actions=base.actions,
        is_office=office,
    )


def _late(stage: bool, deadline: dt.datetime | None, now: dt.datetime) -> bool:
    return stage and deadline is not None and deadline < now


def access_photo(user: Any, pk: int, photo_pk: int) -> DemandPhoto:
    """A demand's photo, for a reader of the demand only."""
    demand = permissions.access_demand(user, pk)
    photo = DemandPhoto.objects.filter(pk=photo_pk, demand=demand).first()
    if photo is None:
        raise NotFound("没有找到这张照片")
    return photo


def suggested_unit(demand: Demand) -> int | None:
    """The unit a demand should go to: its category's rule for its street, else the
    category's lead unit."""
    if demand.street_id:
        ruled = (
            DispatchRule.objects.filter(category_id=demand.category_id, street_id=demand.street_id)
            .values_list("unit_id", flat=True)
            .first()
        )
        if ruled is not None:
            return ruled
    return demand.category.lead_unit_id


def dispatch_choices(demand: Demand) -> list[tuple[int, str]]:
    """The district's units to dispatch to, the suggested one first."""
    units = list(
        Unit.objects.filter(jurisdiction_id=demand.jurisdiction_id)
        .order_by("name", "id")
        .values_list("pk", "name")
    )
    first = suggested_unit(demand)
    units.sort(key=lambda u: u[0] != first)
    return units


def dispatch_unit(demand: Demand, unit_id: int) -> Unit:
    unit = Unit.objects.filter(pk=unit_id, jurisdiction_id=demand.jurisdiction_id).first()
    if unit is None:
        raise ValidationFailed("承办单位须是本区的", {"unit": "承办单位须是本区的"})
    return unit


# Queues: an operator's or office's (the district's) and a unit's; the tabs are filters.
DISTRICT_TABS: dict[str, Any] = {
    "to_dispatch": _("待派单"),
    "sent_back": _("已退单"),
    "callback": _("待回访"),
    "overdue": _("已超时"),
    "all": _("全部"),
}
UNIT_TABS: dict[str, Any] = {
    "to_sign": _("待签收"),
    "in_progress": _("办理中"),
    "overdue": _("已超时"),
    "replied": _("已答复"),
    "all": _("全部"),
}
PAGE_SIZE = 50
KIND_LABELS = dict(Kind.choices)
STATUS_LABELS = dict(Status.choices)
LIST_CAP = 1000  # a list counts this many rows at most ("1000+"): filters find the rest


class CappedPaginator(Paginator):
    """Counts up to ``LIST_CAP`` rows: the "all" tab of a district holds a million demands,
    and counting them costs more than the page; nobody pages past twenty pages, and the
    tabs' own counts stop at 1000+ too. Counted in the queue indexes' order (status, then
    age), so that the database walks the index and stops at the cap, whatever the filter."""

    @cached_property
    def count(self) -> int:
        rows: QuerySet[Demand] = self.object_list  # type: ignore[assignment]
        return rows.order_by("status", "created_at")[:LIST_CAP].count()

    @property
    def capped(self) -> bool:
        return self.count >= LIST_CAP


def overdue_q(now: dt.datetime) -> Q:
    """Dispatched past its time to sign for, or accepted past its time to resolve."""
    return Q(status=Status.DISPATCHED, accept_by__lt=now) | Q(
        status=Status.ACCEPTED, resolve_by__lt=now
    )


def _tab_q(tab: str, now: dt.datetime) -> Q:
    return {
        "to_dispatch": Q(status=Status.RECEIVED),
        "sent_back": Q(status=Status.SENT_BACK),
        "callback": Q(status=Status.RESOLVED),
        "to_sign": Q(status=Status.DISPATCHED),
        "in_progress": Q(status=Status.ACCEPTED),
        "replied": Q(status=Status.RESOLVED),
        "overdue": overdue_q(now),
    }.get(tab, Q())


@dataclass
class QueueFilters:
    tab: str = ""
    status: str = ""
    category: int | None = None
    unit: int | None = None
    street: int | None = None
    overdue: bool = False
    urgency: str = ""
    q: str = ""
    jurisdiction: str = ""  # a division code, for a user who reads several districts


@dataclass
class QueueRow:
    demand: Demand
    overdue: bool
    deadline: dt.datetime | None
    kind: Any  # the labels, looked up once per page (get_FOO_display rebuilds its choices)
    status: Any


@dataclass
class QueuePage:
    mode: str  # "district" (operators, the office, leaders, inspectors) or "unit"
    tabs: list[tuple[str, Any, int]]  # (key, label, count)
    tab: str
    rows: list[QueueRow]
    page: Page[Demand]
    district: Jurisdiction | None
    districts: list[tuple[str, str]]  # (code, name) when several
    categories: list[tuple[int, str]]
    units: list[tuple[int, str]]
    streets: list[tuple[int, str]]
    can_take_in: bool
    is_office: bool

    @property
    def count_cap(self) -> int:
        return LIST_CAP


def queue_page(
    user: Any, filters: QueueFilters, page_number: Any = 1, *, now: dt.datetime | None = None
) -> QueuePage:
    """The user's queue: a constant number of queries whatever the page's size (the scope,
    the districts, the tab counts, the page's count and rows, the filters' choices)."""
    now = now or timezone.now()
    scope = scope_for(user)
    district_ids = (
        scope.office_covered_ids()
        | scope.operator_jurisdiction_ids
        | scope.leader_jurisdiction_ids
        | scope.inspector_jurisdiction_ids
    )
    districts = list(
        Jurisdiction.objects.filter(
            Q() if scope.is_superuser else Q(pk__in=district_ids),
            level=Jurisdiction.Level.DISTRICT,
        ).order_by("code")
    )
    district = next((j for j in districts if j.code == filters.jurisdiction), None) or (
        districts[0] if districts else None
    )
    unit_ids = scope.editor_unit_ids | scope.viewer_unit_ids
    if district is not None:
        mode, base = "district", Demand.objects.filter(jurisdiction=district)
        tab_names = DISTRICT_TABS
    elif unit_ids:
        mode, base = "unit", Demand.objects.filter(unit_id__in=unit_ids)
        tab_names = UNIT_TABS
    else:
        raise PermissionDenied("诉求由接线员、专班、承办单位和包保领导查看")
    tab = filters.tab if filters.tab in tab_names else next(iter(tab_names))
    counts = _tab_counts(base, now)
    qs = base.filter(_tab_q(tab, now))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(category_id=filters.category)
    if filters.unit:
        qs = qs.filter(unit_id=filters.unit)
    if filters.street:
        qs = qs.filter(street_id=filters.street)
    if filters.urgency:
        qs = qs.filter(urgency=filters.urgency)
    if filters.overdue:
        qs = qs.filter(overdue_q(now))
    text = filters.q.strip()
    if text:
        qs = qs.filter(Q(number=text.upper()) | Q(description__icontains=text))
    # Oldest first within a status: the order demand_queue and demand_unit_queue keep.
    qs = qs.select_related("category", "unit", "street").order_by("status", "created_at", "id")
    page = CappedPaginator(qs, PAGE_SIZE).get_page(page_number)
    rows = [
        QueueRow(
            demand=d,
            overdue=d.status in (Status.DISPATCHED, Status.ACCEPTED)
            and (_deadline(d) or now) < now,
            deadline=_deadline(d),
            kind=KIND_LABELS.get(d.kind, d.kind),
            status=STATUS_LABELS.get(d.status, d.status),
        )
        for d in page.object_list
    ]
    jurisdiction_ids = (
        [district.pk] if district is not None else list(scope.member_jurisdiction_ids)
    )
    categories = list(
        Category.objects.filter(jurisdiction_id__in=jurisdiction_ids)
        .order_by("order", "id")
        .values_list("pk", "name")
    )
    all_units = list(
        Unit.objects.filter(jurisdiction_id__in=jurisdiction_ids)
        .order_by("name", "id")
        .values_list("pk", "name", "kind")
    )
    return QueuePage(
        mode=mode,
        tabs=[(k, label, counts.get(k, 0)) for k, label in tab_names.items()],
        tab=tab,
        rows=rows,
        page=page,
        district=district,
        districts=[(j.code, j.name) for j in districts] if len(districts) > 1 else [],
        categories=categories,
        units=[(pk, name) for pk, name, _kind in all_units],
        streets=[
            (pk, name)
            for pk, name, kind in all_units
            if kind in (Unit.Kind.STREET, Unit.Kind.TOWNSHIP)
        ],
        can_take_in=district is not None and permissions.is_operator(user, district.pk),
        is_office=district is not None and permissions.is_office(user, district.pk),
    )


TAB_STATUS = {
    "to_dispatch": Status.RECEIVED,
    "sent_back": Status.SENT_BACK,
    "callback": Status.RESOLVED,
    "to_sign": Status.DISPATCHED,
    "in_progress": Status.ACCEPTED,
    "replied": Status.RESOLVED,
}


def _tab_counts(base: QuerySet[Demand], now: dt.datetime) -> dict[str, int]:
    """Each tab's count in two queries: one grouped over the open statuses only (the queue
    indexes lead with the status; closed demands, the most, are never read) and the overdue
    ones, counted up to ``LIST_CAP`` (a tab shows "1000+" beyond: counting every overdue
    row costs a scan)."""
    by_status = dict(
        base.filter(status__in=sorted(set(TAB_STATUS.values())))
        .values("status")
        .annotate(n=Count("*"))  # COUNT(*): read from the index alone, not the table
        .order_by()
        .values_list("status", "n")
    )
    counts = {tab: by_status.get(status, 0) for tab, status in TAB_STATUS.items()}
    counts["overdue"] = (
        base.filter(overdue_q(now)).order_by("status", "created_at").values("pk")[:LIST_CAP]
    ).count()
    return counts


def _deadline(d: Demand) -> dt.datetime | None:
    if d.status == Status.DISPATCHED:
        return d.accept_by
    if d.status == Status.ACCEPTED:
        return d.resolve_by
    return None


# Categories (the office's).


@dataclass
class CategoryRow:
    category: Category
    depth: int


@dataclass
class CategoriesPage:
    district: Jurisdiction
    districts: list[tuple[str, str]]
    rows: list[CategoryRow]


def office_districts(user: Any) -> list[Jurisdiction]:
    scope = scope_for(user)
    return list(
        Jurisdiction.objects.filter(
            Q() if scope.is_superuser else Q(pk__in=scope.office_covered_ids()),
            level=Jurisdiction.Level.DISTRICT,
        ).order_by("code")
    )


def pick_office_district(user: Any, code: str | None) -> Jurisdiction:
    districts = office_districts(user)
    if not districts:
        raise PermissionDenied("只有专班可以设置诉求分类")
    return next((j for j in districts if j.code == code), districts[0])


def categories_page(user: Any, code: str | None) -> CategoriesPage:
    district = pick_office_district(user, code)
    found = list(
        Category.objects.filter(jurisdiction=district)
        .select_related("lead_unit")
        .annotate(rule_count=Count("rules"))
        .order_by("order", "id")
    )
    children: dict[int | None, list[Category]] = {}
    for c in found:
        children.setdefault(c.parent_id, []).append(c)
    rows: list[CategoryRow] = []

    def walk(parent: int | None, depth: int) -> None:
        for c in children.get(parent, []):
            rows.append(CategoryRow(c, depth))
            if depth < 10:
                walk(c.pk, depth + 1)

    walk(None, 0)
    return CategoriesPage(
        district=district,
        districts=[(j.code, j.name) for j in office_districts(user)],
        rows=rows,
    )


def access_category(user: Any, pk: int) -> Category:
    found = Category.objects.filter(pk=pk).first()
    if found is None or not permissions.is_office(user, found.jurisdiction_id):
        raise NotFound("没有找到这个分类")
    return found


def category_choices(jurisdiction_id: int, exclude: int | None = None) -> list[tuple[int, str]]:
    found = Category.objects.filter(jurisdiction_id=jurisdiction_id)
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return list(found.order_by("order", "id").values_list("pk", "name"))


@dataclass
class RulesPage:
    category: Category
    rules: list[DispatchRule]
    streets: list[tuple[int, str]]  # the district's streets and townships
    units: list[tuple[int, str]]


def rules_page(user: Any, pk: int) -> RulesPage:
    """A category's dispatch rules by street (the office's)."""
    category = access_category(user, pk)
    district = category.jurisdiction_id
    return RulesPage(
        category=category,
        rules=list(category.rules.select_related("street", "unit").order_by("street__name", "id")),
        streets=list(
            Unit.objects.filter(
                jurisdiction_id=district, kind__in=(Unit.Kind.STREET, Unit.Kind.TOWNSHIP)
            )
            .order_by("name", "id")
            .values_list("pk", "name")
        ),
        units=unit_choices(district),
    )


def unit_choices(jurisdiction_id: int) -> list[tuple[int, str]]:
    return list(
        Unit.objects.filter(jurisdiction_id=jurisdiction_id)
        .order_by("name", "id")
        .values_list("pk", "name")
    )


def district_code(jurisdiction_id: int) -> str:
    return Jurisdiction.objects.values_list("code", flat=True).get(pk=jurisdiction_id)


# --- clusters of similar demands (the office links them to ledger items) --------------------


@dataclass
class ClusterRow:
    cluster: Any  # clusters.Cluster
    category: Category
    samples: list[Demand]  # the first few, newest first
    linked: int  # how many are linked to an item already


@dataclass
class ClustersPage:
    district: Jurisdiction
    districts: list[tuple[str, str]]
    rows: list[ClusterRow]
    items: list[tuple[int, str]]  # the district's items of its latest programme


SAMPLES = 3


def clusters_page(user: Any, code: str | None) -> ClustersPage:
    district = pick_office_district(user, code)
    found = clusters.clusters(district.pk)
    ids = [pk for c in found for pk in c.demand_ids]
    demands = {
        d.pk: d for d in Demand.objects.filter(pk__in=ids).select_related("category").order_by()
    }
    rows = []
    for c in found:
        members = sorted((demands[pk] for pk in c.demand_ids), key=lambda d: -d.pk)
        rows.append(
            ClusterRow(
                cluster=c,
                category=members[0].category,
                samples=members[:SAMPLES],
                linked=sum(1 for d in members if d.item_id),
            )
        )
    items = list(
        Item.objects.filter(programme__jurisdiction=district)
        .order_by("-programme__year", "seq", "id")
        .values_list("pk", "number", "name", "programme__year")[:500]
    )
    return ClustersPage(
        district=district,
        districts=[(d.code, d.name) for d in office_districts(user)],
        rows=rows,
        items=[(pk, f"{year} {number} {name}") for pk, number, name, year in items],
    )


def item_of_district(jurisdiction_id: int, pk: int | None) -> Item:
    if not pk:
        raise NotFound("没有找到这个事项")
    found = (
        Item.objects.select_related("programme")
        .filter(pk=pk, programme__jurisdiction_id=jurisdiction_id)
        .first()
    )
    if found is None:
        raise NotFound("没有找到本区的这个事项")
    return found
