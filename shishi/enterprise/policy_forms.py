"""Forms of the policy library's pages: the policy (its conditions come as rows, read by
``condition_rows``), the search, the sheet upload."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from shishi.core.forms import ServiceErrorsMixin
from shishi.enterprise import industry
from shishi.enterprise.models import Benefit, ConditionKind, Level, Policy, PolicyStatus
from shishi.enterprise.policy_selectors import Filters
from shishi.enterprise.policy_services import MAX_CONDITIONS, ConditionRow, condition_words

BLANK_ROWS = 3
MIN_ROWS = 5


class PolicyForm(ServiceErrorsMixin, forms.Form):
    title = forms.CharField(label=_("政策名称"), max_length=300)
    doc_number = forms.CharField(label=_("文号"), max_length=100, required=False)
    issuer = forms.CharField(label=_("发文单位"), max_length=200, required=False)
    level = forms.ChoiceField(label=_("层级"), choices=Level.choices)
    benefit = forms.ChoiceField(label=_("支持方式"), choices=Benefit.choices)
    valid_from = forms.DateField(
        label=_("有效期自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("有效期至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    amount_text = forms.CharField(
        label=_("支持标准"),
        max_length=500,
        required=False,
        help_text=_("金额或计算方式，如“按研发投入的10%给予补助，最高50万元”"),
    )
    guide = forms.CharField(
        label=_("申报指南"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    materials = forms.CharField(
        label=_("申报材料"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    contact = forms.CharField(label=_("咨询电话和部门"), max_length=200, required=False)
    source_url = forms.CharField(label=_("原文链接"), max_length=500, required=False)
    source_file = forms.FileField(
        label=_("原文文件"),
        required=False,
        help_text=_("PDF、Word或图片"),
        widget=forms.FileInput(attrs={"accept": ".pdf,.doc,.docx,.wps,.jpg,.jpeg,.png,.webp"}),
    )
    remove_source_file = forms.BooleanField(label=_("删除原文文件"), required=False)
    no_apply = forms.BooleanField(
        label=_("免申即享"),
        required=False,
        help_text=_("符合条件的企业无需申请即可享受；所有条件都须是结构化条件"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def clean_source_url(self) -> str:
        return str(self.cleaned_data.get("source_url") or "").strip()


def initial_of(policy: Policy) -> dict[str, Any]:
    return {
        "title": policy.title,
        "doc_number": policy.doc_number,
        "issuer": policy.issuer,
        "level": policy.level,
        "benefit": policy.benefit,
        "valid_from": policy.valid_from,
        "valid_until": policy.valid_until,
        "amount_text": policy.amount_text,
        "guide": policy.guide,
        "materials": policy.materials,
        "contact": policy.contact,
        "source_url": policy.source_url,
        "no_apply": policy.no_apply,
        "version": policy.version,
    }


def condition_rows(data: QueryDict) -> list[ConditionRow]:
    """The rows ``c-kind-N`` / ``c-value-N`` of a posted form (N from 0, at most
    ``MAX_CONDITIONS`` + blank rows)."""
    try:
        count = int(data.get("condition_rows") or 0)
    except ValueError:
        count = 0
    count = max(0, min(count, MAX_CONDITIONS + BLANK_ROWS))
    return [
        ConditionRow(str(data.get(f"c-kind-{n}") or ""), str(data.get(f"c-value-{n}") or ""))
        for n in range(count)
    ]


def rows_of(policy: Policy, street_names: dict[int, str]) -> list[ConditionRow]:
    return [
        ConditionRow(c.kind, condition_words(c.kind, c.params, street_names))
        for c in policy.conditions.all().order_by("order", "id")
    ]


def padded(rows: list[ConditionRow]) -> list[ConditionRow]:
    """The rows with blank ones to add conditions in."""
    blanks = max(BLANK_ROWS, MIN_ROWS - len(rows))
    return rows + [ConditionRow("", "") for _n in range(blanks)]


KIND_CHOICES = [("", "—")] + [(k.value, str(k.label)) for k in ConditionKind]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    level = forms.ChoiceField(
        label=_("层级"), required=False, choices=[("", _("全部")), *list(Level.choices)]
    )
    benefit = forms.ChoiceField(
        label=_("支持方式"), required=False, choices=[("", _("全部")), *list(Benefit.choices)]
    )
    industry = forms.CharField(label=_("行业代码"), required=False, max_length=20)
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), *list(PolicyStatus.choices)],
    )

    def clean_q(self) -> str:
        return " ".join(str(self.cleaned_data.get("q") or "").split())

    def clean_industry(self) -> str:
        code = str(self.cleaned_data.get("industry") or "").strip()
        if not code:
            return ""
        try:
            return industry.normalize(code)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("政策库Excel文件（.xlsx）"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )


def filters_of(form: SearchForm) -> Filters:
    """The search's filters; a field with an error (an unknown industry code) is left out and
    its message shown beside it."""
    form.is_valid()
    data = {k: v for k, v in getattr(form, "cleaned_data", {}).items() if k not in form.errors}
    return Filters(
        q=str(data.get("q") or ""),
        level=str(data.get("level") or ""),
        benefit=str(data.get("benefit") or ""),
        industry=str(data.get("industry") or ""),
        status=str(data.get("status") or ""),
    )
