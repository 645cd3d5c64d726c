"""Forms of the study pages: an activity (entering and correcting), the lists' filters, the
office's return note and bulk approval, the campaign's targets."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shishi.core.forms import ServiceErrorsMixin
from shishi.education.models import CampaignLine, StudyActivity, StudyKind
from shishi.education.study_selectors import Choices, Filters, month_bounds
from shishi.education.study_services import ActivityInput
from shishi.ledger.forms import MultipleFileField

MAX_ID = 2**31 - 1
LINE_CHOICES = [("", _("不属于十百千万")), *CampaignLine.choices]


class ActivityForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("学习方式"), choices=StudyKind.choices)
    line = forms.ChoiceField(label=_("十百千万"), choices=LINE_CHOICES, required=False)
    landmark = forms.TypedChoiceField(
        label=_("红色地标"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("参观见学或走进红色教育基地时可选本区的红色地标"),
    )
    title = forms.CharField(label=_("活动名称"), max_length=200)
    unit = forms.TypedChoiceField(label=_("组织单位"), coerce=int)
    speaker = forms.CharField(
        label=_("主讲人"),
        max_length=100,
        required=False,
        help_text=_("专家巡回宣讲、书记讲党课、老党员讲红色故事按主讲人计数，必填"),
    )
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    held_on = forms.DateField(
        label=_("活动日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    participants = forms.IntegerField(label=_("参加人数"), min_value=0, max_value=1_000_000)
    participant_names = forms.CharField(
        label=_("参加人员名单"),
        required=False,
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("可选，每行一个姓名；填写后参加人数不能少于名单人数"),
    )
    summary = forms.CharField(
        label=_("活动简介"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    photos = MultipleFileField(
        label=_("活动照片"),
        required=False,
        help_text=_("JPG、PNG或WebP图片，每个活动最多9张"),
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=MAX_ID
    )

    def __init__(self, *args: Any, units: Choices, landmarks: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        assert isinstance(unit, forms.TypedChoiceField)
        unit.choices = [("", _("请选择")), *units]
        landmark = self.fields["landmark"]
        assert isinstance(landmark, forms.TypedChoiceField)
        landmark.choices = [("", _("不选")), *landmarks]
        held_on = self.fields["held_on"]
        held_on.widget.attrs["max"] = timezone.localdate().isoformat()

    def to_input(self, remove_photo_ids: list[int] | None = None) -> ActivityInput:
        d = self.cleaned_data
        return ActivityInput(
            kind=d["kind"],
            line=d.get("line") or "",
            landmark_id=d.get("landmark"),
            title=d["title"],
            unit_id=d["unit"],
            speaker=d.get("speaker") or "",
            place=d.get("place") or "",
            held_on=d["held_on"],
            participants=d["participants"],
            participant_names=d.get("participant_names") or "",
            summary=d.get("summary") or "",
            photos=d.get("photos") or [],
            remove_photo_ids=remove_photo_ids or [],
        )


def initial_of(activity: StudyActivity) -> dict[str, Any]:
    return {
        "kind": activity.kind,
        "line": activity.line,
        "landmark": activity.landmark_id,
        "title": activity.title,
        "unit": activity.unit_id,
        "speaker": activity.speaker,
        "place": activity.place,
        "held_on": activity.held_on,
        "participants": activity.participants,
        "participant_names": activity.participant_names,
        "summary": activity.summary,
        "version": activity.version,
    }


def remove_ids(data: Any) -> list[int]:
    out = []
    for raw in data.getlist("remove_photo")[:50]:
        try:
            out.append(int(raw))
        except (TypeError, ValueError):
            continue
    return out


class FilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("学习方式"), choices=[("", _("全部")), *StudyKind.choices], required=False
    )
    line = forms.ChoiceField(
        label=_("十百千万"),
        choices=[("", _("全部")), ("none", _("不属于十百千万")), *CampaignLine.choices],
        required=False,
    )
    unit = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    month = forms.CharField(label=_("月份"), required=False, max_length=7)
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[("", _("全部")), *StudyActivity.Status.choices],
        required=False,
    )

    def clean_month(self) -> str:
        month = (self.cleaned_data.get("month") or "").strip()
        if month and month_bounds(month) is None:
            raise forms.ValidationError(_("月份格式应为 2026-05"))
        return month

    def filters(self, *, status: str | None = None) -> Filters:
        """The valid filters (an invalid one is left out, so a list never fails)."""
        self.is_valid()
        c = getattr(self, "cleaned_data", {})
        return Filters(
            kind=c.get("kind") or "",
            line=c.get("line") or "",
            unit=c.get("unit"),
            month=c.get("month") or "",
            status=status if status is not None else (c.get("status") or ""),
        )


class ReturnForm(ServiceErrorsMixin, forms.Form):
    note = forms.CharField(
        label=_("退回原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)


def year_of(raw: str | None) -> int:
    try:
        year = int(raw or "")
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


class TargetForm(ServiceErrorsMixin, forms.Form):
    line = forms.ChoiceField(label=_("十百千万"), choices=CampaignLine.choices)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    target = forms.IntegerField(label=_("目标"), min_value=0, max_value=10_000_000)
    unit = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_ID)
