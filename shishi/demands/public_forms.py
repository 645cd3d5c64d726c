"""Forms of the public intake, the tracking page and the operator's entry."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shishi.core.forms import ServiceErrorsMixin
from shishi.demands.models import Category, Channel, Kind, Satisfaction, Urgency
from shishi.ledger.forms import MultipleFileField
from shishi.orgs.models import Unit

PHOTO_ACCEPT = "image/*"


class _DemandFields(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("诉求类型"), choices=Kind.choices)
    category = forms.ModelChoiceField(
        label=_("诉求分类"), queryset=Category.objects.none(), empty_label=_("请选择")
    )
    description = forms.CharField(
        label=_("诉求内容"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("请写清楚发生了什么、从何时开始、希望怎样解决"),
    )
    address = forms.CharField(label=_("地点"), max_length=300, required=False)
    lat = forms.DecimalField(
        label=_("纬度"), required=False, max_digits=9, decimal_places=6, min_value=-90, max_value=90
    )
    lon = forms.DecimalField(
        label=_("经度"),
        required=False,
        max_digits=10,
        decimal_places=6,
        min_value=-180,
        max_value=180,
    )
    photos = MultipleFileField(
        label=_("照片（最多9张）"), required=False, help_text=_("只收图片，每张不超过上传上限")
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)

    def __init__(self, *args: Any, jurisdiction_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Category.objects.filter(jurisdiction_id=jurisdiction_id, is_active=True)
        self.fields["photos"].widget.attrs["accept"] = PHOTO_ACCEPT


class PublicDemandForm(_DemandFields):
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class CodeRequestForm(forms.Form):
    phone = forms.CharField(max_length=20)


class OperatorDemandForm(_DemandFields):
    channel = forms.ChoiceField(
        label=_("来源"), choices=[(Channel.PHONE, _("电话")), (Channel.WALK_IN, _("来访"))]
    )
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices)
    phone = forms.CharField(label=_("手机号码"), max_length=20, required=False)
    landline = forms.CharField(
        label=_("固定电话"), max_length=24, required=False, help_text=_("没有手机的来电人")
    )
    hotline_number = forms.CharField(label=_("12345工单号"), max_length=40, required=False)
    street = forms.ModelChoiceField(
        label=_("所在街道"), queryset=Unit.objects.none(), required=False
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, jurisdiction_id: int, **kwargs: Any) -> None:
        super().__init__(*args, jurisdiction_id=jurisdiction_id, **kwargs)
        street = self.fields["street"]
        assert isinstance(street, forms.ModelChoiceField)
        street.queryset = Unit.objects.filter(jurisdiction_id=jurisdiction_id)


class TrackForm(forms.Form):
    number = forms.CharField(label=_("查询码"), max_length=30)
    tail = forms.CharField(
        label=_("手机（或固定电话）后四位"),
        min_length=4,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )


class RateForm(TrackForm):
    satisfaction = forms.ChoiceField(
        label=_("您对答复是否满意"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("意见"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
