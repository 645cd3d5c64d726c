"""The change history (变更记录) of an item as a person reads it: who, when, what, old → new.

Audit events keep field names and raw values; this turns them into labels and values in
the reader's language (rates as 70%, money in 万元, dates in Chinese, ids as names).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from shishi.core.templatetags.shishi_format import cn_date, cn_money, pct, plain_decimal
from shishi.ledger.selectors import LIFECYCLE_LABELS, REVIEW_LABELS, EventRow

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
    "item.milestone_update": _("修改时间节点"),
    "item.milestone_move": _("调整时间节点顺序"),
    "item.milestone_remove": _("删除时间节点"),
    "item.milestone_undone": _("撤销节点完成"),
    "item.target_add": _("新增工作目标"),
    "item.target_update": _("修改工作目标"),
    "item.target_move": _("调整工作目标顺序"),
    "item.target_remove": _("删除工作目标"),
    "item.import": _("导入台账"),
    "item.import_update": _("导入更新"),
    "item.publish": _("公开事项"),
    "item.unpublish": _("取消公开事项"),
    "item.update_publish": _("公开进展"),
    "item.update_reject": _("退回进展"),
    "item.update_unpublish": _("取消公开进展"),
    "item.photo_publish": _("公开照片"),
    "item.photo_unpublish": _("取消公开照片"),
    "item.carry_over": _("结转至下一年度"),
    "item.carry_in": _("结转自上一年度"),
    "item.change_request": _("提交调整申请"),
    "item.change_request_approve": _("批准调整申请"),
    "item.change_request_reject": _("驳回调整申请"),
    "item.change_request_withdraw": _("撤回调整申请"),
}

FIELD_LABELS = {
    "review": _("审核状态"),
    "published_updates": _("同时公开的进展"),
    "photos": _("照片"),
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
    "reason": _("原因"),  # of a reopening, of a lowered rate
    "targets": _("工作目标"),
    "milestone": _("时间节点"),
    "milestones": _("时间节点"),
    "target": _("工作目标"),
    "removed_reason": _("删除原因"),
    "undo_reason": _("撤销原因"),
    "closed_out_at": _("销号时间"),
    "reported_on": _("进展日期"),
    "rate": _("本次完成率"),
    "text": _("进展内容"),
    "carried_to": _("结转至"),
    "carried_from": _("结转自"),
    "change_request": _("调整申请编号"),
    "requested_by_unit": _("申请单位"),
    "request_reason": _("申请理由"),
    "comment": _("审批意见"),
    "original_deadline_text": _("原完成时限"),
}
# Changes of one target or milestone are keyed "<kind>:<its name>".
PREFIX_LABELS = {
    "target": _("目标“%(name)s”完成值"),
    "target_name": _("目标“%(name)s”名称"),
    "target_value": _("目标“%(name)s”目标值"),
    "target_unit": _("目标“%(name)s”单位"),
    "milestone": _("节点“%(name)s”完成日期"),
    "milestone_title": _("节点“%(name)s”名称"),
    "milestone_due": _("节点“%(name)s”计划日期"),
    "milestone_rate": _("节点“%(name)s”计划完成率"),
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
    if field_name == "review":
        return str(REVIEW_LABELS.get(value, value))
    if field_name == "photos" and value == "published":
        return str(_("一并公开"))
    if field_name in DATE_FIELDS or field_name.startswith(("milestone:", "milestone_due:")):
        return cn_date(value)
    if field_name.startswith("milestone_rate:"):
        return pct(value)
    if field_name.startswith(("target:", "target_value:")):
        try:
            return plain_decimal(Decimal(str(value)))
        except InvalidOperation:
            return str(value)
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "—"
    return str(value)


def _label(field_name: str) -> str:
    if field_name.startswith("asked:"):
        return str(_("申请调整%(name)s") % {"name": _label(field_name[6:])})
    kind, _sep, name = field_name.partition(":")
    if _sep and kind in PREFIX_LABELS:
        return str(PREFIX_LABELS[kind] % {"name": name})
    return str(FIELD_LABELS.get(field_name, field_name))


def _short(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


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
            shown = key.removeprefix("asked:")
            old_text, new_text = _display(shown, old, names), _display(shown, new, names)
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


def field_label(name: str) -> str:
    """A readable Chinese label for a field name: deadline_text → 完成时限."""
    return _label(name)


def change_value(value: Any, field_name: str) -> str:
    """A changed value as a person reads it (rates as 70%, money in 万元, dates in Chinese)."""
    return _short(_display(field_name, value, {}))
