"""The form of a payout's decision: paid (amount in 万元, date, paying department) or
refused (a reason), with the record's ``version``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shishi.core.forms import ServiceErrorsMixin


class DecisionForm(ServiceErrorsMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("兑现结果"),
        choices=[("paid", _("已兑现")), ("refused", _("不予兑现"))],
        error_messages={"required": _("请选择兑现结果"), "invalid_choice": _("请选择兑现结果")},
    )
    amount = forms.CharField(label=_("金额（万元）"), required=False, max_length=20)
    paid_on = forms.DateField(
        label=_("兑现日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("日期格式应为YYYY-MM-DD")},
    )
    department = forms.CharField(label=_("兑现部门"), required=False, max_length=100)
    note = forms.CharField(
        label=_("说明（不予兑现时必填）"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
