"""Forms of the station pages: the station itself (with the stamp it was loaded with), a
staff member by login name, an enterprise by USCC, and the removals."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shishi.core.forms import ServiceErrorsMixin

MAX_ID = 2**31 - 1


class StationForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("工作站名称"), max_length=100)
    address = forms.CharField(label=_("地址"), max_length=300, required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    stamp = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)


class StaffForm(ServiceErrorsMixin, forms.Form):
    username = forms.CharField(
        label=_("工作人员登录名"), max_length=150, help_text=_("本区已有账号的登录名")
    )


class EnterpriseForm(ServiceErrorsMixin, forms.Form):
    uscc = forms.CharField(
        label=_("统一社会信用代码"), max_length=30, help_text=_("本区企业名录中的企业")
    )


class RemoveForm(ServiceErrorsMixin, forms.Form):
    target = forms.IntegerField(min_value=1, max_value=MAX_ID)
