"""The site's landing page: the user's ledger, or a page for an account without roles."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from shishi.orgs.permissions import scope_for


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The ledger of the user's district (its latest programme); a friendly page without roles."""
    scope = scope_for(request.user)
    if not scope.is_superuser and not scope.roles:
        return TemplateResponse(request, "no_role.html")
    return redirect("ledger:list")
