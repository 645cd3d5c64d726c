"""The forms of briefings (简报专刊) and circulars (通报): thin, the services validate."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shishi.core.forms import ServiceErrorsMixin
from shishi.ledger.models import Item
from shishi.reports import briefings
from shishi.reports.models import ReportVersion

BRIEFING_ACTIONS = (
    "add_article",
    "save_article",
    "remove_article",
    "add_photo",
    "remove_photo",
    "publish",
    "public",
    "delete",
)


class VersionForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class NewBriefingForm(ServiceErrorsMixin, forms.Form):
    title = forms.CharField(label=_("本期标题"), max_length=200, required=False)
    report_version = forms.ModelChoiceField(
        label=_("从汇编报告开始（可选）"),
        queryset=ReportVersion.objects.none(),
        required=False,
        help_text=_("报告的总体情况和各栏目成为文章草稿"),
    )
    items = forms.ModelMultipleChoiceField(
        label=_("事项故事（可选）"),
        queryset=Item.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("每个事项最近一条公开进展和公开照片成为一篇文章；最多10个"),
    )

    def __init__(self, jurisdiction_id: int, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        versions = briefings.report_version_choices(jurisdiction_id)
        field = self.fields["report_version"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = versions
        field.label_from_instance = lambda v: (  # type: ignore[assignment,method-assign]
            f"{v.report.period.cycle.name} {v.report.period.label} 第{v.seq}版"
        )
        items = self.fields["items"]
        assert isinstance(items, forms.ModelMultipleChoiceField)
        items.queryset = briefings.story_choices(jurisdiction_id)
        items.label_from_instance = lambda i: f"{i.number} {i.name}"  # type: ignore[assignment,method-assign]


class ArticleForm(VersionForm):
    heading = forms.CharField(label=_("标题"), max_length=200)
    text = forms.CharField(
        label=_("正文"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )


class PhotoForm(VersionForm):
    photo = forms.FileField(label=_("照片"), help_text=_("JPEG、PNG 或 WebP 照片"))
    caption = forms.CharField(label=_("图片说明"), max_length=200, required=False)


class PublishForm(VersionForm):
    is_public = forms.BooleanField(
        label=_("公开"), required=False, help_text=_("勾选后在进度公开网站发布本期简报")
    )


class CircularTextForm(VersionForm):
    text = forms.CharField(
        label=_("通报正文"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("写在通报开头；滞后、逾期事项和迟报、未报单位由系统按本期数据列出"),
    )
