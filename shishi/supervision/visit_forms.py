"""The visit form (走访记录): the visit's own fields, one radio group and note per checklist
entry, repeatable finding rows and photos.

The finding rows are small forms named ``findings-<n>-<field>`` (n from 1). The page shows
the rows posted (at least three, so that the form works without script); the script adds
more from a ``<template>`` of row ``__n__``. An empty row is skipped; the service numbers
the rows it gets from 1, and ``VisitForm.add_service_errors`` puts its errors back on the
row they came from.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from shishi.ledger.forms import MultipleFileField, MultipleFileInput
from shishi.ledger.services.progress import MAX_ATTACHMENT_BYTES
from shishi.orgs.models import Unit
from shishi.supervision.models import ChecklistEntry, Finding, Visit, VisitAnswer
from shishi.supervision.services import visits as visit_services
from shishi.supervision.services.findings import FindingInput

BLANK_ROWS = 3
ROW = re.compile(r"^findings-(\d{1,6})-")
DATE_INPUT = {"type": "date"}


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d")


class FindingRowForm(forms.Form):
    """One problem or suggestion of the visit; the 四定 for one to rectify."""

    kind = forms.ChoiceField(
        label=_("类型"),
        choices=Finding.Kind.choices,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "kind-choice"}),
    )
    category = forms.ChoiceField(
        label=_("问题类别"),
        choices=Finding.Category.choices,
        initial=Finding.Category.OTHER,
        required=False,
    )
    severity = forms.ChoiceField(
        label=_("严重程度"),
        choices=Finding.Severity.choices,
        initial=Finding.Severity.MINOR,
        required=False,
    )
    problem = forms.CharField(
        label=_("问题或建议"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    measure = forms.CharField(
        label=_("整改措施"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    deadline = forms.DateField(label=_("整改时限"), required=False, widget=_date_widget())
    responsible_unit = forms.TypedChoiceField(
        label=_("责任单位"), coerce=int, required=False, empty_value=None
    )
    responsible_person = forms.CharField(label=_("责任人"), required=False, max_length=100)

    TEXT_FIELDS = ("problem", "measure", "responsible_person")

    def __init__(
        self, *args: Any, units: Sequence[Unit] = (), unit: Unit | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["responsible_unit"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(u.pk, u.name) for u in units]
        if unit is not None:
            field.initial = unit.pk
        field.help_text = _("默认为被指导单位")

    def is_blank(self) -> bool:
        """Nothing typed in the row (its lists left at their defaults)."""
        if not self.is_bound:
            return True
        value = self.data.get
        return not (value(self.add_prefix("kind")) or value(self.add_prefix("deadline"))) and all(
            not (value(self.add_prefix(name)) or "").strip() for name in self.TEXT_FIELDS
        )

    def finding_input(self) -> FindingInput:
        c = self.cleaned_data
        return FindingInput(
            kind=c.get("kind") or "",
            problem=c.get("problem") or "",
            category=c.get("category") or Finding.Category.OTHER,
            severity=c.get("severity") or Finding.Severity.MINOR,
            measure=c.get("measure") or "",
            deadline=c.get("deadline"),
            responsible_unit_id=c.get("responsible_unit"),
            responsible_person=c.get("responsible_person") or "",
        )

    @property
    def number(self) -> str:
        return (self.prefix or "").removeprefix("findings-")

    @property
    def four_fixed(self) -> list[forms.BoundField]:
        return [self[name] for name in ("measure", "deadline", "responsible_unit")] + [
            self["responsible_person"]
        ]


@dataclass
class AnswerRow:
    entry: ChecklistEntry
    answer: forms.BoundField
    note: forms.BoundField


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("走访日期"), widget=_date_widget())
    attendees = forms.CharField(
        label=_("参加人员"),
        required=False,
        max_length=visit_services.ATTENDEES_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("指导组成员和被指导单位参加人员"),
    )
    notes = forms.CharField(
        label=_("情况记录"),
        required=False,
        max_length=visit_services.NOTES_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    photos = MultipleFileField(
        label=_("现场照片"),
        required=False,
        widget=MultipleFileInput(
            attrs={"multiple": True, "accept": "image/*", "capture": "environment"}
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # The same form sent twice (a lost answer on a bad connection) writes one visit.
    submission = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=visit_services.SUBMISSION_KEY_LENGTH
    )

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        entries: Sequence[ChecklistEntry],
        units: Sequence[Unit],
        unit: Unit,
        visit: Visit | None = None,
        answers: dict[int, VisitAnswer] | None = None,
        today: dt.date | None = None,
    ) -> None:
        initial: dict[str, Any] = {"submission": uuid.uuid4().hex}
        if visit is not None:
            initial = {
                "visited_on": visit.visited_on,
                "attendees": visit.attendees,
                "notes": visit.notes,
                "version": visit.version,
            }
        elif today is not None:
            initial["visited_on"] = today
        for entry_id, answer in (answers or {}).items():
            initial[f"answers-{entry_id}"] = answer.answer
            initial[f"answers-{entry_id}-note"] = answer.note
        super().__init__(data, files, initial=initial)
        self.entries = list(entries)
        for entry in self.entries:
            self.fields[f"answers-{entry.pk}"] = forms.ChoiceField(
                label=entry.text,
                choices=VisitAnswer.Answer.choices,
                required=False,
                widget=forms.RadioSelect(attrs={"class": "answer-choice"}),
            )
            self.fields[f"answers-{entry.pk}-note"] = forms.CharField(
                label=_("说明"), required=False, max_length=visit_services.NOTE_LENGTH
            )
        self.units, self.unit = list(units), unit
        self.too_many_rows = False
        count = BLANK_ROWS
        if data is not None:
            posted = [int(m.group(1)) for key in data if (m := ROW.match(key))]
            count = max(posted, default=0)
            if count > visit_services.MAX_FINDINGS:
                self.too_many_rows = True
                count = visit_services.MAX_FINDINGS
            count = max(count, 1)
        self.rows = [self._row(data, str(n)) for n in range(1, count + 1)]
        # The service numbers the rows it gets from 1: its n-th is the form's rows[index].
        self._sent_rows: list[FindingRowForm] = []

    def _row(self, data: Any, n: str) -> FindingRowForm:
        return FindingRowForm(data, prefix=f"findings-{n}", units=self.units, unit=self.unit)

    def empty_row(self) -> FindingRowForm:
        """The row the script clones (``__n__`` replaced by the next number)."""
        return self._row(None, "__n__")

    @property
    def photo_limits(self) -> dict[str, int]:
        """What the server accepts, for the script to check before sending."""
        return {
            "file": MAX_ATTACHMENT_BYTES,
            "total": settings.SHISHI_MAX_REQUEST_UPLOAD_BYTES,
            "count": visit_services.MAX_PHOTOS,
        }

    @property
    def answer_rows(self) -> list[AnswerRow]:
        return [
            AnswerRow(entry, self[f"answers-{e}"], self[f"answers-{e}-note"])
            for entry in self.entries
            for e in (entry.pk,)
        ]

    @property
    def row_errors(self) -> list[str]:
        """ "第2条问题或建议" for each row with an error (for the summary on top)."""
        return [visit_services.finding_label(i) for i, r in enumerate(self.rows, 1) if r.errors]

    def is_valid(self) -> bool:
        own = super().is_valid()
        rows = [r.is_valid() for r in self.rows if not r.is_blank()]
        if self.too_many_rows:
            self.add_error(
                None, f"一次走访最多记录{visit_services.MAX_FINDINGS}条问题或建议，请分次填写"
            )
            return False
        return own and all(rows)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for entry in self.entries:
            answer = cleaned.get(f"answers-{entry.pk}") or ""
            note = (cleaned.get(f"answers-{entry.pk}-note") or "").strip()
            if note and not answer:
                self.add_error(f"answers-{entry.pk}", _("写了说明，请选择结论"))
        return cleaned

    def visit_input(self) -> visit_services.VisitInput:
        c = self.cleaned_data
        answers = {
            entry.pk: (c[f"answers-{entry.pk}"], c.get(f"answers-{entry.pk}-note") or "")
            for entry in self.entries
            if c.get(f"answers-{entry.pk}")
        }
        self._sent_rows = [r for r in self.rows if not r.is_blank()]
        photos: list[UploadedFile] = c.get("photos") or []
        return visit_services.VisitInput(
            visited_on=c.get("visited_on"),
            attendees=c.get("attendees") or "",
            notes=c.get("notes") or "",
            answers=answers,
            findings=[r.finding_input() for r in self._sent_rows],
            photos=photos,
        )

    def add_service_errors(self, errors: dict[str, str], message: str) -> None:
        """Each error beside its field: the n-th finding sent on its row, the rest on this
        form (on top when it names no field of it)."""
        for key, text in errors.items():
            m = ROW.match(key)
            if m and 0 < int(m.group(1)) <= len(self._sent_rows):
                row = self._sent_rows[int(m.group(1)) - 1]
                name = key[m.end() :]
                row.add_error(name if name in row.fields else None, text)
            elif key in self.fields:
                self.add_error(key, text)
            else:
                self.add_error(None, text)
        if not errors:
            self.add_error(None, message)
