"""The staff's forms of demands: the queue's filters, one form per workflow action, the
office's category form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shishi.core.forms import ServiceErrorsMixin
from shishi.demands.category_services import CategoryInput
from shishi.demands.models import Satisfaction, Status, Urgency
from shishi.demands.selectors import QueueFilters

Choices = list[tuple[Any, str]]
MAX_ID = 2**31 - 1
ROWS3 = forms.Textarea(attrs={"rows": 3})


def _with_blank(choices: Any, label: str = "全部") -> Choices:
    return [("", label), *list(choices)]


class QueueFilterForm(forms.Form):
    """The queue's filters from the query string; what does not parse is dropped (the page
    says so) and the rest still filters. The selects are drawn from the page's choices."""

    tab = forms.CharField(required=False, max_length=20)
    jurisdiction = forms.CharField(required=False, max_length=12)
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=_with_blank(Status.choices))
    category = forms.IntegerField(label=_("分类"), required=False, min_value=1, max_value=MAX_ID)
    unit = forms.IntegerField(label=_("承办单位"), required=False, min_value=1, max_value=MAX_ID)
    street = forms.IntegerField(label=_("街道"), required=False, min_value=1, max_value=MAX_ID)
    urgency = forms.ChoiceField(
        label=_("紧急程度"), required=False, choices=_with_blank(Urgency.choices)
    )
    overdue = forms.BooleanField(label=_("只看超时"), required=False)

    def filters(self) -> QueueFilters:
        """The filters that parsed (a field with an error is left out)."""
        self.is_valid()
        c = self.cleaned_data
        return QueueFilters(
            tab=c.get("tab") or "",
            status=c.get("status") or "",
            category=c.get("category"),
            unit=c.get("unit"),
            street=c.get("street"),
            overdue=bool(c.get("overdue")),
            urgency=c.get("urgency") or "",
            q=c.get("q") or "",
            jurisdiction=c.get("jurisdiction") or "",
        )


class ActionForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DispatchForm(ActionForm):
    unit = forms.TypedChoiceField(label=_("承办单位"), coerce=int)
    note = forms.CharField(label=_("派单说明"), required=False, max_length=2000, widget=ROWS3)

    def __init__(self, *args: Any, units: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = units


class AcceptForm(ActionForm):
    pass


class SendBackForm(ActionForm):
    reason = forms.CharField(label=_("退单理由"), max_length=2000, widget=ROWS3)


class ResolveForm(ActionForm):
    reply = forms.CharField(
        label=_("答复内容"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("办理结果，将以短信告知群众"),
    )


class CallBackForm(ActionForm):
    satisfaction = forms.ChoiceField(
        label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("回访记录"), required=False, max_length=2000, widget=ROWS3)


class CloseForm(ActionForm):
    note = forms.CharField(
        label=_("回访情况"),
        max_length=2000,
        widget=ROWS3,
        help_text=_("联系不上群众时，写明何时以何种方式回访过"),
    )


class ReopenForm(ActionForm):
    reason = forms.CharField(label=_("重办理由"), max_length=2000, widget=ROWS3)


class ExtendForm(ActionForm):
    workdays = forms.IntegerField(label=_("延长工作日"), min_value=1, max_value=60)
    reason = forms.CharField(label=_("延期理由"), max_length=2000, widget=ROWS3)


class RequestExtensionForm(ActionForm):
    workdays = forms.IntegerField(label=_("申请延长工作日"), min_value=1, max_value=60)
    reason = forms.CharField(
        label=_("延期理由"),
        max_length=2000,
        widget=ROWS3,
        help_text=_("如需协调多个部门、等待施工条件"),
    )


class DecideExtensionForm(ActionForm):
    decision = forms.ChoiceField(
        label=_("审批"),
        choices=[("approve", _("同意延期")), ("refuse", _("不同意"))],
        widget=forms.RadioSelect,
    )
    workdays = forms.IntegerField(
        label=_("同意延长工作日"),
        min_value=1,
        max_value=60,
        required=False,
        help_text=_("不填即按申请的天数"),
    )
    note = forms.CharField(
        label=_("审批意见"),
        max_length=2000,
        required=False,
        widget=ROWS3,
        help_text=_("不同意时必须写明理由"),
    )


class AppealForm(ActionForm):
    reason = forms.CharField(
        label=_("申诉理由"),
        max_length=2000,
        widget=ROWS3,
        help_text=_("如不属本单位职责、恶意诉求、重复诉求"),
    )


class RuleForm(ActionForm):
    verdict = forms.ChoiceField(
        label=_("裁定"),
        choices=[("upheld", _("申诉成立，不纳入考核")), ("rejected", _("申诉不成立"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("裁定理由"), max_length=2000, widget=ROWS3)


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "dispatch": DispatchForm,
    "accept": AcceptForm,
    "send_back": SendBackForm,
    "resolve": ResolveForm,
    "call_back": CallBackForm,
    "close": CloseForm,
    "reopen": ReopenForm,
    "extend": ExtendForm,
    "request_extension": RequestExtensionForm,
    "decide_extension": DecideExtensionForm,
    "appeal": AppealForm,
    "rule": RuleForm,
}


class CategoryForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    code = forms.CharField(
        label=_("代码"), max_length=40, help_text=_("如 streetlight；本区内唯一")
    )
    parent = forms.TypedChoiceField(
        label=_("上级分类"), coerce=int, required=False, empty_value=None
    )
    lead_unit = forms.TypedChoiceField(
        label=_("默认承办单位"), coerce=int, required=False, empty_value=None
    )
    accept_hours_urgent = forms.IntegerField(label=_("紧急诉求签收时限（小时）"), initial=1)
    accept_workdays = forms.IntegerField(label=_("签收时限（工作日）"), initial=1)
    resolve_hours_urgent = forms.IntegerField(label=_("紧急诉求办理时限（小时）"), initial=24)
    resolve_workdays = forms.IntegerField(label=_("办理时限（工作日）"), initial=7)
    auto_dispatch = forms.BooleanField(
        label=_("自动派单"), required=False, help_text=_("受理后直接派给默认承办单位")
    )
    open311 = forms.BooleanField(
        label=_("开放给Open311"), required=False, help_text=_("只开放设施、道路等公共问题类")
    )
    order = forms.IntegerField(label=_("排序"), initial=0)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, parents: Choices, units: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = _with_blank(parents, "（无）")
        self.fields["lead_unit"].choices = _with_blank(units, "（无）")

    def category_input(self) -> CategoryInput:
        c = self.cleaned_data
        return CategoryInput(
            name=c["name"],
            code=c["code"],
            parent_id=c.get("parent"),
            lead_unit_id=c.get("lead_unit"),
            accept_hours_urgent=c["accept_hours_urgent"],
            accept_workdays=c["accept_workdays"],
            resolve_hours_urgent=c["resolve_hours_urgent"],
            resolve_workdays=c["resolve_workdays"],
            auto_dispatch=bool(c.get("auto_dispatch")),
            open311=bool(c.get("open311")),
            order=c["order"],
            is_active=bool(c.get("is_active")),
        )


def category_initial(category: Any) -> dict[str, Any]:
    return {
        "name": category.name,
        "code": category.code,
        "parent": category.parent_id,
        "lead_unit": category.lead_unit_id,
        "accept_hours_urgent": category.accept_hours_urgent,
        "accept_workdays": category.accept_workdays,
        "resolve_hours_urgent": category.resolve_hours_urgent,
        "resolve_workdays": category.resolve_workdays,
        "auto_dispatch": category.auto_dispatch,
        "open311": category.open311,
        "order": category.order,
        "is_active": category.is_active,
    }
