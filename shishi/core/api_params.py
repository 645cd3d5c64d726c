"""Helpers every app's API router shares (django-ninja endpoints under ``/api/v1/``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest

from shishi.core.errors import ValidationFailed


def reject_unknown_params(
    request: HttpRequest, allowed: type[Any] | Iterable[str] | None = None
) -> None:
    """A misspelt filter must not silently return everything: refuse unknown query
    parameters (422, each named). ``allowed`` is the endpoint's query schema (its
    ``model_fields``), the names themselves, or None for an endpoint that takes none."""
    if allowed is None:
        names: set[str] = set()
    elif isinstance(allowed, type):
        names = set(allowed.model_fields)
    else:
        names = set(allowed)
    unknown = sorted(set(request.GET) - names)
    if unknown:
        raise ValidationFailed(
            f"未知的查询参数：{', '.join(unknown)}", {name: "未知参数" for name in unknown}
        )
