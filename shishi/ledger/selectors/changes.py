"""Reads of change requests (调整申请): those on an item, the office's queue, a unit's own.

The office sees the requests of every district it is office for (the city office: its
districts); a unit's editors and viewers see their unit's requests; nobody else any.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from shishi.core import errors
from shishi.core.templatetags.shishi_format import cn_date, cn_money
from shishi.ledger import permissions
from shishi.ledger.models import ChangeRequest, ChangeRequestFile, Item
from shishi.orgs.models import Person, Unit
from shishi.orgs.permissions import scope_for

Status = ChangeRequest.Status
QUEUE_PAGE_SIZE = 25
DECIDED_ON_ITEM = 3  # decided requests an item page still shows (the unit reads the answer)
FIELD_ORDER = (
    "name",
    "content",
    "measures",
    "deadline_text",
    "due_date",
    "start_date",
    "lead_unit_id",
    "partner_units",
    "sponsor_leaders",
    "planned_investment",
)


@dataclass
class ChangeLine:
    field: str
    label: str
    old: str
    new: str


@dataclass
class ChangeRequestView:
    """A request as a page shows it: its fields old → new, with names for ids."""

    request: ChangeRequest
    lines: list[ChangeLine] = field(default_factory=list)

    @property
    def is_pending(self) -> bool:
        return self.request.status == Status.PENDING


@dataclass
class ChangeRequestPage:
    rows: list[ChangeRequestView]
    page: Page[Any]
    is_office: bool
    units: list[Unit]
    status: str
    unit_id: int | None

    @property
    def count(self) -> int:
        return self.page.paginator.count


def field_label(name: str) -> str:
    """A requestable field's name as the item's form shows it (完成时限, 配合单位 …)."""
    field = Item._meta.get_field(name.removesuffix("_id"))
    return str(getattr(field, "verbose_name", name))


def _show(name: str, value: Any, units: Mapping[int, str], people: Mapping[int, str]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if name == "lead_unit_id":
        return units.get(int(value), f"#{value}")
    if name == "partner_units":
        return "、".join(units.get(int(v), f"#{v}") for v in value)
    if name == "sponsor_leaders":
        return "、".join(people.get(int(v), f"#{v}") for v in value)
    if name == "planned_investment":
        return cn_money(value)
    if name in ("due_date", "start_date"):
        return cn_date(value)
    return str(value)


def describe_requests(requests: Iterable[ChangeRequest]) -> list[ChangeRequestView]:
    """The requests with their lines; the names of units and people read in two queries."""
    requests = list(requests)
    unit_ids: set[int] = set()
    person_ids: set[int] = set()
    for r in requests:
        for values in (r.changes, r.before):
            for name, value in values.items():
                if name == "lead_unit_id" and value is not None:
                    unit_ids.add(int(value))
                elif name == "partner_units":
                    unit_ids.update(int(v) for v in value or ())
                elif name == "sponsor_leaders":
                    person_ids.update(int(v) for v in value or ())
    units = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name")) if unit_ids else {}
    people = (
        dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "name"))
        if person_ids
        else {}
    )
    out = []
    for r in requests:
        names = sorted(r.changes, key=lambda n: FIELD_ORDER.index(n) if n in FIELD_ORDER else 99)
        lines = [
            ChangeLine(
                n,
                field_label(n),
                _show(n, r.before.get(n), units, people),
                _show(n, r.changes[n], units, people),
            )
            for n in names
        ]
        out.append(ChangeRequestView(r, lines))
    return out


def _with_names(qs: QuerySet[ChangeRequest]) -> QuerySet[ChangeRequest]:
    return qs.select_related("item", "unit", "requested_by", "decided_by").prefetch_related("files")


def item_change_requests(user: Any, item: Item) -> list[ChangeRequestView]:
    """The item's pending requests and its latest decided ones (the unit reads the answer).

    For the office and the item's lead unit; others see none.
    """
    scope = scope_for(user)
    if not (
        scope.is_office_for(item.jurisdiction_id)
        or scope.edits_unit(item.lead_unit_id)
        or item.lead_unit_id in scope.viewer_unit_ids
    ):
        return []
    # An item has at most one pending request, and it is its newest (a unit files the next
    # only once the last is decided), so the newest few hold it and the latest decided ones.
    # One query (most items have no request: then the files' prefetch does not run).
    latest = list(
        ChangeRequest.objects.filter(item=item)
        .select_related("unit", "requested_by", "decided_by")  # the item is at hand
        .prefetch_related("files")
        .order_by("-id")[: DECIDED_ON_ITEM + 1]
    )
    for request in latest:
        request.item = item
    pending = [r for r in latest if r.status == Status.PENDING]
    decided = [r for r in latest if r.status != Status.PENDING][:DECIDED_ON_ITEM]
    return describe_requests(pending + decided)


def pending_change_requests(item: Item) -> QuerySet[ChangeRequest]:
    """The item's pending requests (at most one: see ``services.changes``)."""
    return ChangeRequest.objects.filter(item=item, status=Status.PENDING).order_by("created_at")


