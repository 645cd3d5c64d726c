"""Forms of the office's review queue and the programme's review settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from shishi.core.forms import ServiceErrorsMixin
from shishi.ledger.forms import MAX_ID
from shishi.ledger.selectors import ReviewFilters

AGE_CHOICES = [("", _("不限")), ("3", _("3天以上")), ("7", _("7天以上")), ("14", _("14天以上"))]
PER_PAGE = 25


class ReviewQueryForm(forms.Form):
    """Filters of the queue. Bad values are dropped, never an error page."""

    programme = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    unit = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    category = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    age = forms.TypedChoiceField(required=False, choices=AGE_CHOICES, coerce=int, empty_value=None)


def parse_review_query(data: QueryDict) -> tuple[ReviewFilters, str]:
    form = ReviewQueryForm(data)
    form.is_valid()
    c: dict[str, Any] = form.cleaned_data
    filters = ReviewFilters(
        programme=c.get("programme"),
        unit=c.get("unit"),
        category=c.get("category"),
        min_age_days=c.get("age"),
    )
    return filters, str(data.get("page") or "1")[:12]


class PublishForm(forms.Form):
    updates = forms.TypedMultipleChoiceField(coerce=int, required=False)
    with_photos = forms.BooleanField(required=False)

    def __init__(self, data: QueryDict) -> None:
        super().__init__(data)
        field = self.fields["updates"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(v, v) for v in data.getlist("updates")]

    def clean_updates(self) -> list[int]:
        ids = self.cleaned_data["updates"]
        if any(not 1 <= pk <= MAX_ID for pk in ids):
            raise forms.ValidationError(_("所选进展编号无效，请刷新页面"))
        return list(ids)


class RejectForm(ServiceErrorsMixin, forms.Form):
    comment = forms.CharField(label=_("退回意见"), max_length=2000)


class ReviewSettingsForm(ServiceErrorsMixin, forms.Form):
    auto_publish = forms.BooleanField(label=_("单位进展自动公开（不经审核）"), required=False)
    evidence_step = forms.IntegerField(
        label=_("单次提升超过多少个百分点需附佐证"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("留空则不要求佐证；提高到100%时同样需要佐证"),
    )
