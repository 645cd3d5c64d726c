"""The submission form: one row per item, the cycle's sections and figures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shishi.core.forms import ServiceErrorsMixin
from shishi.reports.selectors import SubmissionPage
from shishi.reports.services import Draft, RowInput

ACTIONS = ("save", "submit", "sign_off")


def row_field(item_id: int, name: str) -> str:
    return f"rows-{item_id}-{name}"


class SubmissionForm(ServiceErrorsMixin, forms.Form):
    """Built from the submission's page: its rows, sections and figures."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], widget=forms.HiddenInput)

    def __init__(self, page: SubmissionPage, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page = page
        sub = page.submission
        self.fields["version"].initial = sub.version
        for view in page.rows:
            row = view.row
            self.fields[row_field(row.item_id, "rate")] = forms.DecimalField(
                label=_("完成率"),
                min_value=Decimal(0),
                max_value=Decimal(100),
                decimal_places=2,
                required=False,
                initial=row.rate,
            )
            self.fields[row_field(row.item_id, "text")] = forms.CharField(
                label=_("进展情况"), required=False, initial=row.text, widget=forms.Textarea
            )
            self.fields[row_field(row.item_id, "reason")] = forms.CharField(
                label=_("下调原因"), required=False, initial=row.reason, max_length=2000
            )
            for target in view.targets:
                self.fields[row_field(row.item_id, f"target-{target.pk}")] = forms.DecimalField(
                    label=target.name,
                    required=False,
                    min_value=Decimal(0),
                    max_digits=18,
                    decimal_places=2,
                    initial=row.target_actuals.get(str(target.pk), target.actual),
                )
            self.fields[row_field(row.item_id, "files")] = forms.FileField(
                label=_("佐证材料"), required=False
            )
        for answer in page.sections:
            self.fields[f"section-{answer.section_id}"] = forms.CharField(
                label=answer.section.title,
                required=False,
                initial=answer.text,
                widget=forms.Textarea,
                max_length=20000,
            )
        for value in page.figures:
            self.fields[f"figure-{value.figure_id}"] = forms.DecimalField(
                label=value.figure.name,
                required=False,
                max_digits=16,
                decimal_places=2,
                initial=value.value,
            )

    def bound_rows(self) -> list[dict[str, Any]]:
        """Each row with its bound fields, for the template."""
        out = []
        for view in self.page.rows:
            item_id = view.row.item_id
            out.append(
                {
                    "view": view,
                    "rate": self[row_field(item_id, "rate")],
                    "text": self[row_field(item_id, "text")],
                    "reason": self[row_field(item_id, "reason")],
                    "files": self[row_field(item_id, "files")],
                    "targets": [
                        (t, self[row_field(item_id, f"target-{t.pk}")]) for t in view.targets
                    ],
                }
            )
        return out

    def draft(self) -> Draft:
        data = self.cleaned_data
        rows = {}
        for view in self.page.rows:
            item_id = view.row.item_id
            actuals = {
                str(t.pk): str(data[row_field(item_id, f"target-{t.pk}")])
                for t in view.targets
                if data.get(row_field(item_id, f"target-{t.pk}")) is not None
            }
            rows[item_id] = RowInput(
                rate=data.get(row_field(item_id, "rate")),
                text=data.get(row_field(item_id, "text")) or "",
                target_actuals=actuals,
                reason=data.get(row_field(item_id, "reason")) or "",
            )
        sections = {
            a.section_id: data.get(f"section-{a.section_id}") or "" for a in self.page.sections
        }
        figures = {v.figure_id: data.get(f"figure-{v.figure_id}") for v in self.page.figures}
        return Draft(rows=rows, sections=sections, figures=figures)

    def uploads(self) -> dict[int, list[Any]]:
        """item id → the evidence files sent with this row."""
        out: dict[int, list[Any]] = {}
        for view in self.page.rows:
            uploaded = self.files.getlist(row_field(view.row.item_id, "files"))
            if uploaded:
                out[view.row.item_id] = list(uploaded)
        return out


class ReturnForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("退回意见"), widget=forms.Textarea, max_length=2000)


class OpenPeriodForm(ServiceErrorsMixin, forms.Form):
    period = forms.CharField(
        label=_("期别"), max_length=16, help_text=_("如 2021-W25、2021-06-H1、2021-06、2021-Q2")
    )


class OfficeTextsForm(ServiceErrorsMixin, forms.Form):
    """The office's introduction and one text per section heading of the report."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, headings: list[str], texts: dict[str, str], *args: Any, **kw: Any):
        super().__init__(*args, **kw)
        self.headings = headings
        self.fields["intro"] = forms.CharField(
            label=_("导语（总体情况之前）"),
            required=False,
            widget=forms.Textarea,
            max_length=20000,
            initial=texts.get("intro", ""),
        )
        for index, heading in enumerate(headings):
            self.fields[f"heading-{index}"] = forms.CharField(
                label=heading,
                required=False,
                widget=forms.Textarea,
                max_length=20000,
                initial=texts.get(heading, ""),
                help_text=_("专班综述，写在各单位报送内容之前"),
            )

    def texts(self) -> dict[str, str]:
        data = self.cleaned_data
        out = {"intro": data.get("intro") or ""}
        for index, heading in enumerate(self.headings):
            out[heading] = data.get(f"heading-{index}") or ""
        return out
