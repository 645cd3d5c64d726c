"""The front page of study, landmarks and publicity: what the signed-in user does here."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from shishi.education import selectors


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "education/index.html", {"hub": selectors.hub(request.user)})
