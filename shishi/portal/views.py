"""The public portal: no login, the same page for everyone, cacheable for a minute.

These views never touch the session or the user, set no cookie and render no CSRF token, so
a shared cache may keep their responses. They read only through ``portal.selectors``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from itertools import groupby
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_safe

from shishi.core import errors
from shishi.core.http import error_pages, is_htmx_target
from shishi.core.ratelimit import rate_limited
from shishi.portal import forms, opendata, selectors
from shishi.portal.images import public_copy

PUBLIC_MAX_AGE = 60  # seconds; a publication change shows within a minute
RESULTS_TARGET = "portal-results"
PHOTOS_PER_ITEM = 4  # thumbnails on the list; the item page shows them all

V = TypeVar("V", bound=Callable[..., HttpResponseBase])


def public_view(view: V) -> V:
    """Service errors become the portal's own pages; a 200 may be kept by shared caches."""

    @error_pages("portal")
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
            # The language comes from a cookie: a shared cache must keep one copy per language.
            patch_vary_headers(response, ["Cookie"])
        return response

    return wrapper  # type: ignore[return-value]


@require_safe
@public_view
def index(request: HttpRequest) -> HttpResponse:
    """The districts with a published programme."""
    programmes = selectors.published_programmes()
    districts = [
        {"code": code, "name": rows[0].district, "programmes": rows}
        for code, group in groupby(programmes, key=lambda p: p.code)
        for rows in [list(group)]
    ]
    return TemplateResponse(request, "portal/index.html", {"districts": districts})


def _searching(request: HttpRequest) -> bool:
    return bool(request.GET.get("q", "").strip())


