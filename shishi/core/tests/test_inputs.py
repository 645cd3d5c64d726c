"""The input rules at the root (core/inputs.py): no control characters in any text a request
carries, refused with 400 naming the parameter before any view runs; and no value longer than
its column reaching the database. On PostgreSQL (``make test-pg``) a NUL that got through
would be a 500: these tests run there too.

The inputs are found, not listed by hand: every URL pattern of the project, every field of
every form class, every query parameter and string property of the API's OpenAPI schema, and
every ``CharField``/``FileField`` of every project model.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import (
    Resolver404,
    ResolverMatch,
    URLPattern,
    URLResolver,
    get_resolver,
    resolve,
)

import shishi
from shishi.api import api
from shishi.conftest import World, client_for
from shishi.core.errors import ValidationFailed
from shishi.core.inputs import CONTROL, column_errors, has_control, megabytes
from shishi.orgs.services import create_api_token

NUL = "\x00"

# --- finding the inputs --------------------------------------------------------------------

SAMPLES = {"int": "1", "str": "230103", "portal_division": "230103", "path": "x", "slug": "x"}
CONVERTER = re.compile(r"<(?:(\w+):)?\w+>")


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for p in patterns:
        route = str(p.pattern)
        if route.startswith("^") or "(?" in route:  # a regex pattern (admin's): no route
            continue
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, prefix + route)
        elif isinstance(p, URLPattern):
            yield prefix + route


def sample_paths() -> list[str]:
    """Every URL of the project, its parameters filled with sample values."""
    paths = set()
    for route in _routes(get_resolver().url_patterns):
        path = CONVERTER.sub(lambda m: SAMPLES.get(m.group(1) or "str", "1"), route)
        paths.add("/" + path)
    return sorted(paths)


def resolve_or_none(path: str) -> ResolverMatch | None:
    try:
        return resolve(path)
    except Resolver404:
        return None


def form_classes() -> list[type[forms.Form]]:
    """Every form class the project defines (in its forms modules and views)."""
    for info in pkgutil.walk_packages(shishi.__path__, "shishi."):
        if ".tests" in info.name or ".migrations" in info.name or info.name.endswith("manage"):
            continue
        if info.name.rsplit(".", 1)[-1].endswith(("forms", "views")):
            importlib.import_module(info.name)
    found: list[type[forms.Form]] = []
    queue: list[type[Any]] = [forms.BaseForm]
    while queue:
        cls = queue.pop()
        for sub in cls.__subclasses__():
            queue.append(sub)
            if sub.__module__.startswith("shishi.") and ".tests" not in sub.__module__:
                found.append(sub)
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__qualname__}")


def form_field_names() -> set[str]:
    return {name for form in form_classes() for name in form.base_fields}


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        return _resolve(spec["components"]["schemas"][ref.rsplit("/", 1)[-1]], spec)
    options = schema.get("anyOf", [])
    if any(option.get("type") == "number" for option in options):
        return {"type": "number"}  # a Decimal: a number, or its digits as a string
    for key in ("anyOf", "allOf"):
        for option in schema.get(key, []):
            resolved = _resolve(option, spec)
            if resolved.get("type") in ("object", "string"):
                return resolved
    return schema


def api_inputs() -> Iterator[tuple[str, str, str, str, dict[str, Any]]]:
    """(method, path, where, name, schema) for every query parameter and every property of
    every request body of the API."""
    spec = api.get_openapi_schema()
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            for param in op.get("parameters", []):
                if param["in"] == "query":
                    yield method, path, "query", param["name"], _resolve(param["schema"], spec)
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                schema = _resolve(body["schema"], spec)
                for name, prop in schema.get("properties", {}).items():
                    yield method, path, "body", name, _resolve(prop, spec)


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


# --- rule 1: control characters --------------------------------------------------------------


def _named(response: Any, name: str) -> bool:
    if response["Content-Type"].startswith("application/json"):
        return name in response.json()["errors"]
    return f"“{name}”" in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/public/230103/2021/?q=%00", "/public/230103/2021/items.json?q=%00"]
)
def test_a_nul_in_the_portal_search_is_a_400_naming_q(world: World, url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 400
    assert _named(response, "q")


def test_a_nul_in_the_publication_page_filter_is_a_400_naming_q(world: World) -> None:
    response = client_for(world.office).get(f"/public/manage/{world.programme.pk}/?q=%00")
    assert response.status_code == 400
    assert "“q”含有不允许的控制字符" in response.content.decode()


def test_tab_newline_and_carriage_return_are_text(world: World) -> None:
    assert not has_control("第一行\r\n第二行\t完")
    response = client_for(world.office).get("/ledger/", {"q": "一曼街\t塌陷"})
    assert response.status_code == 200
    assert all(has_control(chr(c)) for c in (0, 1, 8, 11, 12, 14, 31))
    assert CONTROL.search("\x7f") is None


def test_every_url_refuses_a_nul_in_its_query_and_form(world: World) -> None:
    """Every URL pattern, with every name a form or the API reads as a parameter."""
    queries = {n for _, _, where, n, _ in api_inputs() if where == "query"}
    names = sorted(form_field_names() | queries)
    assert {"q", "text", "reason", "comment", "name"} <= set(names)
    query = "&".join(f"{n}=%00" for n in names)
    client = client_for(world.office)
    paths = sample_paths()
    assert len(paths) > 80
    for path in paths:
        got = client.get(f"{path}?{query}")
        assert got.status_code == 400, (path, got.status_code)
        assert _named(got, names[0]), path
        posted = client.post(path, {n: f"值{NUL}" for n in names})
        match = resolve_or_none(path)
        if match is not None and not getattr(match.func, "csrf_exempt", False):
            assert posted.status_code == 400, (path, posted.status_code)
            assert _named(posted, names[0]), path
        else:  # the API and a gateway's callback read their own bodies (JSON, checked)
            assert posted.status_code < 500, (path, posted.status_code)
        # Django's multipart parser drops unprintable characters from file names itself.
        upload = SimpleUploadedFile(f"照片{NUL}.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
        sent = client.post(path, {"attachments": upload})
        assert sent.status_code < 500, (path, sent.status_code)


def test_each_parameter_is_named_on_its_own(world: World) -> None:
    client = client_for(world.office)
    for name in sorted(form_field_names()):
        response = client.get("/ledger/", {name: f"x{NUL}"})
        assert response.status_code == 400
        assert _named(response, name), name


def test_every_api_input_refuses_a_nul_with_its_name(world: World) -> None:
    key = create_api_token(world.office, name="t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    inputs = list(api_inputs())
    assert any(where == "body" for _, _, where, _, _ in inputs)
    for method, path, where, name, _ in inputs:
        url = _fill(path)
        assert url.startswith("/api/v1/"), url
        if where == "query":
            response = client.generic(method.upper(), f"{url}?{name}=%00")
        else:
            body = json.dumps({name: NUL, "nested": {"deeper": ["ok", f"x{NUL}"]}})
            response = client.generic(method.upper(), url, body, "application/json")
        assert response.status_code == 400, (method, path, name, response.content)
        assert name in response.json()["errors"], (method, path, name)


def test_a_nul_deep_in_a_json_body_is_named_by_its_path(world: World) -> None:
    key = create_api_token(world.editor_a, name="t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    body = json.dumps({"changes": {"name": "新名称\u0000"}, "reason": "ok"})
    response = client.post(
        f"/api/v1/items/{world.item_a.pk}/change-requests", body, "application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"changes.name": response.json()["detail"]}
    # An escaped backslash followed by "u0000" is text, not a NUL.
    text = json.dumps({"text": "\\u0000 是六个字符"})
    assert "\\\\u0000" in text
    fine = client.post(f"/api/v1/items/{world.item_a.pk}/updates", text, "application/json")
    assert fine.status_code == 201, fine.content


def test_a_nul_in_a_path_parameter_is_refused(world: World) -> None:
    client = client_for(world.city_office)
    for url in ("/board/city/%00/", "/workdays/23%0003/", "/api/v1/items/%00"):
        assert client.get(url).status_code == 400, url


def test_a_session_cookie_with_a_nul_is_dropped_not_a_server_error(world: World) -> None:
    client = Client()
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    response = client.get("/ledger/")
    assert response.status_code == 302  # signed out: to the login page
    assert "/login/" in response["Location"]
    client.cookies["csrftoken"] = "\x01" * 32
    assert client.get("/public/").status_code == 200


def test_a_multipart_request_over_the_total_is_refused_before_it_is_read(
    world: World, settings: Any
) -> None:
    settings.SHISHI_MAX_REQUEST_UPLOAD_BYTES = 100 * 1024
    files = [
        SimpleUploadedFile(f"{i}.jpg", b"\xff" * 400 * 1024, content_type="image/jpeg")
        for i in range(3)
    ]
    response = client_for(world.editor_a).post(
        f"/ledger/items/{world.item_a.pk}/progress/",
        {"text": "x", "reported_on": "2021-06-30", "version": 1, "attachments": files},
    )
    assert response.status_code == 413
    assert '<p class="error-code">413</p>' in response.content.decode()
    assert f"一次提交的文件合计不能超过 {megabytes(100 * 1024)} MB" in response.content.decode()


def test_a_json_body_over_the_memory_limit_is_a_413_not_a_crash(
    world: World, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    key = create_api_token(world.editor_a, name="t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    body = json.dumps({"text": "长" * 2000})
    response = client.post(f"/api/v1/items/{world.item_a.pk}/updates", body, "application/json")
    assert response.status_code == 413
    assert "MB" in response.json()["detail"]


# --- rule 2: every value fits its column -----------------------------------------------------


def project_text_columns() -> list[tuple[type[models.Model], models.Field[Any, Any]]]:
    return [
        (model, field)
        for model in apps.get_models()
        if model.__module__.startswith("shishi.")
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.FileField) and field.max_length
    ]


def test_every_project_char_column_is_guarded_at_max_length_plus_one() -> None:
    columns = project_text_columns()
    assert len(columns) > 40
    for model, field in columns:
        instance = model()
        limit = int(field.max_length or 0)
        setattr(instance, field.attname, "x" * limit)
        assert field.name not in column_errors(instance), (model, field)
        setattr(instance, field.attname, "x" * (limit + 1))
        errors = column_errors(instance)
        assert field.name in errors, (model, field)
        assert str(field.max_length) in errors[field.name]


def test_text_with_a_nul_never_reaches_a_table(world: World) -> None:
    item = world.item_a
    item.content = f"内容{NUL}"
    with pytest.raises(ValidationFailed) as caught:
        item.save()
    assert "content" in caught.value.errors


def test_an_over_long_value_is_refused_before_the_database(world: World) -> None:
    unit = world.unit_a
    unit.name = "局" * 500
    with pytest.raises(ValidationFailed) as caught:
        unit.save()
    assert list(caught.value.errors) == ["name"]


# Single-line text fields that are parsed into other values, never stored as text.
PARSED_TEXT = {
    "shishi.workdays.forms.HolidayForm.workdays": "dates",
}


def test_every_form_text_field_has_a_length_limit() -> None:
    """A one-line text field has its column's limit (a text area feeds a TextField, a
    pattern bounds a RegexField)."""
    unbounded = [
        f"{form.__module__}.{form.__qualname__}.{name}"
        for form in form_classes()
        for name, field in form.base_fields.items()
        if type(field) is forms.CharField
        and not field.max_length
        and not isinstance(field.widget, forms.Textarea)
    ]
    assert len(form_classes()) > 20
    assert sorted(unbounded) == sorted(PARSED_TEXT)


def _strings(schema: dict[str, Any], name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every string schema inside ``schema`` (nested objects and lists too)."""
    spec = api.get_openapi_schema()
    schema = _resolve(schema, spec)
    if schema.get("type") == "string":
        yield name, schema
    for key, prop in schema.get("properties", {}).items():
        yield from _strings(prop, f"{name}.{key}")
    if "items" in schema:
        yield from _strings(schema["items"], f"{name}[]")
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        yield from _strings(extra, f"{name}{{}}")


def test_every_api_text_input_has_a_length_limit() -> None:
    bounded = {"maxLength", "enum", "pattern", "format", "const"}
    inputs = [
        (f"{method} {path} {where}", text, schema)
        for method, path, where, name, prop in api_inputs()
        for text, schema in _strings(prop, name)
    ]
    assert len(inputs) > 20
    assert [f"{op} {text}" for op, text, schema in inputs if not bounded & set(schema)] == []


def test_a_json_body_sent_as_a_form_is_checked_as_json(world: World) -> None:
    """curl -d sends JSON as a form; the API reads it as JSON all the same."""
    key = create_api_token(world.editor_a, name="t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    body = json.dumps({"text": "进展\u0000"})
    response = client.post(
        f"/api/v1/items/{world.item_a.pk}/updates",
        body,
        "application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["text"]
