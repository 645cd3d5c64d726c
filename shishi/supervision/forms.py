"""The office's and the units' forms of supervision (the visit form is ``visit_forms``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shishi.core.forms import ServiceErrorsMixin
from shishi.ledger.forms import MultipleFileField
from shishi.supervision.models import Finding
from shishi.supervision.services.findings import FindingInput
from shishi.supervision.services.instructions import InstructionInput
from shishi.supervision.services.setup import GroupInput, RoundInput

DATE = forms.DateInput(attrs={"type": "date"})
Choices = list[tuple[Any, str]]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class GroupForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("组名"), max_length=100)
    leader_name = forms.CharField(label=_("组长"), max_length=100, required=False)
    members = forms.TypedMultipleChoiceField(
        label=_("组员（督导员）"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    units = forms.TypedMultipleChoiceField(
        label=_("联系单位"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, inspectors: Choices, units: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = inspectors
        self.fields["units"].choices = units

    def group_input(self) -> GroupInput:
        c = self.cleaned_data
        return GroupInput(
            name=c["name"],
            leader_name=c.get("leader_name") or "",
            member_ids=c.get("members") or [],
            unit_ids=c.get("units") or [],
        )


class RoundForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    code = forms.CharField(label=_("代码"), max_length=20, help_text=_("如 2021-1；本区内唯一"))
    name = forms.CharField(label=_("名称"), max_length=100)
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE)
    ends_on = forms.DateField(label=_("结束日期"), widget=DATE)
    scope = forms.CharField(
        label=_("范围和重点"), required=False, widget=forms.Textarea, max_length=5000
    )
    groups = forms.TypedMultipleChoiceField(
        label=_("参加的指导组"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    checklist = forms.CharField(
        label=_("检查清单"),
        required=False,
        widget=forms.Textarea,
        max_length=10000,
        help_text=_("每行一项，如 方案是否完善"),
    )
    revisits = forms.TypedChoiceField(
        label=_("回头看的轮次"), coerce=int, required=False, empty_value=None
    )
    red_after_workdays = forms.IntegerField(
        label=_("逾期几个工作日亮红牌"), min_value=1, max_value=60, initial=5
    )

    def __init__(self, *args: Any, groups: Choices, rounds: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["groups"].choices = groups
        self.fields["revisits"].choices = [("", _("（不是回头看）")), *rounds]

    def round_input(self) -> RoundInput:
        c = self.cleaned_data
        return RoundInput(
            code=c["code"],
            name=c["name"],
            starts_on=c["starts_on"],
            ends_on=c["ends_on"],
            scope=c.get("scope") or "",
            group_ids=c.get("groups") or [],
            checklist=_lines(c.get("checklist") or ""),
            revisits_id=c.get("revisits"),
            red_after_workdays=c["red_after_workdays"],
        )


class PlanForm(ServiceErrorsMixin, forms.Form):
    """Plan visits: a group visits the chosen units on a day."""

    group = forms.TypedChoiceField(label=_("指导组"), coerce=int)
    units = forms.TypedMultipleChoiceField(
        label=_("走访单位"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    planned_on = forms.DateField(label=_("计划日期"), widget=DATE)

    def __init__(self, *args: Any, groups: Choices, units: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = groups
        self.fields["units"].choices = units


class FindingForm(ServiceErrorsMixin, forms.Form):
    """A finding's text and 四定 (its kind stays)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    category = forms.ChoiceField(label=_("问题类别"), choices=Finding.Category.choices)
    severity = forms.ChoiceField(label=_("严重程度"), choices=Finding.Severity.choices)
    problem = forms.CharField(label=_("问题或建议"), widget=forms.Textarea, max_length=5000)
    measure = forms.CharField(
        label=_("整改措施"), required=False, widget=forms.Textarea, max_length=5000
    )
    deadline = forms.DateField(label=_("整改时限"), required=False, widget=DATE)
    responsible_unit = forms.TypedChoiceField(label=_("责任单位"), coerce=int)
    responsible_person = forms.CharField(label=_("责任人"), max_length=100, required=False)

    def __init__(self, *args: Any, units: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_unit"].choices = units


def finding_input(c: dict[str, Any], kind: str, item_ids: list[int]) -> FindingInput:
    """A ``FindingForm``'s cleaned data as the service's input."""
    return FindingInput(
        kind=kind,
        problem=c["problem"],
        category=c["category"],
        severity=c["severity"],
        measure=c.get("measure") or "",
        deadline=c.get("deadline"),
        responsible_unit_id=c["responsible_unit"],
        responsible_person=c.get("responsible_person") or "",
        item_ids=item_ids,
    )


class RectifyForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    measures = forms.CharField(label=_("整改措施和成效"), widget=forms.Textarea, max_length=10000)
    evidence = MultipleFileField(label=_("佐证材料（图片、PDF或Office文件）"), required=False)


class VerifyForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    verdict = forms.ChoiceField(
        label=_("核验结论"),
        choices=[("accept", _("整改到位，销号")), ("return", _("退回重改"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("核验意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=_("退回时必填"),
    )


class InstructionForm(ServiceErrorsMixin, forms.Form):
    text = forms.CharField(label=_("批示内容"), widget=forms.Textarea, max_length=5000)
    unit = forms.TypedChoiceField(
        label=_("承办单位"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("批示事项或问题时，默认为其牵头单位或责任单位"),
    )
    answer_by = forms.DateField(label=_("答复时限"), widget=DATE)
    # A paper instruction, entered by the office.
    author_name = forms.CharField(label=_("批示领导（纸质批示）"), max_length=100, required=False)
    written_on = forms.DateField(label=_("批示日期（纸质批示）"), required=False, widget=DATE)
    scan = forms.FileField(label=_("批示原件扫描件或照片"), required=False)

    def __init__(self, *args: Any, units: Choices, paper: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("（按事项或问题）")), *units]
        if not paper:
            for name in ("author_name", "written_on", "scan"):
                del self.fields[name]

    def instruction_input(self, item_id: int | None, finding_id: int | None) -> InstructionInput:
        c = self.cleaned_data
        return InstructionInput(
            text=c["text"],
            answer_by=c["answer_by"],
            unit_id=c.get("unit"),
            item_id=item_id,
            finding_id=finding_id,
            author_name=c.get("author_name") or "",
            written_on=c.get("written_on"),
            scan=c.get("scan"),
        )


class AnswerForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(label=_("答复内容"), widget=forms.Textarea, max_length=10000)
    attachments = MultipleFileField(label=_("附件（图片、PDF或Office文件）"), required=False)


class FollowUpForm(ServiceErrorsMixin, forms.Form):
    """The leader settles the instruction, or asks again with a new date."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    action = forms.ChoiceField(
        label=_("办理"),
        choices=[("settle", _("办结")), ("ask_again", _("再次批示"))],
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    answer_by = forms.DateField(
        label=_("新的答复时限"), required=False, widget=DATE, help_text=_("再次批示时必填")
    )
