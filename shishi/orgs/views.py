"""Account pages: login (throttled), the user's own password, the office's accounts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.core.forms import submit
from shishi.orgs import selectors, services
from shishi.orgs.forms import LoginForm, PasswordChangeForm
from shishi.orgs.permissions import access_account, scope_for


class LoginView(auth_views.LoginView):
    """Django's login view with the throttled form: a locked login answers 429 with
    Retry-After and says when to try again (a known locked address is refused before it,
    by ``core.throttle.LockedLoginMiddleware``)."""

    form_class = LoginForm

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if form.lock is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.lock.seconds_left())
        return response

    def get_success_url(self) -> str:
        user = self.request.user
        if getattr(user, "must_change_password", False):
            return reverse("orgs:password_change")
        return super().get_success_url()


login = LoginView.as_view()


@require_http_methods(["GET", "POST"])
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """修改密码: the account's own password (the office's temporary one must be changed here)."""
    user: Any = request.user
    form = PasswordChangeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        outcome = submit(
            form,
            lambda data: services.change_password(
                user, old_password=data["old_password"], new_password=data["new_password"]
            ),
        )
        if outcome.saved:
            update_session_auth_hash(request, user)  # this session stays signed in
            messages.success(request, _("密码已修改。"))
            return redirect("home")
        status = outcome.status
    context = {
        "form": form,
        "must_change": user.must_change_password,
        "is_office": scope_for(user).is_any_office(),
    }
    response = TemplateResponse(
        request, "registration/password_change.html", context, status=status
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_GET
@login_required
def accounts(request: HttpRequest) -> HttpResponse:
    """账号管理: the accounts of the office's districts, each with a password reset."""
    rows = selectors.managed_accounts(request.user)
    return TemplateResponse(request, "orgs/accounts.html", {"rows": rows})


@require_POST
@login_required
def reset_password(request: HttpRequest, user_id: int) -> HttpResponse:
    """Reset an account's password: the temporary password is shown once, on this page."""
    target = access_account(request.user, user_id)
    password = services.reset_password(target, actor=request.user)
    context = {"account": target, "password": password}
    response = TemplateResponse(request, "orgs/password_reset_done.html", context)
    patch_cache_control(response, private=True, no_store=True)
    return response
