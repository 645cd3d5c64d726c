"""The input rules every request and every saved row meet, once, at the root.

See docs/architecture.md, "Bad input". Two rules:

1. **No control characters in text.** A request whose URL path, query string, form fields
   (names and values), uploaded files' names or JSON body (strings and keys) holds a C0
   control character other than tab, line feed and carriage return is refused with **400**
   and a message naming the parameter, before any view runs (``InputRuleMiddleware``:
   path, query, JSON and cookies before the session is read, a form once its view is
   known, unless the view is CSRF-exempt and reads its own body, as the API does).
   PostgreSQL cannot store NUL in a text column (the driver raises, a 500 before this
   rule), and the other control characters are never typed by a person: refusing is clearer
   than a silent strip, and the same for pages, forms, filters and the API. A cookie that
   breaks the rule is dropped, not refused (nobody can mend a cookie by hand): the request
   goes on without it, as if signed out. The same middleware refuses a multipart request
   larger than ``SHISHI_MAX_REQUEST_UPLOAD_BYTES`` (413, before its files are read).

2. **No value longer than its column.** ``check_columns`` runs before every save of a
   project model (``pre_save``, connected in ``CoreConfig.ready``) and raises
   ``ValidationFailed`` naming each ``CharField``/``FileField`` longer than its
   ``max_length`` and each text holding a NUL, so that neither reaches the database (SQLite
   would keep an over-long value silently, PostgreSQL answers ``DataError``). Forms and API
   schemas keep their own ``max_length`` so the person sees the limit beside the field; this
   is the net under them. Bulk writes (``core.bulk``, ``QuerySet.update``) do not send
   ``pre_save``: their callers validate (the importer names every bad cell).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.template.response import TemplateResponse

from shishi.core.errors import ValidationFailed

# C0 controls except tab (09), line feed (0a) and carriage return (0d).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# A JSON body can carry them only escaped (raw ones make it invalid JSON, which the API
# refuses on its own): \u0000-\u001f, \b, \f. A cheap look first; parsed only on a hit.
_JSON_ESCAPE = re.compile(rb"\\u00[01][0-9a-fA-F]|\\[bf]|[\x00-\x08\x0b\x0c\x0e-\x1f]")

# Form fields and multipart boundaries around the files: what a multipart request may carry
# beyond its files' total before it is refused unread.
FORM_OVERHEAD_BYTES = 1024 * 1024


def has_control(text: str) -> bool:
    """Whether ``text`` breaks the input rule."""
    return CONTROL.search(text) is not None


def visible(text: str) -> str:
    """``text`` with its control characters written out (``\\x00``), for a message."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def megabytes(size: int) -> str:
    """A byte count in MB as the messages give limits (MB of 1024 × 1024 bytes)."""
    value = size / (1024 * 1024)
    return f"{value:.1f}".removesuffix(".0") if value >= 0.1 else f"{value:.2g}"


@dataclass(frozen=True)
class BadInput:
    """Where a request broke the input rule: the parameter's name and the message."""

    name: str
    message: str
    status: int = 400


def _value_message(name: str) -> str:
    return f"参数“{visible(name)}”含有不允许的控制字符（如空字符 NUL），请删除后重新提交"


def _walk_json(value: Any, path: str) -> Iterator[str]:
    """The paths (``changes.name``, ``ids.0``) of the JSON strings and keys that break the rule."""
    if isinstance(value, str):
        if has_control(value):
            yield path or "body"
    elif isinstance(value, dict):
        for key, inner in value.items():
            child = f"{path}.{key}" if path else str(key)
            if has_control(str(key)):
                yield child
            else:
                yield from _walk_json(inner, child)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _walk_json(inner, f"{path}.{index}" if path else str(index))


def _is_json(request: HttpRequest) -> bool:
    kind = (request.content_type or "").lower()
    return kind == "application/json" or kind.endswith("+json")


def too_large(request: HttpRequest) -> BadInput | None:
    """A multipart request over the per-request upload limit, judged by its length alone."""
    if not (request.content_type or "").startswith("multipart/"):
        return None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    limit = settings.SHISHI_MAX_REQUEST_UPLOAD_BYTES
    if length <= limit + FORM_OVERHEAD_BYTES:
        return None
    return BadInput(
        "files",
        f"一次提交的文件合计不能超过 {megabytes(limit)} MB（本次约 {megabytes(length)} MB），"
        "请减少文件或分几次提交",
        status=413,
    )


