"""The supervision pages: the office's overview, rounds, groups and plans; findings and
their rectification; instructions and the 督办 list.

Thin views: parse, call one selector or service, render.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from shishi.supervision import selectors


@login_required
@require_http_methods(["GET", "POST"])
def finding(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.finding_page(request.user, pk)
    return TemplateResponse(request, "supervision/finding.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def instruction(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.instruction_page(request.user, pk)
    return TemplateResponse(request, "supervision/instruction.html", {"page": page})
