"""The re-check form of the re-inspection page (回头看): the result, a note, and for a
problem come back the new finding's text and 四定."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shishi.core.forms import ServiceErrorsMixin
from shishi.supervision.models import Finding, Recheck
from shishi.supervision.services.findings import FindingInput


class RecheckForm(ServiceErrorsMixin, forms.Form):
    result = forms.ChoiceField(label=_("复查结论"), choices=Recheck.Result.choices)
    note = forms.CharField(label=_("说明"), required=False, max_length=2000)
    visit = forms.IntegerField(label=_("走访记录"), required=False, min_value=1)
    group = forms.IntegerField(label=_("指导组"), required=False, min_value=1)
    # 问题反弹: the new finding.
    problem = forms.CharField(label=_("反弹的问题"), required=False, max_length=5000)
    category = forms.ChoiceField(
        label=_("问题类别"), required=False, choices=[("", "—"), *Finding.Category.choices]
    )
    severity = forms.ChoiceField(
        label=_("严重程度"), required=False, choices=[("", "—"), *Finding.Severity.choices]
    )
    measure = forms.CharField(label=_("整改措施"), required=False, max_length=5000)
    deadline = forms.DateField(label=_("整改时限"), required=False)
    responsible_person = forms.CharField(label=_("责任人"), required=False, max_length=100)

    def finding_input(self, first: Finding) -> FindingInput | None:
        """The new finding of a recurrence (category and severity default to the first's)."""
        data: dict[str, Any] = self.cleaned_data
        if data["result"] != Recheck.Result.RECURRED:
            return None
        deadline: dt.date | None = data["deadline"]
        return FindingInput(
            kind=Finding.Kind.TO_RECTIFY,
            problem=data["problem"] or "",
            category=data["category"] or first.category,
            severity=data["severity"] or first.severity,
            measure=data["measure"] or "",
            deadline=deadline,
            responsible_person=data["responsible_person"] or "",
        )
