"""Presentation helpers for the ledger pages: badges, the top bar, readable history."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django import template
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shishi.core.templatetags.shishi_format import (
    bar_width,
    cn_date,
    cn_datetime,
    cn_money,
    filesize,
    is_english,
    pct,
)
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


@register.simple_tag
def select_options(choices: Iterable[tuple[Any, Any]], selected: Any) -> str:
    """``<option>`` elements for (value, label) pairs, the one equal to ``selected`` chosen.

    A district has a few hundred units and leaders; a template loop over them cost several
    milliseconds a page.
    """
    chosen = "" if selected is None else str(selected)
    esc = html.escape  # Django's escape checks every argument for laziness: 300 calls a page
    out = []
    for value, label in choices:
        text = str(value)
        mark = " selected" if text == chosen else ""
        out.append(f'<option value="{esc(text)}"{mark}>{esc(str(label))}</option>')
    return mark_safe("".join(out))


# --- chips and pager -----------------------------------------------------------------
# Each chip and page link carries the page's query with one change; through the template's
# ``querystring`` tag (a deep copy of the query each time) they cost over a millisecond.

_HX = 'hx-target="#ledger-results" hx-swap="outerHTML" hx-push-url="true"'


def _query_links(request: HttpRequest) -> Callable[..., str]:
    """``link(key=value, …)``: the request's query string with those keys set (None drops
    one), escaped for an attribute; what Django's ``querystring`` tag returns."""
    params = dict(request.GET.lists())

    def link(**changes: Any) -> str:
        merged = dict(params)
        for key, value in changes.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = [str(value)]
        return html.escape("?" + urlencode([(k, v) for k, vs in merged.items() for v in vs]))

    return link


@register.simple_tag(takes_context=True)
def ledger_chips(context: template.Context) -> str:
    """The category chips over the ledger table, with their counts (escaped, safe)."""
    link = _query_links(context["request"])
    chosen = context["filters"].category
    out = []
    q = link(category=None, page=None)
    out.append(
        f'<a class="chip{"" if chosen else " chip-on"}" href="{q}" hx-get="{q}" {_HX}>'
        f"{html.escape(gettext('全部'))} <b>{context['chips_total']}</b></a>"
    )
    for chip in context["chips"]:
        name = html.escape(str(chip["name"]))
        if chip["id"] is None:
            out.append(f'<span class="chip">{name} <b>{chip["n"]}</b></span>')
            continue
        q = link(category=chip["id"], page=None)
        on = " chip-on" if chip["id"] == chosen else ""
        out.append(
            f'<a class="chip{on}" href="{q}" hx-get="{q}" {_HX}>{name} <b>{chip["n"]}</b></a>'
        )
    return mark_safe("\n".join(out))


@register.simple_tag(takes_context=True)
def ledger_pager(context: template.Context) -> str:
    """Previous, numbered (elided) and next page links (escaped, safe); empty for one page."""
    paginator, page = context["paginator"], context["page"]
    if paginator.num_pages <= 1:
        return ""
    link = _query_links(context["request"])
    out = [f'<nav class="pager" aria-label="{html.escape(gettext("分页"))}">']
    if page.has_previous():
        q = link(page=page.previous_page_number())
        out.append(
            f'<a href="{q}" hx-get="{q}" {_HX} rel="prev">{html.escape(gettext("上一页"))}</a>'
        )
    for n in context["page_range"]:
        if n == paginator.ELLIPSIS:
            out.append('<span class="gap">…</span>')
        elif n == page.number:
            out.append(f'<span class="current" aria-current="page">{n}</span>')
        else:
            q = link(page=n)
            out.append(f'<a href="{q}" hx-get="{q}" {_HX}>{n}</a>')
    if page.has_next():
        q = link(page=page.next_page_number())
        out.append(
            f'<a href="{q}" hx-get="{q}" {_HX} rel="next">{html.escape(gettext("下一页"))}</a>'
        )
    out.append("</nav>")
    return mark_safe("\n".join(out))


# --- ledger rows --------------------------------------------------------------------------
# A ledger page shows up to 100 rows. Rendering each through the template engine cost about
# a millisecond a row; building the same markup here costs a few tens of microseconds.

_ROW = (
    '<tr{overdue_class}><td class="col-num" data-label="{l[num]}">{number}</td>'
    '<td class="col-name" data-label="{l[name]}"><a href="{url}">{name}</a></td>'
    '<td class="col-cat" data-label="{l[category]}">{category}</td>'
    '<td class="col-unit" data-label="{l[unit]}">{unit}{partners}</td>'
    '<td class="col-leader" data-label="{l[leader]}">{leaders}</td>'
    '<td class="col-due" data-label="{l[due]}">{deadline}{due_sub}</td>'
    '<td class="col-rate" data-label="{l[rate]}"><span class="rate"><span class="bar {bar}">'
    '<span style="width:{width}%"></span></span><span class="rate-num">{rate}</span></span></td>'
    '<td class="col-state" data-label="{l[state]}"><span class="badge {badge}">{state}</span>'
    "{overdue_badge}</td>"
    '<td class="col-date" data-label="{l[date]}">{date}</td></tr>'
)


def _names(objs: Iterable[Any]) -> str:
    return "、".join(o.name for o in objs)