@require_safe
@rate_limited("search", when=_searching)
@public_view
def programme(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """A programme's published items: search, category filter, progress by category."""
    prog = selectors.public_programme(code, year)
    query = forms.parse_public_query(request.GET)
    summary = selectors.category_summary(prog)
    known_categories = {row.id for row in summary if row.id is not None}
    if query.category not in known_categories:
        query.category = None
    qs = selectors.search_items(selectors.public_items(prog), q=query.q, category=query.category)
    paginator = Paginator(selectors.public_rows(qs), forms.PUBLIC_PER_PAGE)
    page = paginator.get_page(query.page)
    records = selectors.to_records(prog, list(page.object_list), photos_per_item=PHOTOS_PER_ITEM)
    context = {
        "programme": prog,
        "district": prog.jurisdiction,
        "query": query,
        "summary": summary,
        "total": selectors.summary_total(summary),
        "records": records,
        "page": page,
        "paginator": paginator,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "fields": opendata.FIELDS,
        "status_codes": opendata.status_codes(),
    }
    template = "portal/programme.html"
    if is_htmx_target(request, RESULTS_TARGET):
        template = "portal/programme.html#results"
    response = TemplateResponse(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_safe
@public_view
def item(request: HttpRequest, code: str, year: int, item_id: int) -> HttpResponse:
    """One published item: its public fields and its public updates with their photos."""
    prog = selectors.public_programme(code, year)
    record = selectors.public_item(prog, item_id)
    updates = selectors.public_updates(prog, item_id)
    context = {"programme": prog, "district": prog.jurisdiction, "item": record, "updates": updates}
    return TemplateResponse(request, "portal/item.html", context)


@require_safe
@public_view
def photo(request: HttpRequest, code: str, year: int, attachment_id: int) -> HttpResponse:
    """A public photo, without its metadata and without its original file name."""
    prog = selectors.public_programme(code, year)
    attachment = selectors.public_photo(prog, attachment_id)
    try:
        body, content_type = public_copy(attachment)
    except errors.ValidationFailed:
        raise errors.NotFound("照片无法显示") from None
    extension = content_type.split("/")[1].replace("jpeg", "jpg")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="photo-{attachment.pk}.{extension}"'
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def _data_filename(prog: Any, extension: str) -> str:
    return f"shishi-{prog.jurisdiction.code}-{prog.year}-items.{extension}"


def _open_data(
    request: HttpRequest, code: str, year: int, extension: str, build: Callable[..., bytes]
) -> HttpResponse:
    """The programme's open data as ``extension``: from the cache when this version of the
    programme was built before (per process; ``SHISHI_PUBLIC_CACHE_SECONDS``), else built
    and kept. The key holds the publication version, which every committed change of the
    programme's items moves on, and the site's address the records' URLs are built on."""
    prog, version = selectors.public_programme_version(code, year)
    seconds = settings.SHISHI_PUBLIC_CACHE_SECONDS
    key = f"opendata:{extension}:{prog.pk}:{version}:{request.build_absolute_uri('/')}"
    body = caches["public"].get(key) if seconds > 0 else None
    if body is None:
        records = selectors.public_records(prog, selectors.public_items(prog))
        body = build(prog, records, request.build_absolute_uri)
        if seconds > 0:
            caches["public"].set(key, body, timeout=seconds)
    disposition = "inline" if extension == "json" else "attachment"
    response = HttpResponse(body, content_type=OPEN_DATA_TYPES[extension])
    response["Content-Disposition"] = f'{disposition}; filename="{_data_filename(prog, extension)}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _json_bytes(prog: Any, records: Any, absolute: Callable[[str], str]) -> bytes:
    document = opendata.json_document(prog, records, absolute)
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode()


def _csv_bytes(prog: Any, records: Any, absolute: Callable[[str], str]) -> bytes:
    return opendata.csv_bytes(records, absolute)


OPEN_DATA_TYPES = {"json": "application/json; charset=utf-8", "csv": "text/csv; charset=utf-8"}


@require_safe
@rate_limited("open_data")
@public_view
def items_json(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """Open data: every published item of the programme as JSON (see ``portal.opendata``)."""
    return _open_data(request, code, year, "json", _json_bytes)


@require_safe
@rate_limited("open_data")
@public_view
def items_csv(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """Open data: the same records as CSV, UTF-8 with BOM for Excel."""
    return _open_data(request, code, year, "csv", _csv_bytes)


@require_safe
def language(request: HttpRequest) -> HttpResponse:
    """Switch the portal's language by a link (the public pages carry no CSRF token)."""
    target = request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("portal:index")
    response = redirect(target)
    chosen = request.GET.get("lang")
    if chosen in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            chosen,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    patch_cache_control(response, private=True, no_store=True)
    return response


# --- the briefing series (简报专刊) -------------------------------------------------------------


@require_safe
@public_view
def briefings(request: HttpRequest, code: str) -> HttpResponse:
    """The district's published issues marked public, newest first."""
    from shishi.portal import briefings as public_briefings

    place = public_briefings.district(code)
    context = {"district": place, "issues": public_briefings.issues(place)}
    return TemplateResponse(request, "portal/briefings.html", context)


@require_safe
@public_view
def briefing(request: HttpRequest, code: str, number: int) -> HttpResponse:
    """One public issue with its articles and photos (personal numbers masked)."""
    from shishi.portal import briefings as public_briefings

    place = public_briefings.district(code)
    context = {"district": place, "issue": public_briefings.issue(place, number)}
    return TemplateResponse(request, "portal/briefing.html", context)


@require_safe
@public_view
def briefing_photo(request: HttpRequest, code: str, number: int, photo_id: int) -> HttpResponse:
    """A public issue's photo, re-encoded without its metadata."""
    from shishi.portal import briefings as public_briefings
    from shishi.portal.images import clean_attachment

    place = public_briefings.district(code)
    found = public_briefings.photo(place, number, photo_id)
    try:
        body, content_type = clean_attachment(found.image)
    except errors.ValidationFailed:
        raise errors.NotFound("照片无法显示") from None
    extension = content_type.split("/")[1].replace("jpeg", "jpg")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="briefing-photo-{found.pk}.{extension}"'
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
