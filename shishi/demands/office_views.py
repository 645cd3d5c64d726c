"""The office's pages of Open311 keys and residents' texts (thin: parse, one selector or
service, render). The 12345 import wizard is in ``hotline_views``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.core.errors import ValidationFailed
from shishi.core.forms import submit
from shishi.demands import office_forms, office_selectors, texts
from shishi.demands.open311 import keys


@login_required
@require_http_methods(["GET", "POST"])
def open311_keys(request: HttpRequest) -> HttpResponse:
    """The district's keys; a POST makes one and shows it this once."""
    code = request.POST.get("jurisdiction") or request.GET.get("jurisdiction")
    page = office_selectors.keys_page(request.user, code)
    form = office_forms.KeyForm(request.POST if request.method == "POST" else None)
    status, new_key, new_row = 200, "", None
    if request.method == "POST":
        made: list[Any] = []

        def save(data: dict[str, Any]) -> None:
            made.append(keys.issue_key(page.place.district, name=data["name"], actor=request.user))

        outcome = submit(form, save)
        if outcome.saved:
            new_row, new_key = made[0]
            page = office_selectors.keys_page(request.user, page.place.district.code)
            form = office_forms.KeyForm()
        else:
            status = outcome.status
    context = {"page": page, "form": form, "new_key": new_key, "new_row": new_row}
    response = TemplateResponse(request, "demands/open311_keys.html", context, status=status)
    if new_key:  # shown once: no cache, no copy in the browser's history
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def open311_key_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    row = office_selectors.access_key(request.user, pk)
    keys.deactivate_key(row, actor=request.user)
    messages.success(request, _("已停用密钥“%(name)s”") % {"name": row.name})
    return redirect(f"{reverse('demands:open311_keys')}?jurisdiction={row.jurisdiction.code}")


@login_required
@require_GET
def texts_view(request: HttpRequest) -> HttpResponse:
    """The residents' texts of the district: delivery records, masked, filtered, 50 a page."""
    form = office_forms.TextFilterForm(request.GET)
    filters = form.filters()
    page = office_selectors.texts_page(
        request.user, request.GET.get("jurisdiction"), filters, request.GET.get("page") or 1
    )
    query = request.GET.copy()
    query.pop("page", None)
    query["jurisdiction"] = page.place.district.code
    context = {
        "page": page,
        "form": form,
        "dropped": form.dropped(),
        "query": query.urlencode(),
        "page_range": page.page.paginator.get_elided_page_range(page.page.number),
    }
    return TemplateResponse(request, "demands/texts.html", context)


@login_required
@require_POST
def text_resend(request: HttpRequest, pk: int) -> HttpResponse:
    row = office_selectors.access_text(request.user, pk)
    try:
        texts.resend_text(row, actor=request.user)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已重新排队发送"))
    query = (request.POST.get("query") or "")[:500]
    url = reverse("demands:texts")
    return redirect(f"{url}?{query}" if query else url)