@register.simple_tag
def ledger_rows(items: Iterable[ItemRow], labels: Mapping[str, str]) -> str:
    """The ``<tr>`` of each item as the ledger table shows it (escaped, safe to output).

    Every value goes through the standard library's ``html.escape`` (what Django's
    ``escape`` does, without its lazy-string wrapper, which cost more than the rest of the
    row on a 100-row page).
    """
    esc = html.escape
    today = timezone.localdate()
    item_url = reverse("ledger:item", args=[0])[: -len("0/")]
    l = {key: esc(str(value)) for key, value in labels.items()}  # noqa: E741
    overdue_badge = f' <span class="badge badge-red">{l["overdue"]}</span>'
    lifecycle_labels = {k: esc(str(v)) for k, v in Lifecycle.choices}
    english = is_english()
    out = []
    for item in items:
        finished = item.lifecycle in FINISHED_LIFECYCLES
        is_overdue = overdue(item.due_date, item.lifecycle, today)
        partners = _names(partners_of(item))
        due = item.due_date
        out.append(
            _ROW.format(
                l=l,
                overdue_class=' class="row-overdue"' if is_overdue else "",
                number=esc(item.number),
                url=f"{item_url}{item.pk}/",
                name=esc(item.name),
                category=esc(item.category.name) if item.category else "—",
                unit=esc(item.lead_unit.name),
                partners=f'<span class="sub">{l["partners"]}:{esc(partners)}</span>'
                if partners
                else "",
                leaders=esc(_names(leaders_of(item))) or "—",
                deadline=esc(item.deadline_text) or "—",
                due_sub=f'<span class="sub">{esc(cn_date(due, english))}</span>'
                if due and item.deadline_text != due.isoformat()
                else "",
                bar="bar-red" if is_overdue else ("bar-green" if finished else ""),
                width=bar_width(item.completion_rate),
                rate=esc(pct(item.completion_rate)),
                badge=LIFECYCLE_CLASSES.get(item.lifecycle, "badge-muted"),
                state=lifecycle_labels.get(item.lifecycle) or esc(item.lifecycle),
                overdue_badge=overdue_badge if is_overdue else "",
                date=esc(cn_date(item.progress_date, english)),
            )
        )
    return mark_safe("\n".join(out))


# --- the item page's timeline and history -------------------------------------------------
# Fifty updates and thirty history entries through template loops cost ~20 ms a page;
# the same markup built here costs a few.


def _text_html(text: str) -> str:
    """Escaped text with its line breaks kept (Django's ``linebreaksbr``)."""
    return html.escape(text).replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def _attachment_html(url: str, a: Any) -> str:
    esc = html.escape
    if a.is_image:
        return (
            f'<li><a href="{url}" target="_blank" rel="noopener"><img src="{url}" '
            f'alt="{esc(a.name)}" loading="lazy" width="96" height="72"></a></li>'
        )
    return (
        f'<li><a class="file" href="{url}">📎 {esc(a.name)} '
        f'<span class="muted">{esc(filesize(a.size))}</span></a></li>'
    )


@register.simple_tag
def progress_timeline(updates: Iterable[UpdateRow], item: Item) -> str:
    """The ``<li>`` of each progress update, newest first (escaped, safe to output)."""
    esc = html.escape
    note_badge = f'<span class="badge badge-amber">{esc(gettext("配合单位备注"))}</span>'
    invest_label = gettext("累计完成投资")
    attachment_url = reverse("ledger:attachment", args=[item.pk, 0])[: -len("0/")]
    english = is_english()
    out = []
    for u in updates:
        if u.is_note:
            head_mark = note_badge
        elif u.rate is not None:
            head_mark = f'<span class="tl-rate">{esc(pct(u.rate))}</span>'
        else:
            head_mark = ""
        who = " · ".join(x for x in (u.unit_name, u.author_name) if x)
        figures = [f"{name} {value}{unit}" for name, value, unit in u.target_lines]
        if u.done_investment is not None:
            figures.append(f"{invest_label} {cn_money(u.done_investment)}")
        parts = [
            '<li class="tl-note">' if u.is_note else "<li>",
            '<div class="tl-head"><span class="tl-date">',
            f"{esc(cn_date(u.reported_on, english))}</span>",
            head_mark,
            f'<span class="tl-who">{esc(who)}</span></div>',
            f'<div class="tl-text">{_text_html(u.text)}</div>',
        ]
        if figures:
            parts.append(f'<p class="tl-figures">{esc(";".join(figures))}</p>')
        if u.attachments:
            parts.append('<ul class="attachments">')
            parts.extend(_attachment_html(f"{attachment_url}{a.pk}/", a) for a in u.attachments)
            parts.append("</ul>")
        parts.append("</li>")
        out.append("".join(parts))
    return mark_safe("\n".join(out))


def _title(full: str) -> str:
    return f' title="{html.escape(full)}"' if full else ""


@register.simple_tag
def history_entries(history: Iterable[HistoryEntry]) -> str:
    """The ``<li>`` of each history entry (escaped, safe to output)."""
    esc = html.escape
    english = is_english()
    out = []
    for h in history:
        changes = []
        for c in h.changes:
            old = (
                ""
                if h.is_create
                else f' <span class="h-old"{_title(c.old_full)}>{esc(c.old)}</span> →'
            )
            changes.append(
                f'<li><span class="h-field">{esc(str(c.label))}</span>'
                f"{':' if h.is_create else ''}{old} "
                f'<span class="h-new"{_title(c.new_full)}>{esc(c.new)}</span></li>'
            )
        listed = f'<ul class="h-changes">{"".join(changes)}</ul>' if changes else ""
        out.append(
            f'<li><div class="h-head"><b>{esc(str(h.action))}</b> <span class="muted">'
            f"{esc(h.who)} · {esc(cn_datetime(h.event.created_at, english))}</span></div>"
            f"{listed}</li>"
        )
    return mark_safe("\n".join(out))
