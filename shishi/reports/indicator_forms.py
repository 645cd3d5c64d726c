"""The office's form for a programme indicator (数据统计)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shishi.core.forms import ServiceErrorsMixin
from shishi.reports.indicators import IndicatorInput
from shishi.reports.models import CycleFigure, Indicator


class IndicatorForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("指标"), max_length=100, help_text=_("如“课桌椅发放”"))
    unit = forms.CharField(label=_("计量单位"), max_length=20, required=False)
    target_value = forms.DecimalField(
        label=_("目标值"), required=False, min_value=Decimal(0), max_digits=18, decimal_places=2
    )
    order = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767, initial=0)
    source = forms.ChoiceField(
        label=_("数据来源"), choices=Indicator.Source.choices, widget=forms.RadioSelect
    )
    target_pattern = forms.CharField(
        label=_("目标名称包含"),
        max_length=100,
        required=False,
        help_text=_("汇总名称包含这段文字的事项工作目标的完成值"),
    )
    item_numbers = forms.CharField(
        label=_("限定事项编号"),
        required=False,
        max_length=4000,
        help_text=_("只汇总这些事项的目标，用逗号分隔；不填则为全部事项"),
    )
    figure = forms.TypedChoiceField(
        label=_("报送数据项"), coerce=int, required=False, empty_value=None
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, figures: list[CycleFigure], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[Any, str]] = [("", "—")]
        choices += [(f.pk, f"{f.cycle.name}：{f.name}") for f in figures]
        self.fields["figure"].choices = choices

    def given(self) -> IndicatorInput:
        c = self.cleaned_data
        return IndicatorInput(
            name=c["name"],
            unit=c["unit"],
            target_value=c["target_value"],
            order=c["order"] or 0,
            source=c["source"],
            target_pattern=c["target_pattern"],
            item_numbers=c["item_numbers"],
            figure_id=c["figure"],
        )


def initial_of(indicator: Indicator, numbers: str) -> dict[str, Any]:
    return {
        "name": indicator.name,
        "unit": indicator.unit,
        "target_value": indicator.target_value,
        "order": indicator.order,
        "source": indicator.source,
        "target_pattern": indicator.target_pattern,
        "item_numbers": numbers,
        "figure": indicator.figure_id,
        "version": indicator.version,
    }