def find_bad_input(request: HttpRequest) -> BadInput | None:
    """The first place where ``request`` breaks the input rule, or None."""
    if has_control(request.path_info):
        return BadInput("path", "网址含有不允许的控制字符（如空字符 NUL）")
    for key, values in request.GET.lists():
        if has_control(key) or any(has_control(v) for v in values):
            return BadInput(key, _value_message(key))
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if not (request.content_type or "").startswith("multipart/"):
        # The API reads a body as JSON whatever its declared type (curl -d sends it as a
        # form): any body that parses as JSON is checked as JSON.
        try:
            body = request.body
        except RequestDataTooBig:
            limit = megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
            return BadInput("body", f"请求体超过 {limit} MB 上限", status=413)
        if _JSON_ESCAPE.search(body) is not None:
            try:
                data = json.loads(body)
            except ValueError:
                data = None  # not JSON: a form's fields are checked below
            for path in _walk_json(data, ""):
                return BadInput(path, _value_message(path))
    return None


def find_bad_form(request: HttpRequest) -> BadInput | None:
    """The first form field or file name of a POST that breaks the input rule, or None."""
    if request.method == "POST":
        # Parsing the form here is parsing it once: the CSRF check and the view reuse it.
        for key, values in request.POST.lists():
            if has_control(key) or any(has_control(v) for v in values):
                return BadInput(key, _value_message(key))
        for key, files in request.FILES.lists():
            if has_control(key) or any(has_control(f.name or "") for f in files):
                return BadInput(
                    key,
                    f"上传文件“{visible(key)}”的文件名含有不允许的控制字符，请改名后重新上传",
                )
    return None


def wants_json(request: HttpRequest) -> bool:
    """Whether the answer to ``request`` should be JSON: the API, a .json path, a JSON body
    or an Accept header asking for it (else the site's pages)."""
    path = request.path_info
    return (
        path.startswith("/api/")
        or path.endswith(".json")
        or _is_json(request)
        or "application/json" in request.headers.get("Accept", "")
    )


def refusal(request: HttpRequest, bad: BadInput) -> HttpResponseBase:
    """The 400 (413) answer: the API's error body, or the error page."""
    if wants_json(request):
        body = {"detail": bad.message, "errors": {bad.name: bad.message}}
        return JsonResponse(body, status=bad.status, json_dumps_params={"ensure_ascii": False})
    context = {"message": bad.message, "status": bad.status}
    return TemplateResponse(request, "400.html", context, status=bad.status)


class InputRuleMiddleware:
    """Rule 1 of this module, before the session, the CSRF check and any view.

    Placed before ``SessionMiddleware``: a session cookie with a NUL would otherwise reach a
    database query. The refusal page is drawn without a user (no session was read).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        for name in [k for k, v in request.COOKIES.items() if has_control(k) or has_control(v)]:
            del request.COOKIES[name]
        bad = too_large(request) or find_bad_input(request)
        if bad is not None:
            return _rendered(refusal(request, bad))
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponseBase | None:
        # A form is read here, once the view is known: a CSRF-exempt view (the API, a
        # gateway's callback) reads its own body, and a form read before it would leave
        # it nothing to read. Its JSON was checked above; the API takes no forms.
        if getattr(view, "csrf_exempt", False):
            return None
        bad = find_bad_form(request)
        return None if bad is None else _rendered(refusal(request, bad))


def _rendered(response: HttpResponseBase) -> HttpResponseBase:
    if isinstance(response, TemplateResponse):
        response.render()
    return response


# --- rule 2: every value fits its column -------------------------------------------------


def _label(field: models.Field[Any, Any]) -> str:
    return str(field.verbose_name or field.name)


def column_errors(instance: models.Model) -> dict[str, str]:
    """Each field of ``instance`` whose value the database would refuse (or, on SQLite, keep
    longer than declared): too long for its column, or text holding a NUL."""
    errors: dict[str, str] = {}
    for field in instance._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField | models.FileField):
            continue
        value = field.value_from_object(instance)
        if isinstance(value, FieldFile):
            value = value.name
        if not isinstance(value, str):
            continue
        max_length = field.max_length
        if max_length and len(value) > max_length and not isinstance(field, models.TextField):
            errors[field.name] = (
                f"“{_label(field)}”不能超过 {max_length} 个字符（现有 {len(value)} 个）"
            )
        elif "\x00" in value:
            errors[field.name] = f"“{_label(field)}”不能包含空字符（NUL）"
    return errors


def check_columns(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """``pre_save`` receiver: refuse a project model's row the database would refuse."""
    if not sender.__module__.startswith("shishi."):
        return
    errors = column_errors(instance)
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)
