"""What every app's views share: service errors as pages, htmx targets, download names.

Views let a ``ServiceError`` propagate; ``ServiceErrorMiddleware`` turns it into the page a
person can act on (the API has its own handler in ``shishi.api``). A view that wants its
app's own error pages (the public portal, the board's "back to the board" link) says so with
``@error_pages("portal")``: ``portal/404.html`` is used where it exists, ``404.html`` else.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from django.http import FileResponse, HttpRequest, HttpResponseBase, JsonResponse
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.template.response import TemplateResponse
from django.utils.translation import gettext

from shishi.core import errors
from shishi.core.inputs import wants_json

V = TypeVar("V", bound=Callable[..., HttpResponseBase])

# A ServiceError that reaches a page (not a form) is the request's fault: a bad parameter is
# a 400 page with its reason, as are errors of no more specific kind.
PAGE_STATUS = {errors.NotFound: 404, errors.PermissionDenied: 403}


def error_pages(prefix: str) -> Callable[[V], V]:
    """Mark a view whose service errors render ``<prefix>/<status>.html`` where it exists."""

    def mark(view: V) -> V:
        view.error_pages = prefix  # type: ignore[attr-defined]
        return view

    return mark


def error_response(request: HttpRequest, exc: errors.ServiceError) -> TemplateResponse:
    status = next((s for kind, s in PAGE_STATUS.items() if isinstance(exc, kind)), 400)
    match = getattr(request, "resolver_match", None)
    prefix = getattr(match.func, "error_pages", "") if match else ""
    names = [f"{prefix}/{status}.html"] if prefix else []
    try:
        template = select_template([*names, f"{status}.html"])
    except TemplateDoesNotExist:  # pragma: no cover - the project ships 400/403/404
        template = select_template(["400.html"])
    context = {"message": exc.message, "status": status}
    return TemplateResponse(request, template.template.name, context, status=status)


class ServiceErrorMiddleware:
    """The one place where a ``ServiceError`` raised by a view becomes a response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> Any:
        if isinstance(exc, errors.ServiceError):
            return error_response(request, exc)
        return None


def is_htmx_fragment(request: HttpRequest) -> bool:
    """An htmx request for a part of a page (not a history restore, which wants it whole)."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def is_htmx_target(request: HttpRequest, target: str) -> bool:
    """An htmx request (not a history restore) that swaps the element ``target``."""
    return is_htmx_fragment(request) and request.htmx.target == target  # type: ignore[attr-defined]


def content_disposition(filename: str, fallback: str) -> str:
    """attachment with an ASCII fallback name and the UTF-8 name (RFC 6266 / RFC 5987)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


# Files the browser may show in place: pictures and PDFs. Anything else is downloaded.
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}


def stored_file_response(field: Any, name: str, content_type: str) -> FileResponse:
    """An uploaded file (a ``FieldFile``), to someone already allowed to read it: shown in
    place when it is a picture or a PDF, else downloaded as octets; sandboxed either way
    (a file never runs script in the site's origin). ``NotFound`` when the file is gone."""
    ctype = content_type or mimetypes.guess_type(name)[0] or ""
    inline = ctype in INLINE_TYPES
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise errors.NotFound("文件已丢失") from None
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=name,
        content_type=ctype if inline else "application/octet-stream",
    )
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponseBase:
    """``CSRF_FAILURE_VIEW``: a form posted without the page's token (or from another site)
    gets 403 with a message a person can act on — JSON where ``core.inputs.wants_json``
    says so — instead of Django's English technical page. The reason stays out of it."""
    message = gettext("页面已过期或不是从本站页面提交的，请刷新页面后重试。")
    if wants_json(request):
        return JsonResponse(
            {"detail": message}, status=403, json_dumps_params={"ensure_ascii": False}
        )
    return TemplateResponse(request, "403.html", {"message": message}, status=403)
