"""The forms of change requests (调整申请): the unit's request, the office's decision."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from shishi.ledger.forms import (
    ATTACHMENT_ACCEPT,
    ItemFieldsForm,
    MultipleFileField,
    wan_to_yuan,
    yuan_to_wan,
)
from shishi.ledger.models import ChangeRequest, Item
from shishi.orgs.models import Person, Unit

# Form field → the request's field name (as in ``permissions.REQUESTABLE_FIELDS``).
REQUEST_FIELDS = {
    "name": "name",
    "deadline_text": "deadline_text",
    "start_date": "start_date",
    "lead_unit": "lead_unit_id",
    "partner_units": "partner_units",
    "sponsor_leaders": "sponsor_leaders",
    "planned_investment": "planned_investment",
    "content": "content",
    "measures": "measures",
}


class ChangeRequestForm(ItemFieldsForm):
    """The requestable fields prefilled with the item's values; only those changed are
    filed."""

    deadline_text = forms.CharField(
        label=_("完成时限"),
        max_length=100,
        help_text=_("如：2022年6月底前、9月30日前、年底前"),
    )
    start_date = forms.DateField(
        label=_("开始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label=_("申请理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写申请理由")},
    )
    attachments = MultipleFileField(label=_("附件（可选）"), required=False)

    def __init__(
        self, *args: Any, units: QuerySet[Unit], people: QuerySet[Person], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        self.set_choices(units, people)
        # Changed means changed from what the form showed, not from the item now: an
        # office edit made meanwhile is not asked back by a field the unit left alone.
        for name in REQUEST_FIELDS:
            fields[name].show_hidden_initial = True
        fields["attachments"].widget.attrs.update({"multiple": True, "accept": ATTACHMENT_ACCEPT})

    def _shown(self, name: str) -> list[Any]:
        key = self.add_initial_prefix(name)
        data: Any = self.data
        if self.is_bound and key in data:
            return list(data.getlist(key))
        return list(self.get_initial_for_field(self.fields[name], name) or [])

    @property
    def shown_leaders(self) -> list[Any]:
        """The leaders the form showed (hidden beside the checkboxes)."""
        return self._shown("sponsor_leaders")

    @property
    def shown_partners(self) -> list[Any]:
        return self._shown("partner_units")

    def changes(self) -> dict[str, Any]:
        """The changed fields as the service takes them (ids, ISO dates, money in 元)."""
        c = self.cleaned_data
        out: dict[str, Any] = {}
        for name in self.changed_data:
            if name not in REQUEST_FIELDS:
                continue
            value = c.get(name)
            if name == "lead_unit":
                value = value.pk if value is not None else None
            elif name in ("partner_units", "sponsor_leaders"):
                value = sorted(v.pk for v in value or ())
            elif name == "start_date":
                value = value.isoformat() if value else None
            elif name == "planned_investment":
                yuan = wan_to_yuan(value)
                value = None if yuan is None else str(yuan)
            out[REQUEST_FIELDS[name]] = value
        return out


def change_initial(item: Item) -> dict[str, Any]:
    """The item's current values, to prefill the form and to tell what changed."""
    return {
        "name": item.name,
        "deadline_text": item.deadline_text,
        "start_date": item.start_date,
        "lead_unit": item.lead_unit_id,
        "planned_investment": yuan_to_wan(item.planned_investment),
        "content": item.content,
        "measures": item.measures,
        "sponsor_leaders": [p.pk for p in item.sponsor_leaders.all()],
        "partner_units": [u.pk for u in item.partner_units.all()],
    }


class DecisionForm(forms.Form):
    """The office's approval (comment optional) or rejection (comment required)."""

    comment = forms.CharField(label=_("审批意见"), required=False, max_length=2000)
    next = forms.ChoiceField(choices=[("queue", "queue"), ("item", "item")], required=False)


class QueueQueryForm(forms.Form):
    """The queue's filters; bad values are dropped, not errors."""

    status = forms.ChoiceField(
        choices=[("", _("全部")), *ChangeRequest.Status.choices], required=False
    )
    unit = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    page = forms.IntegerField(required=False, min_value=1, max_value=100000)
