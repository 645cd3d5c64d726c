"""The front page of enterprise services: what the signed-in user does here."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from shishi.enterprise import selectors


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "enterprise/index.html", {"hub": selectors.hub(request.user)})
