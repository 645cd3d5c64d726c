"""The appointments' front page (``/appointments/``): the parts the signed-in user works in."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from shishi.appointments import selectors


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(
        request, "appointments/index.html", {"hub": selectors.hub(request.user)}
    )
