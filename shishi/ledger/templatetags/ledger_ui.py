"""Presentation helpers for the ledger pages: badges, the top bar, readable history."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypedDict

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shishi.core.templatetags.shishi_format import EMPTY, cn_date, cn_money, is_english
from shishi.ledger import history
from shishi.ledger.models import FINISHED_LIFECYCLES, Item, Lifecycle, Programme, overdue
from shishi.ledger.selectors import (
    ItemRow,
    UpdateRow,
    leaders_of,
    partners_of,
    visible_programmes,
    visible_units,
)
from shishi.orgs.models import Role
from shishi.orgs.permissions import scope_for

register = template.Library()

LIFECYCLE_CLASSES: dict[str, str] = {
    Lifecycle.NOT_STARTED: "badge-muted",
    Lifecycle.IN_PROGRESS: "badge-blue",
    Lifecycle.DONE: "badge-green",
    Lifecycle.CLOSED_OUT: "badge-dark",
}


@register.filter
def lifecycle_class(value: str) -> str:
    return LIFECYCLE_CLASSES.get(value, "badge-muted")


@register.filter
def rate_class(item: Item) -> str:
    """Colour of an item's rate bar: red when overdue, green when done."""
    if getattr(item, "is_overdue", False):
        return "bar-red"
    if item.lifecycle in FINISHED_LIFECYCLES:
        return "bar-green"
    return ""


@register.simple_tag
def row_labels() -> dict[str, str]:
    """Column names of a ledger row, translated once per table (phones show them per cell)."""
    return {
        "num": gettext("编号"),
        "name": gettext("项目名称"),
        "category": gettext("类别"),
        "unit": gettext("责任单位"),
        "leader": gettext("包保领导"),
        "due": gettext("完成时限"),
        "rate": gettext("完成率"),
        "state": gettext("状态"),
        "date": gettext("最近进展"),
        "partners": gettext("配合"),
        "overdue": gettext("逾期"),
    }


# --- the top bar ----------------------------------------------------------------------


@dataclass
class Nav:
    display_name: str
    roles: list[str]
    jurisdictions: list[tuple[str, str]]  # (division code, name), only when several
    current_code: str = ""
    is_office: bool = False
    reads_ledger: bool = True  # not for an administrator (三员) with no business role
    reads_demands: bool = False  # operators, offices, units, leaders, inspectors (诉求)
    uses_appointments: bool = False  # operators, offices, units (预约服务)
    # Offices and units (惠企服务); enterprise contacts and station staff land there (home).
    uses_enterprise: bool = False
    # Offices and units (学习教育: study activities, landmarks, publicity).
    uses_education: bool = False


def _role_labels(user: Any) -> list[str]:
    scope = scope_for(user)
    if scope.is_superuser:
        return [str(_("系统管理员"))]
    labels = {value: str(label) for value, label in Role.choices}
    out = []
    unit_ids = scope.editor_unit_ids | scope.viewer_unit_ids
    unit_names = (
        dict(visible_units(user).filter(pk__in=unit_ids).values_list("pk", "name"))
        if unit_ids
        else {}
    )
    for unit_id in sorted(scope.editor_unit_ids):
        role = Role.UNIT_HEAD if unit_id in scope.head_unit_ids else Role.UNIT_EDITOR
        out.append(f"{unit_names.get(unit_id, '')}{labels[role]}")
    for unit_id in sorted(scope.viewer_unit_ids - scope.editor_unit_ids):
        out.append(f"{unit_names.get(unit_id, '')}{labels[Role.UNIT_VIEWER]}")
    for role in (
        Role.CITY_OFFICE,
        Role.PROGRAMME_OFFICE,
        Role.SPONSOR_LEADER,
        Role.INSPECTOR,
        Role.OPERATOR,
        Role.SYSTEM_ADMIN,
        Role.SECURITY_ADMIN,
        Role.AUDIT_ADMIN,
    ):
        if role in scope.roles:
            out.append(labels[role])
    return out


