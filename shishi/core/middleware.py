"""Language choice: Chinese unless the user picked English with the language switch."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ChosenLanguageMiddleware:
    """Like LocaleMiddleware, but ignores the browser's Accept-Language.

    Office PCs often run English-language browsers; the UI still starts in zh-Hans and
    switches only when the user chooses (the language cookie set by /i18n/setlang/).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # Only for this request: a thread that serves the next one starts from the default.
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])  # keeps what the view already set
        return response


class SecurityHeadersMiddleware:
    """The Content-Security-Policy (``SHISHI_CSP``) and the other headers every response
    carries, unless the view set its own (a public photo is sandboxed harder).

    The pages hold to ``script-src 'self'`` and ``style-src 'self'``: no inline script or
    ``style`` attribute (rate bars are classes, htmx's indicator ``<style>`` is off through
    its ``htmx-config`` meta tag, ECharts styles through the DOM, which CSP allows).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.headers = {
            "Content-Security-Policy": "; ".join(
                f"{directive} {' '.join(sources)}".strip()
                for directive, sources in settings.SHISHI_CSP.items()
            ),
            "Permissions-Policy": settings.SHISHI_PERMISSIONS_POLICY,
        }

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for name, value in self.headers.items():
            if value and name not in response.headers:
                response.headers[name] = value
        return response
