"""Forms of the office's landmark pages: a landmark (coordinates in a chosen datum), a photo,
a route (its stops come as rows ``stop-N``, read by ``stop_rows``), the word list, the
sheet upload and the counts' date range."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from shishi.core.forms import ServiceErrorsMixin
from shishi.education.landmark_selectors import MAX_RANGE_DAYS
from shishi.education.landmark_services import LandmarkInput, RouteInput
from shishi.education.models import Landmark, Route

DATUM_CHOICES = [
    ("wgs84", _("WGS-84（GPS、天地图、手机定位）")),
    ("gcj02", _("GCJ-02（高德地图、腾讯地图）")),
    ("bd09", _("BD-09（百度地图）")),
]
STOP_ROWS_MIN = 5
STOP_ROWS_BLANK = 2


class LandmarkForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=200)
    address = forms.CharField(label=_("地址"), max_length=300)
    datum = forms.ChoiceField(
        label=_("坐标系"),
        choices=DATUM_CHOICES,
        initial="wgs84",
        help_text=_("从哪种地图取的坐标就选哪种；保存时一律换算为WGS-84"),
    )
    lat = forms.DecimalField(
        label=_("纬度"),
        required=False,
        max_digits=16,
        decimal_places=12,
        help_text=_("十进制度数，如45.7567；不知道可先不填"),
    )
    lon = forms.DecimalField(
        label=_("经度"), required=False, max_digits=16, decimal_places=12, help_text=_("如126.6424")
    )
    opening_hours = forms.CharField(label=_("开放时间"), max_length=200, required=False)
    description = forms.CharField(
        label=_("简介"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    order = forms.IntegerField(label=_("排序"), required=False, min_value=0, max_value=100_000)
    is_sample = forms.BooleanField(
        label=_("示例"), required=False, help_text=_("演示用的示例地点，公开页面标注“示例”")
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def to_input(self) -> LandmarkInput:
        d = self.cleaned_data
        return LandmarkInput(
            name=d["name"],
            address=d["address"],
            lat=d.get("lat"),
            lon=d.get("lon"),
            datum=d.get("datum") or "wgs84",
            opening_hours=d.get("opening_hours") or "",
            description=d.get("description") or "",
            order=d.get("order"),
            is_sample=bool(d.get("is_sample")),
        )


def landmark_initial(landmark: Landmark) -> dict[str, Any]:
    return {
        "name": landmark.name,
        "address": landmark.address,
        "datum": "wgs84",
        "lat": landmark.lat,
        "lon": landmark.lon,
        "opening_hours": landmark.opening_hours,
        "description": landmark.description,
        "order": landmark.order,
        "is_sample": landmark.is_sample,
        "version": landmark.version,
    }


class PhotoForm(ServiceErrorsMixin, forms.Form):
    image = forms.FileField(
        label=_("照片"),
        help_text=_("JPG、PNG或WebP，不超过10MB"),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    caption = forms.CharField(label=_("说明"), max_length=200, required=False)


class RouteForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("线路名称"), max_length=200)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    description = forms.CharField(
        label=_("线路介绍"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


def stop_rows(data: QueryDict) -> list[str]:
    """The stops as sent (``stop-0``, ``stop-1``…), blanks dropped, in order."""
    rows: list[tuple[int, str]] = []
    for key in data:
        value = str(data.get(key) or "").strip()
        if key.startswith("stop-") and key[5:].isdigit() and value:
            rows.append((int(key[5:]), value))
    return [v for _n, v in sorted(rows)]


def stop_ids(rows: list[str]) -> list[int] | None:
    """The rows as landmark ids; ``None`` when one is not a number (a forged form)."""
    try:
        return [int(v) for v in rows]
    except ValueError:
        return None


def padded(ids: list[Any]) -> list[Any]:
    count = max(STOP_ROWS_MIN, len(ids) + STOP_ROWS_BLANK)
    return [*ids, *[""] * (count - len(ids))]


def route_input(form: RouteForm, ids: list[int]) -> RouteInput:
    d = form.cleaned_data
    return RouteInput(name=d["name"], description=d.get("description") or "", landmark_ids=ids)


def route_initial(route: Route) -> dict[str, Any]:
    return {"name": route.name, "description": route.description, "version": route.version}


class WordsForm(ServiceErrorsMixin, forms.Form):
    words = forms.CharField(
        label=_("添加敏感词"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一个；比较时不分大小写、全角半角，忽略空格"),
    )


class RangeForm(forms.Form):
    since = forms.DateField(
        label=_("自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    landmark = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until:
            if since > until:
                self.add_error("until", _("结束日期不能早于开始日期"))
            elif (until - since).days >= MAX_RANGE_DAYS:
                self.add_error("until", _("一次最多查看366天"))
        return data


def range_of(form: RangeForm, today: dt.date, days: int) -> tuple[dt.date, dt.date]:
    """The form's range, or the last ``days`` days (also for a bad form)."""
    if form.is_valid():
        until = form.cleaned_data.get("until") or today
        since = form.cleaned_data.get("since") or until - dt.timedelta(days=days - 1)
        if since <= until and (until - since).days < MAX_RANGE_DAYS:
            return since, until
    return today - dt.timedelta(days=days - 1), today
