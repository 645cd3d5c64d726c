"""The office's page of background work."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from shishi.jobs.selectors import office_page


@require_GET
@login_required
def office(request: HttpRequest) -> TemplateResponse:
    return TemplateResponse(request, "jobs/office.html", {"page": office_page(request.user)})
