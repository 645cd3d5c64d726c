"""Forms of the ledger pages. They parse and type the input; the services decide."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shishi.core import workbooks
from shishi.core.forms import ServiceErrorsMixin
from shishi.core.pii_text import personal_number_warning
from shishi.core.templatetags.shishi_format import plain_decimal
from shishi.ledger.models import Category, Item, Lifecycle, Target
from shishi.ledger.selectors import ItemFilters
from shishi.orgs.models import Jurisdiction, Person, Unit

WAN = Decimal(10_000)
MAX_ID = 2**53  # larger ids overflow SQLite's integer and would turn into a server error
DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
PER_PAGE_CHOICES = (25, 50, 100)


def wan_to_yuan(value: Decimal | None) -> Decimal | None:
    return None if value is None else (value * WAN).quantize(Decimal("0.01"))


def yuan_to_wan(value: Decimal | None) -> str | None:
    """Yuan as a plain 万元 number for a form field (3200, not 3.2E+3)."""
    return None if value is None else plain_decimal((value / WAN).quantize(Decimal("0.0001")))


# --- the ledger's filters ---------------------------------------------------------------


class LedgerQueryForm(forms.Form):
    """Query parameters of the ledger list. Bad values are dropped, never an error page."""

    programme = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    jurisdiction = forms.RegexField(regex=r"^\d{6}$", required=False)
    category = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    unit = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    leader = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    lifecycle = forms.ChoiceField(required=False, choices=[("", ""), *Lifecycle.choices])
    overdue = forms.BooleanField(required=False)
    q = forms.CharField(required=False, max_length=100, strip=True)
    per_page = forms.IntegerField(required=False, min_value=1, max_value=10_000)


@dataclass
class LedgerQuery:
    programme: int | None
    jurisdiction: str | None
    filters: ItemFilters
    page: str
    per_page: int

    @property
    def is_filtered(self) -> bool:
        f = self.filters
        return bool(f.category or f.unit or f.leader or f.lifecycle or f.q or f.overdue)


def parse_ledger_query(data: QueryDict) -> LedgerQuery:
    form = LedgerQueryForm(data)
    form.is_valid()  # invalid fields are simply left out of cleaned_data
    c: dict[str, Any] = form.cleaned_data
    per_page = c.get("per_page") or DEFAULT_PER_PAGE
    return LedgerQuery(
        programme=c.get("programme"),
        jurisdiction=c.get("jurisdiction") or None,
        filters=ItemFilters(
            category=c.get("category"),
            unit=c.get("unit"),
            leader=c.get("leader"),
            lifecycle=c.get("lifecycle") or None,
            q=c.get("q") or None,
            overdue=bool(c.get("overdue")),
        ),
        page=str(data.get("page") or "1")[:12],
        per_page=min(MAX_PER_PAGE, per_page),
    )


# --- progress -----------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


ATTACHMENT_ACCEPT = "image/*,.pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx"


class ProgressForm(ServiceErrorsMixin, forms.Form):
    reported_on = forms.DateField(
        label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    rate = forms.DecimalField(
        label=_("完成率（%）"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "1", "inputmode": "decimal"}),
    )
    text = forms.CharField(
        label=_("进展情况"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    done_investment = forms.DecimalField(
        label=_("累计完成投资（万元）"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=4,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    attachments = MultipleFileField(
        label=_("附件（图片、PDF或Office文件）"),
        required=False,
        widget=MultipleFileInput(attrs={"multiple": True, "accept": ATTACHMENT_ACCEPT}),
    )
    reason = forms.CharField(
        label=_("下调原因"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("完成率低于当前值时必填，将显示在进展记录中"),
    )
    # Shown once the text was refused for a phone or ID number in it (core.pii_text).
    confirm_personal_numbers = forms.BooleanField(
        label=_("我已核对：文字中的号码确需保留（公开页面和开放数据中会被遮盖）"), required=False
    )
    # Tokens of files kept from a refused submission (see services.hold_uploads).
    held = forms.MultipleChoiceField(required=False, widget=forms.MultipleHiddenInput)
    # The item's progress version when the form was opened.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)

    def __init__(
        self,
        *args: Any,
        targets: list[Target] | None = None,
        note_only: bool = False,
        held: list[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.note_only = note_only
        self.personal_numbers_warned = False
        self.held_files = list(held or [])  # HeldFile records the user keeps
        self.fields["held"].choices = [(h.token, h.name) for h in self.held_files]
        self.targets = [] if note_only else list(targets or [])
        if note_only:
            for name in ("rate", "done_investment", "reason"):
                del self.fields[name]
            self.fields["text"].label = _("备注内容")
        for target in self.targets:
            self.fields[f"target_{target.pk}"] = forms.DecimalField(
                label=f"{target.name}({target.unit})" if target.unit else target.name,
                required=False,
                min_value=0,
                max_digits=18,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
                help_text=_("目标值 %(value)s") % {"value": plain_decimal(target.value)},
            )
            if target.actual is not None:
                self.fields[f"target_{target.pk}"].initial = plain_decimal(target.actual)

    def clean(self) -> dict[str, Any]:
        """A phone or ID number in the text (or the reason) is refused once, with a warning:
        the writer deletes it or confirms (the review queue flags it, the portal masks it)."""
        cleaned = super().clean() or {}
        warning = personal_number_warning(cleaned.get("text") or "", cleaned.get("reason") or "")
        self.personal_numbers_warned = bool(warning)
        if warning and not cleaned.get("confirm_personal_numbers"):
            self.add_error("text", warning)
        return cleaned

    def keep(self, data: QueryDict, held: list[Any]) -> None:
        """Render the refused form again with ``data`` and the files kept from it."""
        self.data = data
        self.held_files = held
        self.fields["held"].choices = [(h.token, h.name) for h in held]

    def target_fields(self) -> list[forms.BoundField]:
        return [self[f"target_{t.pk}"] for t in self.targets]

    def target_actuals(self) -> dict[int, Decimal]:
        out = {}
        for target in self.targets:
            value = self.cleaned_data.get(f"target_{target.pk}")
            if value is not None:
                out[target.pk] = value
        return out

    def done_investment_yuan(self) -> Decimal | None:
        return wan_to_yuan(self.cleaned_data.get("done_investment"))


def progress_initial(item: Item) -> dict[str, Any]:
    return {
        "reported_on": timezone.localdate(),
        "rate": plain_decimal(item.completion_rate) if item.completion_rate is not None else None,
        "done_investment": yuan_to_wan(item.done_investment),
        "version": item.progress_version,
    }


# --- editing an item --------------------------------------------------------------------


class PersonChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ItemFieldsForm(ServiceErrorsMixin, forms.Form):
    """The item's own fields as the office edits them, a new item is entered and a unit
    asks to change them (the edit, new-item and change-request forms add theirs)."""

    name = forms.CharField(label=_("项目名称"), max_length=300)
    lead_unit = forms.ModelChoiceField(label=_("责任单位"), queryset=Unit.objects.none())
    content = forms.CharField(
        label=_("主要内容"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    measures = forms.CharField(
        label=_("推进措施"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    deadline_text = forms.CharField(
        label=_("完成时限"),
        required=False,
        max_length=100,
        help_text=_("如：2021年12月底前、6月30日前、年底前、长期坚持"),
    )
    planned_investment = forms.DecimalField(
        label=_("计划投资（万元）"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=4,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    sponsor_leaders = PersonChoices(
        label=_("区级包保领导"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    partner_units = forms.ModelMultipleChoiceField(
        label=_("配合单位"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def set_choices(self, units: QuerySet[Unit], people: QuerySet[Person]) -> None:
        """The district's units and people the choices come from."""
        fields: Any = self.fields
        fields["lead_unit"].queryset = units
        fields["partner_units"].queryset = units
        fields["sponsor_leaders"].queryset = people


