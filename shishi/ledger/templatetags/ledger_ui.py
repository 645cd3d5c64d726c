"""Presentation helpers for the ledger pages: badges, the top bar, readable history."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypedDict

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shishi.core.templatetags.shishi_format import EMPTY, cn_date, cn_money, is_english, pct
from shishi.ledger.models import FINISHED_LIFECYCLES, Item, Lifecycle, Programme, overdue
from shishi.ledger.selectors import (
    LIFECYCLE_LABELS,
    EventRow,
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
        out.append(f"{unit_names.get(unit_id, '')}{labels[Role.UNIT_EDITOR]}")
    for unit_id in sorted(scope.viewer_unit_ids - scope.editor_unit_ids):
        out.append(f"{unit_names.get(unit_id, '')}{labels[Role.UNIT_VIEWER]}")
    for role in (
        Role.CITY_OFFICE,
        Role.PROGRAMME_OFFICE,
        Role.SPONSOR_LEADER,
        Role.INSPECTOR,
        Role.OPERATOR,
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
    )


DEMO_HINT_USERS = ("nangang", "chengguan", "zhujian", "leader", "city")


@register.simple_tag
def demo_logins() -> dict[str, Any]:
    """Sample logins of the demo database, for the login page hint."""
    try:
        from shishi.orgs.demo import DEMO_LOGINS, DEMO_PASSWORD
    except ImportError:  # pragma: no cover - the demo module is optional
        return {"logins": [], "password": ""}
    logins = [(d.username, d.display_name) for d in DEMO_LOGINS if d.username in DEMO_HINT_USERS]
    return {"logins": logins, "password": DEMO_PASSWORD}


# --- history (变更记录) -----------------------------------------------------------------

ACTION_LABELS = {
    "item.create": _("新建事项"),
    "item.update": _("修改事项"),
    "item.progress": _("填报进展"),
    "item.note": _("配合单位备注"),
    "item.close_out": _("销号"),
    "item.reopen": _("重新打开"),
    "item.targets": _("修改工作目标"),
    "item.milestone_add": _("新增时间节点"),
    "item.milestone_done": _("完成时间节点"),
    "item.import": _("导入台账"),
    "item.import_update": _("导入更新"),
    "item.publish": _("公开事项"),
    "item.unpublish": _("取消公开事项"),
    "item.update_publish": _("公开进展"),
    "item.update_unpublish": _("取消公开进展"),
    "item.photo_publish": _("公开照片"),
    "item.photo_unpublish": _("取消公开照片"),
}

FIELD_LABELS = {
    "is_public": _("公开"),
    "attachment_name": _("照片"),
    "name": _("项目名称"),
    "number": _("编号"),
    "seq": _("序号"),
    "content": _("主要内容"),
    "measures": _("推进措施"),
    "deadline_text": _("完成时限"),
    "due_date": _("截止日期"),
    "is_ongoing": _("长期坚持"),
    "start_date": _("开始日期"),
    "planned_investment": _("计划投资"),
    "done_investment": _("完成投资"),
    "remarks": _("备注"),
    "category_id": _("类别"),
    "category": _("类别"),
    "lead_unit_id": _("责任单位"),
    "lead_unit": _("责任单位"),
    "completion_rate": _("完成率"),
    "lifecycle": _("状态"),
    "progress_text": _("进展情况"),
    "progress_date": _("最近进展日期"),
    "sponsor_leaders": _("区级包保领导"),
    "partner_units": _("配合单位"),
    "note": _("销号说明"),
    "reason": _("重新打开原因"),
    "targets": _("工作目标"),
    "milestone": _("时间节点"),
    "closed_out_at": _("销号时间"),
    "reported_on": _("进展日期"),
    "rate": _("本次完成率"),
    "text": _("进展内容"),
}
HIDDEN_FIELDS = {"update", "version", "attachment"}
MONEY_FIELDS = {"planned_investment", "done_investment"}
RATE_FIELDS = {"completion_rate", "rate"}
DATE_FIELDS = {"due_date", "start_date", "progress_date", "closed_out_at", "reported_on"}
TEXT_LIMIT = 160


@dataclass
class Change:
    label: str
    old: str
    new: str
    old_full: str = ""
    new_full: str = ""


@dataclass
class HistoryEntry:
    event: EventRow
    who: str
    action: str
    changes: list[Change] = field(default_factory=list)

    @property
    def is_create(self) -> bool:
        """A creation lists the new values only (every old value is blank)."""
        return self.event.action.endswith(".create")


def history_reference_ids(events: Iterable[EventRow]) -> tuple[set[int], set[int]]:
    """Category ids and unit ids named in the events, so their names load in one query."""
    categories: set[int] = set()
    units: set[int] = set()
    for event in events:
        changes = event.changes if isinstance(event.changes, dict) else {}
        for key, target in (("category_id", categories), ("lead_unit_id", units)):
            for value in changes.get(key) or ():
                if isinstance(value, int | str) and str(value).isdigit():
                    target.add(int(value))
    return categories, units


def _display(field_name: str, value: Any, names: Mapping[str, Mapping[int, str]]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if field_name in ("category_id", "lead_unit_id"):
        lookup = names.get(field_name, {})
        try:
            return lookup.get(int(value), f"#{value}")
        except (TypeError, ValueError):
            return str(value)
    if field_name in MONEY_FIELDS:
        return cn_money(value)
    if field_name in RATE_FIELDS or field_name.startswith("rate"):
        return pct(value)
    if field_name == "lifecycle":
        return str(LIFECYCLE_LABELS.get(value, value))
    if field_name in DATE_FIELDS or field_name.startswith("milestone:"):
        return cn_date(value)
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "—"
    return str(value)


def _label(field_name: str) -> str:
    if field_name.startswith("target:"):
        return str(_("目标“%(name)s”完成值") % {"name": field_name[7:]})
    if field_name.startswith("milestone:"):
        return str(_("节点“%(name)s”完成日期") % {"name": field_name[10:]})
    return str(FIELD_LABELS.get(field_name, field_name))


def _short(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


@register.filter
def field_label(name: str) -> str:
    """A readable Chinese label for a field name: deadline_text → 完成时限."""
    return _label(str(name))


@register.filter
def change_value(value: Any, field_name: str) -> str:
    """A changed value as a person reads it (rates as 70%, money in 万元, dates in Chinese)."""
    return _short(_display(str(field_name), value, {}))


def describe_history(
    events: Iterable[EventRow],
    *,
    category_names: Mapping[int, str],
    unit_names: Mapping[int, str],
) -> list[HistoryEntry]:
    """Audit events of an item as rows a person reads: who, when, what, old → new."""
    names = {"category_id": category_names, "lead_unit_id": unit_names}
    # Labels are lazy translations: translate each once per call, not once per change.
    labels: dict[str, str] = {}
    actions = {key: str(label) for key, label in ACTION_LABELS.items()}
    system = str(_("系统"))
    out = []
    for event in events:
        entry = HistoryEntry(
            event=event,
            who=event.actor_label or event.actor_name or system,
            action=actions.get(event.action, event.action),
        )
        changes = event.changes if isinstance(event.changes, dict) else {}
        for key, pair in changes.items():
            if key in HIDDEN_FIELDS:
                continue
            if isinstance(pair, list | tuple) and len(pair) == 2:
                old, new = pair
            else:
                old, new = None, pair
            old_text, new_text = _display(key, old, names), _display(key, new, names)
            label = labels.get(key)
            if label is None:
                label = labels[key] = _label(key)
            entry.changes.append(
                Change(
                    label=label,
                    old=_short(old_text),
                    new=_short(new_text),
                    old_full=old_text if len(old_text) > TEXT_LIMIT else "",
                    new_full=new_text if len(new_text) > TEXT_LIMIT else "",
                )
            )
        out.append(entry)
    return out


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
        figures.append(f"{gettext('累计完成投资')} {cn_money(update.done_investment)}")
    return ";".join(figures)
