"""Carrying unfinished items into next year's programme (结转): pick, confirm, carry.

The office opens 结转 from the ledger list: a page of the programme's unfinished items with
check boxes and the target year (``carry_select``); the chosen items go to a confirmation
page that lists them (``carry_confirm``, GET), whose button carries them over (POST,
``services.carry.carry_over``: all or nothing) and lands on the new year's ledger.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shishi.core import errors
from shishi.ledger import permissions
from shishi.ledger.models import Programme
from shishi.ledger.selectors.carry import MAX_CHOSEN, carry_candidates, chosen_items
from shishi.ledger.services.carry import carry_over

MAX_ID = 2**63 - 1


class IdListField(forms.Field):
    """Item ids from check boxes (``items=3&items=5``)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        if len(values) > MAX_CHOSEN:
            raise forms.ValidationError(_("一次最多结转%(n)s项") % {"n": MAX_CHOSEN})
        out: list[int] = []
        for raw in values:
            text = str(raw).strip()
            if not (text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID):
                raise forms.ValidationError(_("事项编号无效：%(v)s") % {"v": text[:20]})
            out.append(int(text))
        return list(dict.fromkeys(out))


class CarryForm(forms.Form):
    items = IdListField(required=False)
    to_year = forms.IntegerField(min_value=2000, max_value=2100, label=_("结转到年度"))

    def __init__(self, *args: Any, programme: Programme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.programme = programme

    def clean_to_year(self) -> int:
        year: int = self.cleaned_data["to_year"]
        if year <= self.programme.year:
            raise forms.ValidationError(
                _("结转年度应晚于%(year)s年") % {"year": self.programme.year}
            )
        return year

    def clean_items(self) -> list[int]:
        ids: list[int] = self.cleaned_data["items"]
        if not ids:
            raise forms.ValidationError(_("请至少选择一项要结转的事项"))
        return ids


def _form(request: HttpRequest, programme: Programme, data: Any = None) -> CarryForm:
    if data is None:
        return CarryForm(initial={"to_year": programme.year + 1}, programme=programme)
    return CarryForm(data, programme=programme)


def _select_page(
    request: HttpRequest, programme: Programme, form: CarryForm, *, status: int = 200
) -> HttpResponse:
    chosen = set(form.cleaned_data.get("items") or []) if form.is_bound else set()
    context = {
        "programme": programme,
        "form": form,
        "candidates": carry_candidates(programme),
        "chosen": chosen,
    }
    return TemplateResponse(request, "ledger/carry_select.html", context, status=status)


@require_GET
@login_required
def carry_select(request: HttpRequest, pk: int) -> HttpResponse:
    programme = permissions.access_programme(request.user, pk, manage=True)
    return _select_page(request, programme, _form(request, programme))


@require_http_methods(["GET", "POST"])
@login_required
def carry_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    programme = permissions.access_programme(user, pk, manage=True)
    data = request.POST if request.method == "POST" else request.GET
    form = _form(request, programme, data)
    if not form.is_valid():
        return _select_page(request, programme, form, status=422)
    items = chosen_items(user, programme, form.cleaned_data["items"])
    to_year: int = form.cleaned_data["to_year"]
    error = ""
    if request.method == "POST":
        try:
            result = carry_over(items, actor=user, to_year=to_year)
        except errors.ValidationFailed as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("已将%(n)s项事项结转至%(year)s年") % {"n": len(result.created), "year": to_year},
            )
            url = reverse("ledger:list")
            return redirect(f"{url}?programme={result.programme.pk}")
    context = {
        "programme": programme,
        "form": form,
        "items": items,
        "to_year": to_year,
        "error": error,
    }
    status = 422 if error else 200
    return TemplateResponse(request, "ledger/carry_confirm.html", context, status=status)
