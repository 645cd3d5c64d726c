"""The board's query parameters and the warning-rules form.

A bad parameter (a date that is not YYYY-MM-DD, a unit that is not a number) raises
``ValidationFailed`` with a message the user can act on; the views show it on a 400 page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from shishi.board.models import THRESHOLD_FIELDS, WarningThresholds
from shishi.core.errors import ValidationFailed
from shishi.core.forms import ServiceErrorsMixin

MAX_PAGE = 10_000


def parse_date(raw: str | None, key: str = "as_of") -> dt.date | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            f"日期格式不正确：{text[:20]}（应为 YYYY-MM-DD，如 2021-06-30）",
            {key: "日期格式不正确"},
        ) from None


def parse_id(raw: str | None, key: str) -> int | None:
    text = (raw or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 12:
        raise ValidationFailed(f"参数 {key} 应为数字", {key: "应为数字"})
    return int(text)


def parse_page(raw: str | None) -> int:
    text = (raw or "").strip()
    if not text:
        return 1
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
        raise ValidationFailed(f"页码无效：{text[:12]}", {"page": "页码无效"})
    return int(text)


@dataclass(frozen=True)
class BoardQuery:
    """Which board: the whole programme, one lead unit or one sponsor leader, as of a day."""

    unit: int | None = None
    leader: int | None = None
    as_of: dt.date | None = None


def parse_board_query(data: Mapping[str, str]) -> BoardQuery:
    return BoardQuery(
        unit=parse_id(data.get("unit"), "unit"),
        leader=parse_id(data.get("leader"), "leader"),
        as_of=parse_date(data.get("as_of")),
    )


def parse_year(raw: str | None) -> int | None:
    text = (raw or "").strip()
    if not text:
        return None
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise ValidationFailed(f"年度无效：{text[:12]}", {"year": "年度无效"})
    return int(text)


def _model_field(name: str) -> models.Field[Any, Any]:
    field = WarningThresholds._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def _bounds(name: str) -> tuple[int, int | None]:
    low, high = 0, None
    for v in _model_field(name).validators:
        if isinstance(v, MinValueValidator):
            low = int(v.limit_value)
        elif isinstance(v, MaxValueValidator):
            high = int(v.limit_value)
    return low, high


HELP = {
    "behind_points": _("完成率落后序时进度超过该百分点为“滞后”（黄灯）"),
    "seriously_behind_points": _("落后超过该百分点为“严重滞后”（红灯）"),
    "ahead_points": _("领先序时进度超过该百分点为“超序时进度”"),
    "stale_yellow_days": _("超过该天数未更新进展亮黄灯"),
    "stale_red_days": _("超过该天数未更新进展亮红灯"),
    "not_started_yellow_months": _("计划开工月份过后该月数仍未开工亮黄灯"),
    "not_started_red_months": _("计划开工月份过后该月数仍未开工亮红灯"),
    "forecast_window_days": _("按最近该天数的进展速度预测完成日期"),
}


class ThresholdsForm(ServiceErrorsMixin, forms.Form):
    """The programme's warning rules; the service checks them again, with the version."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, disabled: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in THRESHOLD_FIELDS:
            model_field = _model_field(name)
            low, high = _bounds(name)
            self.fields[name] = forms.IntegerField(
                label=str(model_field.verbose_name),
                min_value=low,
                max_value=high,
                help_text=f"{HELP.get(name, '')}({low}–{high})",
                disabled=disabled,
            )
        self.order_fields([*THRESHOLD_FIELDS, "version"])

    def values(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name in THRESHOLD_FIELDS}


def thresholds_initial(row: WarningThresholds) -> dict[str, Any]:
    return {**{name: getattr(row, name) for name in THRESHOLD_FIELDS}, "version": row.version}
