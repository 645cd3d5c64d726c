"""The booking pages' forms: search and inline registration, the booking itself, the
list's filters, the actions on a booking, and the public booking and look-up."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shishi.appointments.booking_selectors import Filters
from shishi.appointments.models import BookingStatus, Channel
from shishi.core.forms import ServiceErrorsMixin

Choices = list[tuple[Any, str]]
MAX_ID = 2**31 - 1
ROWS3 = forms.Textarea(attrs={"rows": 3})
# A resident's booking by the operator or on the resident's behalf; an enterprise's by the
# operator or its contact.
OPERATOR_CHANNELS = [
    (c.value, c.label) for c in (Channel.OPERATOR, Channel.FAMILY, Channel.GRID_WORKER)
]
ENTERPRISE_CHANNELS = [(c.value, c.label) for c in (Channel.OPERATOR, Channel.ENTERPRISE)]


def _with_blank(choices: Any, label: str = "全部") -> Choices:
    return [("", label), *list(choices)]


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("手机号码、固定电话或身份证号"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )


class RegisterForm(ServiceErrorsMixin, forms.Form):
    """A person not found: registered inline; the eligibility answer follows the ID number
    as it is typed (htmx, the same ``eligibility.evaluate`` as the API)."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("居民身份证号"), max_length=30)
    phone = forms.CharField(label=_("手机号码"), max_length=20, required=False)
    landline = forms.CharField(label=_("固定电话"), max_length=24, required=False)
    address = forms.CharField(label=_("住址"), max_length=300, required=False)
    disability_certificate = forms.BooleanField(label=_("持有残疾人证"), required=False)

    def __init__(self, *args: Any, check_url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if check_url:
            self.fields["id_number"].widget.attrs.update(
                {
                    "autocomplete": "off",
                    "hx-post": check_url,
                    "hx-trigger": "keyup changed delay:300ms, change",
                    "hx-target": "#eligibility",
                    "hx-swap": "outerHTML",
                    "hx-vals": '{"action": "eligibility"}',
                }
            )


class BookForm(ServiceErrorsMixin, forms.Form):
    resident = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    slot = forms.TypedChoiceField(label=_("预约时段"), coerce=int, widget=forms.RadioSelect)
    channel = forms.ChoiceField(label=_("预约方式"), choices=OPERATOR_CHANNELS)
    confirmed = forms.MultipleChoiceField(
        label=_("已询问确认的条件"), required=False, widget=forms.CheckboxSelectMultiple
    )
    proxy_name = forms.CharField(label=_("代约人"), max_length=50, required=False)
    proxy_relation = forms.CharField(
        label=_("与本人关系"), max_length=20, required=False, help_text=_("如：儿子、网格员")
    )
    proxy_phone = forms.CharField(label=_("代约人手机"), max_length=20, required=False)
    notify_phone = forms.CharField(
        label=_("短信通知号码"),
        max_length=20,
        required=False,
        help_text=_("默认发到本人手机（没有时发到代约人手机）"),
    )
    address = forms.CharField(label=_("服务地址"), max_length=300, required=False)
    request = forms.CharField(
        label=_("需办理的事项"), max_length=2000, required=False, widget=ROWS3
    )
    staff = forms.TypedChoiceField(
        label=_("服务人员"), coerce=int, required=False, empty_value=None
    )

    def __init__(
        self,
        *args: Any,
        slots: Choices,
        to_confirm: list[str],
        staff: Choices,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = slots
        self.fields["confirmed"].choices = [(t, t) for t in to_confirm]
        self.fields["staff"].choices = _with_blank(staff, "暂不指派")


class EnterpriseBookForm(BookForm):
    """A service delivered at enterprises: the enterprise and its contact instead of a
    resident."""

    resident = forms.IntegerField(widget=forms.HiddenInput, required=False)
    channel = forms.ChoiceField(label=_("预约方式"), choices=ENTERPRISE_CHANNELS)
    enterprise_name = forms.CharField(label=_("企业名称"), max_length=200)
    enterprise_uscc = forms.CharField(label=_("统一社会信用代码"), max_length=30)
    contact_name = forms.CharField(label=_("联系人"), max_length=50)


class FilterForm(forms.Form):
    """The list's filters from the query string; what does not parse is dropped."""

    jurisdiction = forms.CharField(required=False, max_length=12)
    day = forms.DateField(label=_("日期"), required=False)
    service = forms.IntegerField(label=_("服务"), required=False, min_value=1, max_value=MAX_ID)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=_with_blank(BookingStatus.choices)
    )
    staff = forms.IntegerField(label=_("服务人员"), required=False, min_value=1, max_value=MAX_ID)

    def filters(self) -> Filters:
        self.is_valid()
        c = self.cleaned_data
        return Filters(
            day=c.get("day"),
            service=c.get("service"),
            status=c.get("status") or "",
            staff=c.get("staff"),
            jurisdiction=c.get("jurisdiction") or "",
        )


class ActionForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, max_value=MAX_ID)


class AssignForm(ActionForm):
    staff = forms.TypedChoiceField(
        label=_("服务人员"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, staff: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = _with_blank(staff, "不指派")


class RescheduleForm(ActionForm):
    slot = forms.TypedChoiceField(label=_("改到"), coerce=int)

    def __init__(self, *args: Any, slots: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = slots


class CancelForm(ActionForm):
    reason = forms.CharField(label=_("取消原因"), max_length=200)


class NoShowForm(ActionForm):
    reason = forms.CharField(
        label=_("未能服务的原因"), max_length=200, required=False, help_text=_("如：家中无人")
    )


# --- public ----------------------------------------------------------------------------------


class PublicBookForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("居民身份证号"), max_length=30)
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    slot = forms.TypedChoiceField(label=_("预约时段"), coerce=int, widget=forms.RadioSelect)
    confirmed = forms.MultipleChoiceField(
        label=_("符合以下条件（上门时核实）"), required=False, widget=forms.CheckboxSelectMultiple
    )
    address = forms.CharField(label=_("服务地址"), max_length=300, required=False)
    request = forms.CharField(
        label=_("需办理的事项"), max_length=2000, required=False, widget=ROWS3
    )

    def __init__(self, *args: Any, slots: Choices, to_confirm: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = slots
        self.fields["confirmed"].choices = [(t, t) for t in to_confirm]


class PublicEnterpriseForm(PublicBookForm):
    """An enterprise contact books a service delivered at enterprises."""

    name = forms.CharField(label=_("联系人"), max_length=50)
    id_number = forms.CharField(required=False, max_length=30, widget=forms.HiddenInput)
    enterprise_name = forms.CharField(label=_("企业名称"), max_length=200)
    enterprise_uscc = forms.CharField(label=_("统一社会信用代码"), max_length=30)
    address = forms.CharField(label=_("企业地址"), max_length=300)


class LookupForm(forms.Form):
    number = forms.CharField(label=_("预约号"), max_length=20)
    tail = forms.RegexField(
        label=_("手机号码后四位"),
        regex=r"^\d{4}$",
        max_length=4,
        error_messages={"invalid": _("请填写接收短信的手机号码后四位")},
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )


class PublicCancelForm(LookupForm):
    reason = forms.CharField(label=_("取消原因"), max_length=200)
