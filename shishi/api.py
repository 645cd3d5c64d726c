"""The API at /api/v1/: one NinjaAPI, one router per app (see docs/api.md).

Every error leaves as ``{"detail": "<message>", "errors": {"<field>": "<message>"}}``:
service errors with their own status (400/403/404/409/422), bad parameters or bodies 422,
unparsable bodies 400, missing or bad credentials 401.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from shishi.appointments.api import router as appointments_router
from shishi.appointments.certificate_api import router as certificates_router
from shishi.core.errors import ServiceError
from shishi.demands.api import router as demands_router
from shishi.enterprise.enterprise_api import router as enterprise_router
from shishi.ledger import api_items
from shishi.ledger.api import router as ledger_router
from shishi.ledger.api_changes import router as change_router
from shishi.ledger.api_review import router as review_router
from shishi.orgs.api_auth import API_AUTH
from shishi.supervision.api import router as supervision_router

api = NinjaAPI(
    title="shishi API",
    version="1",
    description="实事（为民办实事）台账接口。认证：Bearer 令牌或已登录的浏览器会话。",
    urls_namespace="api",
    auth=API_AUTH,
)
assert api_items.router is ledger_router  # items by hand: on the ledger's router
api.add_router("/", ledger_router)
api.add_router("/", change_router)
api.add_router("/", review_router)
api.add_router("/", supervision_router)
api.add_router("/", demands_router)
api.add_router("/", appointments_router)
api.add_router("/", certificates_router)
# h18-push
api.add_router("/", enterprise_router)

# Sources of a parameter, as ninja names them at the head of an error's location.
_SOURCES = {"query", "path", "body", "header", "cookie", "form", "file"}


def _error(request: HttpRequest, status: int, detail: str, errors: dict[str, str]) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors}, status=status)


def _field_name(loc: list[Any] | tuple[Any, ...], body_params: set[str]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        # A JSON body is one parameter (``payload``); its name means nothing to the caller.
        if source == "body" and parts and parts[0] in body_params:
            parts.pop(0)
    # pydantic marks an invalid dict key with a "[key]" step; the key itself says enough.
    return ".".join(p for p in parts if p != "[key]") or "body"


def _message(err: dict[str, Any]) -> str:
    return str(err.get("msg", "invalid")).removeprefix("Value error, ")


@api.exception_handler(ServiceError)
def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return _error(request, exc.status, exc.message, dict(getattr(exc, "errors", {}) or {}))


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, str] = {}
    for err in exc.errors:
        field = _field_name(err.get("loc", ()), {"payload"})
        errors.setdefault(field, _message(err))
    summary = "; ".join(f"{k}: {v}" for k, v in errors.items())
    return _error(request, 422, f"请求参数有误 — {summary}", errors)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(request, 401, "未登录或 API 令牌无效", {})
    response["WWW-Authenticate"] = 'Bearer realm="shishi"'
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = exc.message
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        message = "请求体不是有效的 JSON"
    elif message == "CSRF check Failed":
        message = "CSRF 校验失败：会话认证的写请求须带 X-CSRFToken 请求头"
    return _error(request, exc.status_code, message, {})


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "不存在或无权查看", {})
