"""Forms of the service-request pages: the public form with its SMS code, the tracking page
and the rating, the staff's intake, the actions on a request, the queue's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shishi.core.forms import ServiceErrorsMixin
from shishi.core.uscc import normalize_uscc
from shishi.enterprise.models import RequestKind, RequestOutcome, RequestStatus
from shishi.enterprise.request_selectors import Filters

MAX_ID = 2**31 - 1
ROWS3 = forms.Textarea(attrs={"rows": 3})
ROWS5 = forms.Textarea(attrs={"rows": 5})
RATINGS = [(n, f"{n}分") for n in (5, 4, 3, 2, 1)]


class _RequestFields(ServiceErrorsMixin, forms.Form):
    enterprise_name = forms.CharField(label=_("企业名称"), max_length=200)
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("18位，见营业执照"),
    )
    kind = forms.ChoiceField(label=_("诉求类别"), choices=RequestKind.choices)
    description = forms.CharField(
        label=_("诉求内容"),
        max_length=2000,
        widget=ROWS5,
        help_text=_("请写清楚需要什么帮助，如融资金额和用途、办理的审批事项"),
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=50)
    contact_phone = forms.CharField(
        label=_("联系人手机"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_uscc(self) -> str:
        # Checked here, before the phone code: a mistyped code is named at once, with the
        # other fields' errors, not after the SMS round trip.
        try:
            return normalize_uscc(self.cleaned_data.get("uscc", ""))
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class PublicRequestForm(_RequestFields):
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class StaffRequestForm(_RequestFields):
    station = forms.TypedChoiceField(
        label=_("受理工作站"), coerce=int, required=False, empty_value=None
    )

    def __init__(
        self, *args: Any, stations: list[tuple[int, str]], office: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        station = self.fields["station"]
        assert isinstance(station, forms.TypedChoiceField)
        blank = [("", _("专班直接受理"))] if office else []
        station.choices = [*blank, *stations]
        station.required = not office
        name = self.fields["enterprise_name"]
        name.required = False
        name.help_text = (
            _("企业名录中已有的企业可不填") if office else _("只能为本站服务的企业录入")
        )


class TrackForm(forms.Form):
    number = forms.CharField(label=_("诉求编号"), max_length=30)
    tail = forms.CharField(
        label=_("联系人手机后四位"),
        min_length=4,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )


class RateForm(ServiceErrorsMixin, TrackForm):
    rating = forms.TypedChoiceField(
        label=_("您对办理结果的评价"), choices=RATINGS, coerce=int, widget=forms.RadioSelect
    )
    rating_note = forms.CharField(label=_("意见"), max_length=300, required=False, widget=ROWS3)


class _Versioned(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)


class AssignForm(_Versioned):
    owner_unit = forms.TypedChoiceField(label=_("承办单位"), coerce=int)
    limit_days = forms.IntegerField(
        label=_("办理时限（工作日）"), min_value=1, max_value=60, required=False
    )

    def __init__(self, *args: Any, units: list[tuple[int, str]], default_days: int, **kw: Any):
        super().__init__(*args, **kw)
        unit = self.fields["owner_unit"]
        assert isinstance(unit, forms.TypedChoiceField)
        unit.choices = [("", _("请选择")), *units]
        self.fields["limit_days"].help_text = _("不填按本类默认%(n)s个工作日") % {"n": default_days}


class ContactForm(_Versioned):
    note = forms.CharField(
        label=_("对接情况"),
        max_length=2000,
        widget=ROWS3,
        help_text=_("何时以何种方式联系企业、企业的意见和下一步"),
    )


class CloseForm(_Versioned):
    outcome = forms.ChoiceField(
        label=_("办理结果"), choices=RequestOutcome.choices, widget=forms.RadioSelect
    )
    outcome_text = forms.CharField(
        label=_("办理情况"),
        max_length=2000,
        required=False,
        widget=ROWS3,
        help_text=_("无法解决的须写明原因"),
    )


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *RequestStatus.choices]
    )
    kind = forms.ChoiceField(
        label=_("类别"), required=False, choices=[("", _("全部")), *RequestKind.choices]
    )
    station = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    unit = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    overdue = forms.BooleanField(label=_("只看超期"), required=False)
    q = forms.CharField(label=_("编号或企业"), max_length=100, required=False)

    def filters(self) -> Filters:
        if not self.is_valid():
            return Filters()
        d = self.cleaned_data
        return Filters(
            status=d.get("status") or "",
            kind=d.get("kind") or "",
            station=d.get("station"),
            unit=d.get("unit"),
            overdue=bool(d.get("overdue")),
            q=(d.get("q") or "").strip(),
        )
