"""Forms of the new-item page and of an item's targets and milestones (the item page's
plan section). They parse and type the input; the services in ``services.plans`` decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shishi.core.forms import ServiceErrorsMixin
from shishi.ledger import permissions
from shishi.ledger.forms import MAX_ID, ItemFieldsForm, MultipleFileField, wan_to_yuan
from shishi.ledger.models import Category, Item
from shishi.orgs.models import Person, Unit

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _version() -> forms.IntegerField:
    return forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_ID
    )


class NewItemForm(ItemFieldsForm):
    number = forms.CharField(label=_("编号"), max_length=32, help_text=_("在本计划内唯一"))
    category = forms.ModelChoiceField(
        label=_("类别"), queryset=Category.objects.none(), required=False
    )

    def __init__(
        self,
        *args: Any,
        categories: QuerySet[Category],
        units: QuerySet[Unit],
        people: QuerySet[Person],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["category"].queryset = categories
        self.set_choices(units, people)

    def create_args(self) -> dict[str, Any]:
        """The keyword arguments of ``services.create_item``."""
        c = self.cleaned_data
        return {
            "number": c["number"].strip(),
            "name": c["name"].strip(),
            "category": c.get("category"),
            "content": c["content"],
            "measures": c["measures"],
            "deadline_text": c["deadline_text"].strip(),
            "lead_unit": c["lead_unit"],
            "partner_units": list(c["partner_units"]),
            "sponsor_leaders": list(c["sponsor_leaders"]),
            "planned_investment": wan_to_yuan(c.get("planned_investment")),
        }


# --- targets and milestones on the item page -------------------------------------------


class TargetForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("目标"), max_length=200)
    value = forms.DecimalField(label=_("目标值"), min_value=0, max_digits=18, decimal_places=2)
    unit = forms.CharField(label=_("单位"), max_length=20, required=False)
    version = _version()


class MilestoneForm(ServiceErrorsMixin, forms.Form):
    title = forms.CharField(label=_("节点"), max_length=200)
    due_date = forms.DateField(label=_("计划日期"), widget=DATE_INPUT)
    planned_rate = forms.DecimalField(
        label=_("节点计划完成率（%）"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
    )
    version = _version()


class MoveForm(ServiceErrorsMixin, forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("上移")), ("down", _("下移"))])
    version = _version()


class RemoveForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("删除原因"),
        max_length=300,
        error_messages={"required": _("请填写删除原因")},
    )
    version = _version()


class CompleteMilestoneForm(ServiceErrorsMixin, forms.Form):
    done_date = forms.DateField(label=_("完成日期"), widget=DATE_INPUT)
    text = forms.CharField(
        label=_("完成情况"), required=False, max_length=5000, widget=forms.Textarea
    )
    attachments = MultipleFileField(label=_("佐证材料（图片、PDF或Office文件）"), required=False)


class UndoCompletionForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=300, required=False)


def plan_context(user: Any, item: Item) -> dict[str, Any]:
    """What the item page's plan section needs besides the targets and milestones."""
    return {
        "can_complete_milestones": permissions.can_post_progress(user, item),
        "plan_today": timezone.localdate(),
    }


def form_errors(form: forms.Form) -> str:
    """A form's errors in one line, each with its field's label: for the page's message."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = "；".join(str(e) for e in errors)
        parts.append(f"{label}：{text}" if label else text)
    return "；".join(parts)
