"""The office's catalogue forms: a service's settings with its rules as rows, a staff member
to add, a matter's name. The rules are edited as rows of a kind (``eligibility.RULE_KINDS``)
and a value: the age for ``age``, the buildings and key projects for ``place`` (separated by
、 or a new line), the condition in words for ``confirm``, nothing for ``disability``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shishi.appointments import eligibility
from shishi.appointments.models import AgeFrom, Match, Service, Where
from shishi.core.forms import ServiceErrorsMixin
from shishi.ledger.models import Target
from shishi.orgs.models import Unit

RULE_KIND_LABELS = {
    "age": _("年龄（周岁以上）"),
    "disability": _("持有残疾人证"),
    "place": _("企业位于楼宇或重点项目"),
    "confirm": _("需接线员确认的条件"),
}
BLANK_ROWS = 2
MAX_ROWS = 20
# 、 ， , ; ； and new lines (escaped: the punctuation lint reads literals as UI text).
_PLACE_SPLIT = re.compile("[\u3001\uff0c\uff1b,;\n]+")


@dataclass
class RuleRow:
    kind: str
    value: str
    error: str = ""


def rule_value(rule: dict[str, Any]) -> str:
    kind = rule.get("kind")
    if kind == "age":
        return str(rule.get("min", ""))
    if kind == "place":
        return "、".join(str(p) for p in rule.get("places", []))
    if kind == "confirm":
        return str(rule.get("text", ""))
    return ""


def rule_of(kind: str, value: str) -> dict[str, Any]:
    text = (value or "").strip()
    if kind == "age":
        try:
            return {"kind": "age", "min": int(text)}
        except ValueError:
            return {"kind": "age", "min": text}  # check_rules names it
    if kind == "place":
        return {
            "kind": "place",
            "places": [p.strip() for p in _PLACE_SPLIT.split(text) if p.strip()],
        }
    if kind == "confirm":
        return {"kind": "confirm", "text": text}
    return {"kind": kind}


class ServiceForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    unit = forms.TypedChoiceField(label=_("提供单位"), coerce=int)
    where = forms.ChoiceField(label=_("服务地点"), choices=Where.choices)
    bring = forms.CharField(
        label=_("需携带材料"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    per_staff_day = forms.IntegerField(
        label=_("每人每工作日可服务次数"),
        min_value=1,
        max_value=200,
        error_messages={"invalid": _("请填写整数")},
    )
    is_active = forms.BooleanField(label=_("启用"), required=False)
    age_from = forms.ChoiceField(label=_("年龄起算"), choices=AgeFrom.choices)
    match = forms.ChoiceField(label=_("条件关系"), choices=Match.choices)
    target = forms.TypedChoiceField(
        label=_("计入台账目标"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("已服务的预约数计为该目标的完成值"),
    )
    rules = forms.Field(required=False)  # rendered as rows; its errors shown beside them

    def __init__(self, *args: Any, units: list[Unit], targets: list[Target], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        assert isinstance(unit, forms.ChoiceField)
        unit.choices = [(u.pk, u.name) for u in units]
        target = self.fields["target"]
        assert isinstance(target, forms.ChoiceField)
        target.choices = [("", _("不计入台账"))] + [
            (t.pk, f"{t.item.programme.year} {t.item.name} · {t.name}") for t in targets
        ]
        self.rule_rows: list[RuleRow] = []
        self.parsed_rules: list[dict[str, Any]] = []
        if self.is_bound:
            posted: Any = self.data
            kinds = posted.getlist("rule_kind")[:MAX_ROWS]
            values = posted.getlist("rule_value")[:MAX_ROWS]
            for n, kind in enumerate(kinds):
                value = values[n] if n < len(values) else ""
                if kind:
                    self.rule_rows.append(RuleRow(kind, value))
        else:
            for rule in self.initial.get("rules") or []:
                self.rule_rows.append(RuleRow(str(rule.get("kind", "")), rule_value(rule)))
        self.blank_rows = range(BLANK_ROWS)
        self.kinds = list(RULE_KIND_LABELS.items())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rules = []
        wrong = False
        for n, row in enumerate(self.rule_rows, start=1):
            rule = rule_of(row.kind, row.value)
            problems = eligibility.check_rules([rule])
            if problems:
                row.error = problems[0].replace("第1条", f"第{n}条")
                wrong = True
            rules.append(rule)
        if wrong:
            self.add_error("rules", _("请改正标出的条件"))
        data["rules"] = rules
        return data

    @classmethod
    def initial_of(cls, service: Service) -> dict[str, Any]:
        return {
            "name": service.name,
            "unit": service.unit_id,
            "where": service.where,
            "bring": service.bring,
            "per_staff_day": service.per_staff_day,
            "is_active": service.is_active,
            "age_from": service.age_from,
            "match": service.match,
            "target": service.target_id,
            "rules": service.rules,
        }


class StaffForm(ServiceErrorsMixin, forms.Form):
    user = forms.TypedChoiceField(
        label=_("提供单位的人员"), coerce=int, error_messages={"required": _("请选择人员")}
    )

    def __init__(self, *args: Any, users: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("请选择"))] + [
            (u.pk, u.display_name or u.get_username()) for u in users
        ]


class MatterForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        label=_("事项名称"), max_length=50, error_messages={"required": _("请填写事项名称")}
    )
