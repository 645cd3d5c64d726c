"""Forms of the party organisation and publicity pages: thin, the services validate. Each
edit form carries what it was loaded with (``version``, or ``stamp`` where the record has
no version: organisations and columns)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shishi.core.forms import ServiceErrorsMixin
from shishi.education.models import Channel, MediaLevel
from shishi.education.publicity_services import MAX_SCREENS, MAX_VIEWS

MAX_ID = 2**31 - 1
XLSX_ACCEPT = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrgForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=200)
    members = forms.IntegerField(label=_("党员数"), min_value=0, max_value=10_000_000)
    stamp = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)


class StampForm(forms.Form):
    """A removal: the stamp (or version) the page was loaded with."""

    stamp = forms.CharField(required=False, max_length=40)
    version = forms.IntegerField(required=False, min_value=0, max_value=MAX_ID)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Excel文件（.xlsx）"),
        widget=forms.ClearableFileInput(attrs={"accept": XLSX_ACCEPT}),
    )


class ChannelForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Channel.Kind.choices)
    name = forms.CharField(label=_("名称"), max_length=200)
    account = forms.CharField(label=_("账号"), max_length=100, required=False)
    unit = forms.TypedChoiceField(
        label=_("主办单位"), coerce=int, empty_value=None, required=False, choices=()
    )
    screens = forms.IntegerField(
        label=_("屏幕数"),
        min_value=0,
        max_value=MAX_SCREENS,
        required=False,
        help_text=_("只有LED屏填写"),
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args: Any, units: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—"), *units]


class ColumnForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("栏目名称"), max_length=100)
    opened_on = forms.DateField(label=_("开设日期"), required=False, widget=_date_widget())
    stamp = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)


class PostForm(ServiceErrorsMixin, forms.Form):
    channel = forms.TypedChoiceField(label=_("宣传阵地"), coerce=int, choices=())
    column = forms.TypedChoiceField(
        label=_("栏目"), coerce=int, empty_value=None, required=False, choices=()
    )
    title = forms.CharField(label=_("标题"), max_length=300)
    published_on = forms.DateField(label=_("发布日期"), widget=_date_widget())
    link = forms.CharField(label=_("链接"), max_length=500, required=False)
    views = forms.IntegerField(label=_("阅读量"), min_value=0, max_value=MAX_VIEWS, initial=0)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(
        self,
        *args: Any,
        channels: Sequence[tuple[int, str]] = (),
        columns: Sequence[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", "—"), *channels]
        self.fields["column"].choices = [("", "—"), *columns]


class MediaForm(ServiceErrorsMixin, forms.Form):
    outlet = forms.CharField(label=_("媒体"), max_length=100)
    level = forms.ChoiceField(label=_("级别"), choices=MediaLevel.choices)
    title = forms.CharField(label=_("标题"), max_length=300)
    published_on = forms.DateField(label=_("刊发日期"), widget=_date_widget())
    link = forms.CharField(label=_("链接"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("开始日期"), required=False, widget=_date_widget())
    end = forms.DateField(label=_("结束日期"), required=False, widget=_date_widget())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("结束日期不能早于开始日期"))
        elif start and end and (end - start).days > 3660:
            self.add_error("end", _("一次最多统计十年"))
        return data


def period_of(form: PeriodForm) -> tuple[dt.date, dt.date]:
    """The period asked for; this year to today by default or when the form is wrong."""
    today = timezone.localdate()
    start, end = dt.date(today.year, 1, 1), today
    if form.is_valid():
        start = form.cleaned_data.get("start") or start
        end = form.cleaned_data.get("end") or end
        if start > end:
            start = dt.date(end.year, 1, 1)
    return start, end
