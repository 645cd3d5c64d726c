"""The demands pages (thin: parse, call one selector or service, render)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from shishi.demands import selectors


@login_required
@require_GET
def demand(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.demand_page(request.user, pk)
    return TemplateResponse(request, "demands/demand.html", {"page": page})
