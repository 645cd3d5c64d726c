"""The office pages' forms: the 12345 sheet and the outcomes' dates, an Open311 key's
name, the residents' texts' filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from shishi.core.errors import ValidationFailed
from shishi.core.forms import ServiceErrorsMixin
from shishi.demands import hotline_uploads
from shishi.demands.office_selectors import TEXT_PURPOSES, TEXT_STATUSES, TextFilters

MAX_EXPORT_DAYS = 366
XLSX_ACCEPT = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class HotlineUploadForm(ServiceErrorsMixin, forms.Form):
    file = forms.FileField(
        label=_("12345工单表（.xlsx）"),
        widget=forms.ClearableFileInput(attrs={"accept": XLSX_ACCEPT}),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        try:
            hotline_uploads.check_upload(upload)
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from exc
        return upload


class HotlineExportForm(forms.Form):
    start = forms.DateField(
        label=_("受理日期自"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("请填写开始日期"),
            "invalid": _("日期应写成如2026-11-01的形式"),
        },
    )
    end = forms.DateField(
        label=_("至"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("请填写结束日期"),
            "invalid": _("日期应写成如2026-11-30的形式"),
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: dt.date | None = data.get("start")
        end: dt.date | None = data.get("end")
        if start and end:
            if start.year < 2000 or end.year > 2100:
                self.add_error("start", _("日期应在2000年至2100年之间"))
            elif end < start:
                self.add_error("end", _("结束日期不能早于开始日期"))
            elif (end - start).days >= MAX_EXPORT_DAYS:
                self.add_error("end", _("一次最多导出%(days)s天") % {"days": MAX_EXPORT_DAYS})
        return data


class KeyForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        label=_("名称"),
        max_length=100,
        help_text=_("用谁的系统，如“城市管家App”"),
        error_messages={"required": _("请填写密钥名称")},
    )


class TextFilterForm(forms.Form):
    """The texts page's filters from the query string; what does not parse is dropped and
    named on the page."""

    jurisdiction = forms.CharField(required=False, max_length=12)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *TEXT_STATUSES.items()]
    )
    purpose = forms.ChoiceField(
        label=_("用途"), required=False, choices=[("", _("全部")), *TEXT_PURPOSES.items()]
    )

    def filters(self) -> TextFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return TextFilters(status=data.get("status") or "", purpose=data.get("purpose") or "")

    def dropped(self) -> list[str]:
        """The labels of the filters that did not parse (left out)."""
        self.is_valid()
        return [str(self.fields[name].label or name) for name in self.errors if name in self.fields]
