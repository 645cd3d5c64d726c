"""Forms of the enterprise register's pages: an enterprise, a contact, the sheet upload."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shishi.core.forms import ServiceErrorsMixin
from shishi.enterprise.register_services import ContactInput, EnterpriseInput
from shishi.orgs.models import Unit

_SPLIT = re.compile(r"[,;\s" + "、，；" + "]+")


class EnterpriseForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("企业名称"), max_length=200)
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=30,
        help_text=_("18位，校验位须正确"),
    )
    industry_code = forms.CharField(
        label=_("行业代码"),
        max_length=20,
        required=False,
        help_text=_("GB/T 4754-2017，如I6513或6513"),
    )
    founded_on = forms.DateField(
        label=_("成立日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    employees = forms.IntegerField(label=_("从业人员（人）"), required=False, min_value=0)
    revenue = forms.DecimalField(
        label=_("营业收入（万元）"), required=False, min_value=0, max_digits=16, decimal_places=2
    )
    total_assets = forms.DecimalField(
        label=_("资产总额（万元）"), required=False, min_value=0, max_digits=16, decimal_places=2
    )
    tax_paid = forms.DecimalField(
        label=_("纳税额（万元）"), required=False, min_value=0, max_digits=16, decimal_places=2
    )
    address = forms.CharField(label=_("注册地址"), max_length=300, required=False)
    street = forms.TypedChoiceField(
        label=_("所属街道"), required=False, coerce=int, empty_value=None
    )
    qualifications = forms.CharField(
        label=_("资质"),
        required=False,
        max_length=1000,
        help_text=_("多个资质用顿号、逗号或空格分开，如：高新技术企业、专精特新"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, streets: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        street = self.fields["street"]
        assert isinstance(street, forms.TypedChoiceField)
        street.choices = [("", _("（未填写）")), *((u.pk, u.name) for u in streets)]

    def to_input(self) -> EnterpriseInput:
        d = self.cleaned_data
        names = tuple(n for n in _SPLIT.split(d.get("qualifications") or "") if n)
        return EnterpriseInput(
            name=d["name"],
            uscc=d["uscc"],
            industry_code=d.get("industry_code") or "",
            founded_on=d.get("founded_on"),
            employees=d.get("employees"),
            revenue=d.get("revenue"),
            total_assets=d.get("total_assets"),
            tax_paid=d.get("tax_paid"),
            address=d.get("address") or "",
            street_id=d.get("street"),
            qualifications=names,
        )


class ContactForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("联系人"), max_length=50)
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        required=False,
        help_text=_("修改时留空则保留原号码；填“-”清除"),
    )
    email = forms.CharField(label=_("电子邮箱"), max_length=254, required=False)
    username = forms.CharField(
        label=_("登录账号"),
        max_length=150,
        required=False,
        help_text=_("填写后该联系人登录即可查看本企业（仅本企业）"),
    )
    is_primary = forms.BooleanField(label=_("主要联系人"), required=False)

    def to_input(self) -> ContactInput:
        d = self.cleaned_data
        return ContactInput(
            name=d["name"],
            phone=d.get("phone") or "",
            email=d.get("email") or "",
            username=d.get("username") or "",
            is_primary=bool(d.get("is_primary")),
        )


class UploadForm(forms.Form):
    jurisdiction = forms.ChoiceField(label=_("辖区"))
    file = forms.FileField(label=_("企业名录（.xlsx）"))

    def __init__(self, *args: Any, places: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["jurisdiction"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(p.code, p.name) for p in places]
        self.single = len(places) == 1
        if self.single:
            field.widget = forms.HiddenInput()
            field.initial = places[0].code