def visible_change_requests(user: Any) -> QuerySet[ChangeRequest]:
    """The office's: its districts' requests; a unit's: its own; nobody else's any."""
    scope = scope_for(user)
    if scope.is_superuser:
        return ChangeRequest.objects.all()
    office = scope.office_covered_ids()
    units = scope.editor_unit_ids | scope.viewer_unit_ids
    cond = Q(pk__in=[])
    if office:
        cond |= Q(jurisdiction_id__in=office)
    if units:
        cond |= Q(unit_id__in=units)
    return ChangeRequest.objects.filter(cond)


def access_change_request(user: Any, pk: int) -> ChangeRequest:
    """The request if the user may see it (the office, the requesting unit); else NotFound."""
    request = _with_names(visible_change_requests(user)).filter(pk=pk).first()
    if request is None:
        raise errors.NotFound("调整申请不存在或无权查看")
    return request


def change_request_file(request: ChangeRequest, file_pk: int) -> ChangeRequestFile | None:
    return ChangeRequestFile.objects.filter(request=request, pk=file_pk).first()


def change_request_page(
    user: Any,
    *,
    status: str = Status.PENDING,
    unit_id: int | None = None,
    page: int = 1,
    per_page: int = QUEUE_PAGE_SIZE,
) -> ChangeRequestPage:
    """The office's queue (pending, oldest first) or a unit's own requests, filtered by
    status ("" for all) and unit, one page of them."""
    scope = scope_for(user)
    is_office = scope.is_any_office()
    qs = visible_change_requests(user)
    if status in Status.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    order = ("created_at", "id") if status == Status.PENDING else ("-created_at", "-id")
    paginator = Paginator(_with_names(qs).order_by(*order), per_page)
    current = paginator.get_page(page)
    units: list[Unit] = []
    if is_office:
        office = scope.office_covered_ids()
        unit_qs = Unit.objects.order_by("name")
        units = list(unit_qs if scope.is_superuser else unit_qs.filter(jurisdiction_id__in=office))
    return ChangeRequestPage(
        describe_requests(current.object_list),
        current,
        is_office,
        units,
        status,
        unit_id,
    )


def change_request_slice(
    user: Any, *, status: str | None, unit_id: int | None, offset: int, limit: int
) -> tuple[int, list[ChangeRequest]]:
    """The API's list: the count and one slice of the requests the user sees (pending
    oldest first, others newest first)."""
    qs = visible_change_requests(user)
    if status:
        qs = qs.filter(status=status)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    order = ("created_at", "id") if status == Status.PENDING else ("-created_at", "-id")
    rows = list(_with_names(qs).order_by(*order)[offset : offset + limit])
    return qs.count(), rows


def may_decide(user: Any, request: ChangeRequest) -> bool:
    return permissions.can_review(user, request.jurisdiction_id)


def may_withdraw(user: Any, request: ChangeRequest) -> bool:
    return request.status == Status.PENDING and scope_for(user).edits_unit(request.unit_id)
