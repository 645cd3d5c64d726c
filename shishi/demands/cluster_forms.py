"""The form that makes a ledger item from a cluster of similar demands (on the clusters
page). It parses and types the input; ``clusters.create_item_from_cluster`` and the
ledger's ``add_item`` decide, and their errors land beside these fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shishi.core.forms import ServiceErrorsMixin
from shishi.demands import clusters


class ClusterItemForm(ServiceErrorsMixin, forms.Form):
    number = forms.CharField(label=_("编号"), max_length=32, help_text=_("在本计划内唯一"))
    name = forms.CharField(label=_("项目名称"), max_length=300)
    lead_unit = forms.TypedChoiceField(label=_("责任单位"), coerce=int)
    category = forms.TypedChoiceField(label=_("类别"), coerce=int, required=False, empty_value=None)
    deadline_text = forms.CharField(
        label=_("完成时限"),
        required=False,
        max_length=100,
        help_text=_("如：2021年12月底前、6月30日前、年底前、长期坚持"),
    )
    sponsor_leader_ids = forms.TypedMultipleChoiceField(
        label=_("区级包保领导"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    content = forms.CharField(
        label=_("主要内容"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("开头自动写明回应群众诉求的件数和人数"),
    )

    def __init__(
        self,
        *args: Any,
        units: list[tuple[int, str]],
        categories: list[tuple[int, str]],
        people: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["lead_unit"].choices = [("", _("请选择")), *units]
        fields["category"].choices = [("", _("（不分类）")), *categories]
        fields["sponsor_leader_ids"].choices = people

    def item_input(self) -> clusters.NewItemInput:
        c = self.cleaned_data
        return clusters.NewItemInput(
            number=c["number"].strip(),
            name=c["name"].strip(),
            lead_unit_id=c["lead_unit"],
            category_id=c.get("category"),
            sponsor_leader_ids=list(c["sponsor_leader_ids"]),
            deadline_text=c["deadline_text"].strip(),
            content=c["content"],
        )
