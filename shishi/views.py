"""The site's landing page: each role's own starting page, or a page for an account without
roles."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from shishi.board.selectors import landing
from shishi.enterprise import permissions as enterprise_permissions
from shishi.orgs.models import ADMIN_ROLES, PARTY_KINDS, Role, Unit
from shishi.orgs.permissions import Scope, scope_for


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where the user's role starts (``board.selectors.landing``): the office its programme's
    board, the city office the city board, a unit its items, a sponsor leader 我的事项."""
    scope = scope_for(request.user)
    if not scope.is_superuser and not (scope.roles - set(ADMIN_ROLES)):
        # The three administrators (三员) hold no ledger role: the audit administrator
        # starts on the audit log, the others on the admin site (accounts, roles).
        if scope.administers(Role.AUDIT_ADMIN):
            return redirect("audit:log")
        # An enterprise's contact starts on its own page, a service station's staff on the
        # station's requests; neither holds a role of the programme.
        if enterprise_permissions.contact_enterprise_ids(request.user):
            return redirect("enterprise:mine")
        if enterprise_permissions.staffed_station_ids(request.user):
            return redirect("enterprise:requests")
        return TemplateResponse(request, "no_role.html")
    if _only_party_organisations(scope):
        # A party committee's or branch's editor enters study activities (学习教育).
        return redirect("education:study_mine")
    target = landing(request.user)
    url = reverse(target.view, args=target.args)
    return redirect(f"{url}?{urlencode(target.query)}" if target.query else url)


def _only_party_organisations(scope: Scope) -> bool:
    """Edits units, and every one of them is a party organisation (no other role)."""
    units = scope.editor_unit_ids
    if not units or scope.roles - {Role.UNIT_EDITOR, Role.UNIT_HEAD}:
        return False
    return not Unit.objects.filter(pk__in=units).exclude(kind__in=PARTY_KINDS).exists()
