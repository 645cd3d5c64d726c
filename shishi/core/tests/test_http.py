"""Service errors become pages in one place, with an app's own pages where it has them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import ResolverMatch

from shishi.core import errors
from shishi.core.http import (
    ServiceErrorMiddleware,
    content_disposition,
    error_pages,
    error_response,
)


def _request(view: Callable[..., Any] | None = None) -> HttpRequest:
    request = RequestFactory().get("/somewhere/")
    if view is not None:
        request.resolver_match = ResolverMatch(view, (), {})
    return request


def _view(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
    return HttpResponse()


def test_not_found_and_permission_denied_render_the_site_pages() -> None:
    response = error_response(_request(_view), errors.NotFound("没有这个事项"))
    assert response.status_code == 404
    assert response.template_name == "404.html"
    assert response.context_data == {"message": "没有这个事项", "status": 404}
    assert error_response(_request(), errors.PermissionDenied("不行")).status_code == 403


def test_a_bad_parameter_reaching_a_page_is_a_400_with_its_reason() -> None:
    response = error_response(_request(), errors.ValidationFailed("日期格式不对"))
    assert response.status_code == 400
    response.render()
    assert "日期格式不对" in response.content.decode()


def test_a_view_marked_with_its_apps_pages_gets_them_where_they_exist() -> None:
    marked = error_pages("portal")(_view)
    assert error_response(_request(marked), errors.NotFound("x")).template_name == (
        "portal/404.html"
    )
    # The portal has no 403 page of its own: the site's is used.
    assert error_response(_request(marked), errors.PermissionDenied("x")).template_name == (
        "403.html"
    )


def test_middleware_maps_only_service_errors() -> None:
    middleware = ServiceErrorMiddleware(lambda request: None)  # type: ignore[arg-type, return-value]
    assert middleware.process_exception(_request(), ValueError("boom")) is None
    response = middleware.process_exception(_request(), errors.NotFound("x"))
    assert response.status_code == 404


def test_content_disposition_has_an_ascii_fallback_and_the_utf8_name() -> None:
    value = content_disposition("南岗区 台账.xlsx", "ledger.xlsx")
    assert value == (
        "attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''%E5%8D%97%E5%B2%97%E5%8C%BA%20"
        "%E5%8F%B0%E8%B4%A6.xlsx"
    )
