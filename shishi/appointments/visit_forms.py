"""The visit page's forms: the visit record and the business opened on the spot."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shishi.appointments.models import OPENING_STEPS, Matter, Outcome, Satisfaction
from shishi.core.forms import ServiceErrorsMixin
from shishi.ledger.forms import MultipleFileField

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"


class VisitForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("办理结果"),
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择办理结果")},
    )
    matters = forms.MultipleChoiceField(
        label=_("办理的事项"), required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(
        label=_("情况说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = MultipleFileField(
        label=_("照片（最多9张）"), required=False, help_text=_("JPEG、PNG或WebP图片")
    )
    confirmed_by = forms.CharField(
        label=_("确认人"),
        required=False,
        max_length=50,
        help_text=_("本人或在场家属的姓名"),
    )
    satisfaction = forms.ChoiceField(
        label=_("满意度"),
        required=False,
        choices=[("", _("未评价")), *Satisfaction.choices],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, matters: list[Matter], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["matters"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(str(m.pk), m.name) for m in matters]
        self.fields["photos"].widget.attrs["accept"] = PHOTO_ACCEPT


class OpeningForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    business_name = forms.CharField(
        label=_("企业名称"), max_length=200, error_messages={"required": _("请填写企业名称")}
    )
    uscc = forms.CharField(
        label=_("统一社会信用代码"),
        required=False,
        max_length=40,
        help_text=_("18位；领取营业执照后再补填也可以"),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    steps = forms.MultipleChoiceField(
        label=_("现场办结的开办事项"),
        required=False,
        choices=list(OPENING_STEPS),
        widget=forms.CheckboxSelectMultiple,
    )
    pack_given_on = forms.DateField(
        label=_("开业大礼包发放日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("日期应写成如2026-11-01的形式")},
    )
    pack_items = forms.CharField(label=_("礼包内容"), required=False, max_length=300)