class EditItemForm(ItemFieldsForm):
    category = forms.ModelChoiceField(
        label=_("类别"), queryset=Category.objects.none(), required=False
    )
    remarks = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)

    def __init__(
        self,
        *args: Any,
        categories: QuerySet[Category],
        units: QuerySet[Unit],
        people: QuerySet[Person],
        may_change_lead_unit: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["category"].queryset = categories
        self.set_choices(units, people)
        self.may_change_lead_unit = may_change_lead_unit
        if not may_change_lead_unit:
            del self.fields["lead_unit"]

    def changes(self) -> dict[str, Any]:
        """The scalar fields for ``update_item``."""
        c = self.cleaned_data
        out: dict[str, Any] = {
            "name": c["name"].strip(),
            "content": c["content"],
            "measures": c["measures"],
            "deadline_text": c["deadline_text"].strip(),
            "remarks": c["remarks"],
            "planned_investment": wan_to_yuan(c.get("planned_investment")),
            "category_id": c["category"].pk if c.get("category") else None,
        }
        if self.may_change_lead_unit and c.get("lead_unit") is not None:
            out["lead_unit_id"] = c["lead_unit"].pk
        return out


def edit_initial(item: Item) -> dict[str, Any]:
    return {
        "name": item.name,
        "category": item.category_id,
        "lead_unit": item.lead_unit_id,
        "content": item.content,
        "measures": item.measures,
        "deadline_text": item.deadline_text,
        "planned_investment": yuan_to_wan(item.planned_investment),
        "sponsor_leaders": [p.pk for p in item.sponsor_leaders.all()],
        "partner_units": [u.pk for u in item.partner_units.all()],
        "remarks": item.remarks,
        "version": item.version,
    }


# --- close out and reopen -----------------------------------------------------------------


class CloseOutForm(forms.Form):
    note = forms.CharField(label=_("销号说明"), required=False, max_length=1000)
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_ID
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("重新打开原因"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写重新打开的原因")},
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_ID
    )


# --- import wizard ------------------------------------------------------------------------


class JurisdictionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ImportUploadForm(forms.Form):
    jurisdiction = JurisdictionChoice(
        label=_("辖区"), queryset=Jurisdiction.objects.none(), empty_label=None
    )
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    file = forms.FileField(
        label=_("台账文件（.xlsx）"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def __init__(self, *args: Any, jurisdictions: QuerySet[Jurisdiction], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["jurisdiction"]
        field.queryset = jurisdictions
        self.single_jurisdiction = len(jurisdictions) == 1
        if self.single_jurisdiction:
            field.widget = forms.HiddenInput()

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        problem = workbooks.upload_problem(upload)
        if problem:
            raise forms.ValidationError(problem)
        return upload
