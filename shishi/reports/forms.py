"""The reports forms: a unit's submission (one row per item, the cycle's sections and figures),
the office's cycle definition, return comments and report texts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shishi.core.forms import ServiceErrorsMixin
from shishi.reports.models import Cadence, Cycle
from shishi.reports.selectors import SubmissionPage
from shishi.reports.services import CycleInput, Draft, RowInput

ACTIONS = ("save", "submit", "sign_off")


def row_field(item_id: int, name: str) -> str:
    return f"rows-{item_id}-{name}"


class SubmissionForm(ServiceErrorsMixin, forms.Form):
    """Built from the submission's page: its rows, sections and figures."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], widget=forms.HiddenInput)

    def __init__(self, page: SubmissionPage, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page = page
        sub = page.submission
        self.fields["version"].initial = sub.version
        for view in page.rows:
            row = view.row
            self.fields[row_field(row.item_id, "rate")] = forms.DecimalField(
                label=_("完成率"),
                min_value=Decimal(0),
                max_value=Decimal(100),
                decimal_places=2,
                required=False,
                initial=row.rate,
            )
            self.fields[row_field(row.item_id, "text")] = forms.CharField(
                label=_("进展情况"),
                required=False,
                initial=row.text,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields[row_field(row.item_id, "reason")] = forms.CharField(
                label=_("下调原因"), required=False, initial=row.reason, max_length=2000
            )
            for target in view.targets:
                self.fields[row_field(row.item_id, f"target-{target.pk}")] = forms.DecimalField(
                    label=target.name,
                    required=False,
                    min_value=Decimal(0),
                    max_digits=18,
                    decimal_places=2,
                    initial=row.target_actuals.get(str(target.pk), target.actual),
                )
            self.fields[row_field(row.item_id, "files")] = forms.FileField(
                label=_("佐证材料"), required=False
            )
        for answer in page.sections:
            self.fields[f"section-{answer.section_id}"] = forms.CharField(
                label=answer.section.title,
                required=False,
                initial=answer.text,
                widget=forms.Textarea,
                max_length=20000,
            )
        for value in page.figures:
            self.fields[f"figure-{value.figure_id}"] = forms.DecimalField(
                label=value.figure.name,
                required=False,
                max_digits=16,
                decimal_places=2,
                initial=value.value,
            )

    def bound_rows(self) -> list[dict[str, Any]]:
        """Each row with its bound fields, for the template."""
        out = []
        for view in self.page.rows:
            item_id = view.row.item_id
            out.append(
                {
                    "view": view,
                    "rate": self[row_field(item_id, "rate")],
                    "text": self[row_field(item_id, "text")],
                    "reason": self[row_field(item_id, "reason")],
                    "files": self[row_field(item_id, "files")],
                    "targets": [
                        (t, self[row_field(item_id, f"target-{t.pk}")]) for t in view.targets
                    ],
                }
            )
        return out

    def draft(self) -> Draft:
        data = self.cleaned_data
        rows = {}
        for view in self.page.rows:
            item_id = view.row.item_id
            actuals = {
                str(t.pk): str(data[row_field(item_id, f"target-{t.pk}")])
                for t in view.targets
                if data.get(row_field(item_id, f"target-{t.pk}")) is not None
            }
            rows[item_id] = RowInput(
                rate=data.get(row_field(item_id, "rate")),
                text=data.get(row_field(item_id, "text")) or "",
                target_actuals=actuals,
                reason=data.get(row_field(item_id, "reason")) or "",
            )
        sections = {
            a.section_id: data.get(f"section-{a.section_id}") or "" for a in self.page.sections
        }
        figures = {v.figure_id: data.get(f"figure-{v.figure_id}") for v in self.page.figures}
        return Draft(rows=rows, sections=sections, figures=figures)

    def uploads(self) -> dict[int, list[Any]]:
        """item id → the evidence files sent with this row."""
        out: dict[int, list[Any]] = {}
        for view in self.page.rows:
            uploaded = self.files.getlist(row_field(view.row.item_id, "files"))
            if uploaded:
                out[view.row.item_id] = list(uploaded)
        return out


class ReturnForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("退回意见"), widget=forms.Textarea, max_length=2000)


class OpenPeriodForm(ServiceErrorsMixin, forms.Form):
    period = forms.CharField(
        label=_("期别"), max_length=16, help_text=_("如 2021-W25、2021-06-H1、2021-06、2021-Q2")
    )


class OfficeTextsForm(ServiceErrorsMixin, forms.Form):
    """The office's introduction and one text per section heading of the report."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, headings: list[str], texts: dict[str, str], *args: Any, **kw: Any):
        super().__init__(*args, **kw)
        self.headings = headings
        self.fields["intro"] = forms.CharField(
            label=_("导语（总体情况之前）"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 4}),
            max_length=20000,
            initial=texts.get("intro", ""),
        )
        for index, heading in enumerate(headings):
            self.fields[f"heading-{index}"] = forms.CharField(
                label=heading,
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                max_length=20000,
                initial=texts.get(heading, ""),
                help_text=_("专班综述，写在各单位报送内容之前"),
            )

    def texts(self) -> dict[str, str]:
        data = self.cleaned_data
        out = {"intro": data.get("intro") or ""}
        for index, heading in enumerate(self.headings):
            out[heading] = data.get(f"heading-{index}") or ""
        return out


WEEKDAYS = [(i, label) for i, label in enumerate("一二三四五六日")]


class CycleForm(ServiceErrorsMixin, forms.Form):
    """A feedback cycle, or an ad-hoc one-off request (cadence 一次性 with its date)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("名称"), max_length=100)
    code = forms.SlugField(
        label=_("代码"), max_length=40, help_text=_("英文字母、数字或连字符，如 weekly；本区内唯一")
    )
    programme = forms.TypedChoiceField(label=_("实事项目计划"), coerce=int)
    cadence = forms.ChoiceField(label=_("周期"), choices=[])
    due_weekday = forms.TypedChoiceField(
        label=_("每周报送日"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", "—"), *((i, f"星期{d}") for i, d in WEEKDAYS)],
    )
    due_workdays = forms.IntegerField(
        label=_("期末后第几个工作日截止"),
        min_value=0,
        max_value=30,
        initial=0,
        help_text=_("按周以外的周期：0为本期最后一个工作日"),
    )
    due_time = forms.TimeField(label=_("截止时间"), initial="17:00")
    once_on = forms.DateField(
        label=_("报送日期（一次性）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    units = forms.TypedMultipleChoiceField(
        label=_("报送单位"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    asks_items = forms.BooleanField(label=_("填报牵头事项进展"), required=False, initial=True)
    needs_sign_off = forms.BooleanField(
        label=_("须单位负责人审核后报送"), required=False, initial=True
    )
    instructions = forms.CharField(
        label=_("填报说明"), required=False, widget=forms.Textarea, max_length=5000
    )
    sections = forms.CharField(
        label=_("报送栏目"),
        required=False,
        widget=forms.Textarea,
        max_length=5000,
        help_text=_("每行一个，如 下周工作安排"),
    )
    figures = forms.CharField(
        label=_("报送数据项"),
        required=False,
        widget=forms.Textarea,
        max_length=5000,
        help_text=_("每行一个，名称后可加计量单位，如 本周办理健康证人数（人）"),
    )
    remind_before_hours = forms.CharField(
        label=_("截止前提醒（办公小时）"), max_length=40, initial="24,2"
    )
    remind_after_workdays = forms.CharField(
        label=_("逾期后催报（工作日）"), max_length=40, initial="1,2,3"
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    template = forms.FileField(
        label=_("Word模板"),
        required=False,
        help_text=_("可选：本单位的红头文件模板（.docx或.dotx），汇编报告和通报按它的样式生成"),
    )
    clear_template = forms.BooleanField(label=_("不再使用模板"), required=False)

    def __init__(
        self,
        *args: Any,
        programmes: list[tuple[int, str]],
        units: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = programmes
        self.fields["units"].choices = units
        self.fields["cadence"].choices = Cadence.choices

    def cycle_input(self) -> CycleInput:
        c = self.cleaned_data
        figures = []
        for line in (c.get("figures") or "").splitlines():
            line = line.strip()
            if not line:
                continue
            name, _sep, unit = line.replace("(", "（").replace(")", "）").partition("（")
            figures.append((name.strip(), unit.rstrip("）").strip()))
        return CycleInput(
            programme_id=c["programme"],
            code=c["code"],
            name=c["name"],
            cadence=c["cadence"],
            due_time=c["due_time"],
            unit_ids=list(c["units"]),
            due_weekday=c.get("due_weekday"),
            due_workdays=c.get("due_workdays") or 0,
            once_on=c.get("once_on"),
            asks_items=c.get("asks_items", False),
            needs_sign_off=c.get("needs_sign_off", False),
            instructions=c.get("instructions") or "",
            remind_before_hours=c["remind_before_hours"],
            remind_after_workdays=c["remind_after_workdays"],
            is_active=c.get("is_active", False),
            sections=(c.get("sections") or "").splitlines(),
            figures=figures,
            template=c.get("template"),
            clear_template=c.get("clear_template", False),
        )


def cycle_initial(cycle: Cycle) -> dict[str, Any]:
    figures = [
        f"{f.name}（{f.unit_label}）" if f.unit_label else f.name
        for f in cycle.figures.order_by("order", "pk")
    ]
    return {
        "version": cycle.version,
        "name": cycle.name,
        "code": cycle.code,
        "programme": cycle.programme_id,
        "cadence": cycle.cadence,
        "due_weekday": cycle.due_weekday,
        "due_workdays": cycle.due_workdays,
        "due_time": cycle.due_time,
        "once_on": cycle.once_on,
        "units": list(cycle.units.values_list("pk", flat=True)),
        "asks_items": cycle.asks_items,
        "needs_sign_off": cycle.needs_sign_off,
        "instructions": cycle.instructions,
        "sections": "\n".join(
            cycle.sections.order_by("order", "pk").values_list("title", flat=True)
        ),
        "figures": "\n".join(figures),
        "remind_before_hours": cycle.remind_before_hours,
        "remind_after_workdays": cycle.remind_after_workdays,
        "is_active": cycle.is_active,
    }
