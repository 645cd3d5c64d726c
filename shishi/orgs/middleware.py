"""An account whose password the office reset must choose its own before anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

# Paths an account that must change its password may still reach.
_OPEN_PREFIXES = ("/static/", "/public/", "/i18n/", "/api/")


class PasswordChangeRequiredMiddleware:
    """Sends a signed-in account flagged ``must_change_password`` to the password page.

    Only requests with a session cookie are looked at: the public portal and the API are
    not, and an anonymous request costs nothing here.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            and not request.path.startswith(_OPEN_PREFIXES)
            and getattr(request.user, "must_change_password", False)
        ):
            allowed = {reverse("orgs:password_change"), reverse("logout")}
            if request.path not in allowed:
                return redirect("orgs:password_change")
        return self.get_response(request)
