"""The re-inspection page (回头看, ``supervision:rechecks``): the revisited round's closed
findings per unit, each with its re-check form. Thin views over ``recheck_selectors`` and
``services.rechecks``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shishi.core.forms import submit
from shishi.supervision import recheck_selectors
from shishi.supervision.models import Recheck
from shishi.supervision.recheck_forms import RecheckForm
from shishi.supervision.services import rechecks as services


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**31 else None


def _page_params(data: Any) -> dict[str, str]:
    params = {}
    if _int(data.get("unit")):
        params["unit"] = data["unit"]
    if _int(data.get("page")):
        params["page"] = data["page"]
    return params


def _render(
    request: HttpRequest, pk: int, params: dict[str, str], *, status: int = 200, **extra: Any
) -> TemplateResponse:
    page = recheck_selectors.recheck_page(
        request.user, pk, unit_id=_int(params.get("unit")), page=params.get("page") or 1
    )
    failed, form = extra.get("failed"), extra.get("form")
    for unit_rows in page.by_unit:
        for row in unit_rows.rows:
            row.form = form if row.finding.pk == failed else None
    context = {"page": page, "results": Recheck.Result.choices, "params": params}
    if form is not None:  # the refusal on top too: the row may show its result, not the form
        reasons = [str(e) for errors in form.errors.values() for e in errors]
        context["action_error"] = "；".join(reasons) if reasons else _("请改正标出的内容")
        context["failed"] = failed
    return TemplateResponse(request, "supervision/rechecks.html", context, status=status)


@require_GET
@login_required
def rechecks(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, pk, _page_params(request.GET))


@require_POST
@login_required
def recheck(request: HttpRequest, pk: int, finding_pk: int) -> HttpResponse:
    target = recheck_selectors.recheck_target(request.user, pk, finding_pk)
    form = RecheckForm(request.POST)

    def save(data: dict[str, Any]) -> Recheck:
        round, finding = target.round, target.finding
        return services.recheck(
            finding,
            round,
            data["result"],
            data["note"],
            actor=request.user,
            visit=recheck_selectors.round_visit(round, finding.unit_id, data["visit"]),
            group=recheck_selectors.round_group(round, data["group"]),
            problem=form.finding_input(finding),
        )

    outcome = submit(form, save)
    params = _page_params(request.POST)
    if not outcome.saved:
        return _render(
            request, pk, params, status=outcome.status, failed=target.finding.pk, form=form
        )
    messages.success(request, _("已记录复查结论"))
    url = reverse("supervision:rechecks", args=[pk])
    query = f"?{urlencode(params)}" if params else ""
    return redirect(f"{url}{query}#finding-{target.finding.pk}")
