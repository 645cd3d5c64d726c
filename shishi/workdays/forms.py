"""The calendar's forms and the parsing of its URL parameters."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shishi.core.errors import ValidationFailed
from shishi.core.forms import ServiceErrorsMixin
from shishi.workdays.models import DayKind
from shishi.workdays.services import check_year

# 年 月 日 and the full-width separators ，、； written as escapes (the punctuation lint reads
# a half-width mark beside a Chinese character as a typo).
_SEPARATORS = re.compile(r"[\s,;\uff0c\u3001\uff1b]+")
_FULL = re.compile(r"^(\d{4})[-/.\u5e74](\d{1,2})[-/.\u6708](\d{1,2})\u65e5?$")
_SHORT = re.compile(r"^(\d{1,2})[-/.\u6708](\d{1,2})\u65e5?$")

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def parse_day_list(text: str, year: int) -> list[dt.date]:
    """``"2027-02-07、2月20日"`` → dates (a month and day without a year are in ``year``);
    raises ``forms.ValidationError`` naming the first bad part."""
    days = []
    for part in _SEPARATORS.split(unicodedata.normalize("NFKC", text).strip()):
        if not part:
            continue
        full, short = _FULL.match(part), _SHORT.match(part)
        try:
            if full:
                days.append(dt.date(*(int(g) for g in full.groups())))
            elif short:
                days.append(dt.date(year, int(short.group(1)), int(short.group(2))))
            else:
                raise ValueError
        except ValueError:
            raise forms.ValidationError(
                _("「%(part)s」不是日期（如%(year)s-02-07或2月7日）") % {"part": part, "year": year}
            ) from None
    return days


class HolidayForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("节日名称"), max_length=100, help_text=_("如：春节"))
    first_day = forms.DateField(label=_("放假开始"), widget=DATE_WIDGET)
    last_day = forms.DateField(
        label=_("放假结束"), required=False, widget=DATE_WIDGET, help_text=_("只放一天可不填")
    )
    workdays = forms.CharField(
        label=_("调休上班日期"),
        required=False,
        help_text=_("周六或周日上班的日期，多个用顿号或逗号隔开，如：2月7日、2月20日"),
    )
    notice = forms.CharField(
        label=_("通知文号"),
        required=False,
        max_length=200,
        help_text=_("可不填，如：国办发明电〔2026〕7号"),
    )

    def __init__(self, *args: Any, year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.year = year

    def clean_workdays(self) -> list[dt.date]:
        return parse_day_list(self.cleaned_data.get("workdays") or "", self.year)


class LocalDayForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=DayKind.choices, initial=DayKind.OFF)
    first_day = forms.DateField(label=_("日期"), widget=DATE_WIDGET)
    last_day = forms.DateField(
        label=_("至"), required=False, widget=DATE_WIDGET, help_text=_("连续多天时填写，一天可不填")
    )
    name = forms.CharField(label=_("事由"), max_length=100, help_text=_("如：防汛值班、区运动会"))


class ImportForm(ServiceErrorsMixin, forms.Form):
    file = forms.FileField(
        label=_("文件"), help_text=_("Excel（.xlsx）或CSV，列：日期、类型（放假/上班）、名称")
    )
    notice = forms.CharField(label=_("通知文号"), required=False, max_length=200)


def parse_year(value: Any) -> int:
    """A year from a URL or query; a bad one is a clear 400."""
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed("年度不对", {"year": "年度不对"}) from None
    check_year(year)
    return year


def parse_year_or_this(value: Any) -> int:
    if value in (None, ""):
        return timezone.localdate().year
    return parse_year(value)


def parse_date(value: Any, field: str = "date") -> dt.date:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(
            "日期不对（应为2027-01-01这样的日期）", {field: "日期不对"}
        ) from None