@register.simple_tag(takes_context=True)
def shishi_nav(context: template.Context) -> Nav | None:
    """What the top bar shows for the signed-in user (two small queries)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    seen: dict[str, str] = {}
    scope = scope_for(user)
    loaded = context.get("programmes")  # the ledger page has them already
    pairs: list[tuple[str, str]]
    if not (scope.is_superuser or scope.city_jurisdiction_ids) and (
        len(scope.member_jurisdiction_ids) <= 1
    ):
        pairs = []  # one district at most: nothing to switch between, nothing to read
    elif isinstance(loaded, list) and all(isinstance(p, Programme) for p in loaded):
        pairs = sorted((p.jurisdiction.code, p.jurisdiction.name) for p in loaded)
    else:
        pairs = list(
            visible_programmes(user)
            .order_by("jurisdiction__code")
            .values_list("jurisdiction__code", "jurisdiction__name")
            .distinct()
        )
    for code, name in pairs:
        seen[code] = name
    programme = context.get("programme")
    current = programme.jurisdiction.code if isinstance(programme, Programme) else ""
    return Nav(
        display_name=str(user),
        roles=_role_labels(user),
        jurisdictions=list(seen.items()) if len(seen) > 1 else [],
        current_code=current,
        is_office=scope.is_any_office(),
        reads_ledger=scope.is_superuser or bool(scope.readable_jurisdiction_ids()),
        reads_demands=scope.is_superuser
        or bool(
            scope.office_covered_ids()
            | scope.operator_jurisdiction_ids
            | scope.leader_jurisdiction_ids
            | scope.inspector_jurisdiction_ids
            | scope.editor_unit_ids
            | scope.viewer_unit_ids
        ),
        uses_appointments=scope.is_superuser
        or bool(
            scope.office_covered_ids()
            | scope.operator_jurisdiction_ids
            | scope.editor_unit_ids
            | scope.head_unit_ids
            | scope.viewer_unit_ids
        ),
        uses_enterprise=scope.is_superuser
        or bool(
            scope.office_covered_ids()
            | scope.editor_unit_ids
            | scope.head_unit_ids
            | scope.viewer_unit_ids
        ),
        uses_education=scope.is_superuser
        or bool(scope.office_covered_ids() | scope.editor_unit_ids | scope.head_unit_ids),
    )


@register.simple_tag
def demo_logins() -> dict[str, Any]:
    """Every login of the demo database with its role, for the login page hint."""
    try:
        from shishi.orgs.demo import DEMO_PASSWORD, login_hint
    except ImportError:  # pragma: no cover - the demo module is optional
        return {"logins": [], "password": ""}
    return {"logins": login_hint(), "password": DEMO_PASSWORD}


# --- history (变更记录): ``ledger.history`` ------------------------------------------------


@register.filter(name="field_label")
def field_label_filter(name: str) -> str:
    return history.field_label(str(name))


@register.filter(name="change_value")
def change_value_filter(value: Any, field_name: str) -> str:
    return history.change_value(value, str(field_name))


# --- ledger rows --------------------------------------------------------------------------
# A ledger page shows up to 100 rows (ledger/_rows.html). What a row shows is worked out here
# once per row, as plain text the template escapes. Rows are dicts: the template engine looks
# a dict key up directly, an attribute only after a failed key lookup, and a 100-row page
# makes some two thousand lookups.


class LedgerRow(TypedDict):
    url: str
    number: str
    name: str
    category: str
    unit: str
    partners: str  # the partner units, "、"-joined ("" for none)
    leaders: str
    deadline: str
    due: str  # the due date, when the deadline text does not say it already
    completion_rate: Decimal
    bar: str  # the rate bar's colour class
    badge: str  # the lifecycle badge's class
    state: str
    is_overdue: bool
    progress_date: str


@functools.lru_cache(maxsize=4096)
def item_url(pk: int) -> str:
    """``reverse`` once per item: a ledger page links up to a hundred."""
    return reverse("ledger:item", args=[pk])


def _names(objs: Iterable[Any]) -> str:
    return "、".join(o.name for o in objs)


@register.simple_tag
def ledger_rows(items: Iterable[ItemRow]) -> list[LedgerRow]:
    """What each row of a ledger table shows, in the table's order."""
    today = timezone.localdate()
    lifecycle_labels = {k: str(v) for k, v in Lifecycle.choices}
    english = is_english()  # asked once: the language lookup costs more than a date
    rows = []
    for item in items:
        is_overdue = overdue(item.due_date, item.lifecycle, today)
        due = item.due_date
        rows.append(
            LedgerRow(
                url=item_url(item.pk),
                number=item.number,
                name=item.name,
                category=item.category.name if item.category else EMPTY,
                unit=item.lead_unit.name,
                partners=_names(partners_of(item)),
                leaders=_names(leaders_of(item)) or EMPTY,
                deadline=item.deadline_text or EMPTY,
                due=cn_date(due, english) if due and item.deadline_text != due.isoformat() else "",
                completion_rate=item.completion_rate,
                bar="bar-red"
                if is_overdue
                else ("bar-green" if item.lifecycle in FINISHED_LIFECYCLES else ""),
                badge=LIFECYCLE_CLASSES.get(item.lifecycle, "badge-muted"),
                state=lifecycle_labels.get(item.lifecycle) or item.lifecycle,
                is_overdue=is_overdue,
                progress_date=cn_date(item.progress_date, english),
            )
        )
    return rows


# --- the item page's timeline ---------------------------------------------------------------


@register.filter
def update_who(update: UpdateRow) -> str:
    """Who reported a progress update: "unit · author" (either may be blank)."""
    return " · ".join(x for x in (update.unit_name, update.author_name) if x)


@register.filter
def update_figures(update: UpdateRow) -> str:
    """The target values and the investment an update reported, on one line."""
    figures = [f"{name} {value}{unit}" for name, value, unit in update.target_lines]
    if update.done_investment is not None:
        label = gettext("累计完成投资")
        figures.append(f"{label} {cn_money(update.done_investment)}")
    return "；".join(figures)
