"""Forms of the clinic's and the office's health-certificate pages (the services check the
rest: ``certificates``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shishi.appointments.certificate_selectors import NUMBER_CHARS, STATUS_LABELS
from shishi.appointments.models import Conclusion, ExamItem, Trade
from shishi.core.forms import ServiceErrorsMixin


class Form(ServiceErrorsMixin, forms.Form):
    pass


class WalkInForm(Form):
    """Registration at the clinic: a walk-in (name, ID number, mobile), or a booking of the
    day (``booking``: the booked resident)."""

    booking = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    id_number = forms.CharField(
        label=_("居民身份证号"),
        max_length=30,
        required=False,
        help_text=_("已登记过的人按身份证号找到，无须再填姓名"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        required=False,
        help_text=_("发证和到期提醒短信发到这个号码"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    trade = forms.ChoiceField(label=_("从业类别"), choices=Trade.choices)
    employer = forms.CharField(label=_("工作单位"), max_length=200, required=False)
    id_checked = forms.BooleanField(
        label=_("已核验本人居民身份证"),
        required=False,
    )
    photo = forms.FileField(
        label=_("本人照片"),
        required=False,
        help_text=_("JPG、PNG或WebP，不超过5MB"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "user"}),
    )


class ResultForm(Form):
    item = forms.ChoiceField(choices=ExamItem.choices, widget=forms.HiddenInput)
    result = forms.CharField(label=_("结果"), max_length=200)
    normal = forms.BooleanField(label=pgettext_lazy("exam result", "正常"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class ConcludeForm(Form):
    conclusion = forms.ChoiceField(
        label=_("结论"), choices=Conclusion.choices, widget=forms.RadioSelect
    )
    barred_condition = forms.CharField(
        label=_("不得从业的疾病"),
        max_length=100,
        required=False,
        help_text=_("判定不合格时必填，如：伤寒或副伤寒、细菌性痢疾、活动性肺结核"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class RevokeForm(Form):
    reason = forms.CharField(
        label=_("撤销原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 2})
    )


class CertificateFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部"))] + [(k, v) for k, v in STATUS_LABELS.items()],
    )
    expiring = forms.BooleanField(label=_("30天内到期"), required=False)
    number = forms.CharField(label=_("证号"), max_length=NUMBER_CHARS, required=False)

    def filters(self) -> dict[str, Any]:
        """The filters that parse (a bad one is dropped and named beside its field)."""
        if self.is_valid():
            return self.cleaned_data
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}


class ExportForm(Form):
    jurisdiction = forms.ChoiceField(label=_("区县"))
    since = forms.DateField(
        label=_("自何日起"),
        help_text=_("导出这天以后发证、撤销或变更的健康证"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, districts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].choices = districts
        if districts:
            self.fields["jurisdiction"].initial = districts[0][0]
        self.fields["since"].initial = dt.date.today().replace(day=1)
