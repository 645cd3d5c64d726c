"""The contact's own page (``/enterprise/mine/``): its enterprise only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from shishi.enterprise import mine_selectors


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(
        request,
        "enterprise/mine/mine.html",
        {"mine": mine_selectors.own_enterprises(request.user)},
    )
