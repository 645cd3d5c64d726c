"""The Open311 GeoReport v2 endpoints (docs/demands.md, "Open311").

The format is the path's suffix (``services.json``, ``requests/12.xml``). GETs are public
and limited per client (``SHISHI_RATE_LIMITS["open311"]``); POST requests needs an
``api_key`` and is limited per key (``open311_post``). Every refusal is the spec's error
list, in the format asked for: 400 bad input, 403 bad or missing key, 404 unknown.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt

from shishi.core import errors, ratelimit
from shishi.core.inputs import find_bad_form
from shishi.core.pii import normalize_landline, normalize_phone
from shishi.demands import services
from shishi.demands.models import Channel, Kind, Open311Key
from shishi.demands.open311 import formats, keys, selectors
from shishi.orgs.models import Jurisdiction

MAX_WINDOW = dt.timedelta(days=90)
KEY_SERVICE = "api_key由各区专班签发：shishi create_open311_key 名称 --jurisdiction 区划代码"
MAX_DESCRIPTION = 4000  # the spec's limit
MAX_ADDRESS = 300
MAX_MEDIA_URL = 500
# What the intake calls a field → the spec's parameter.
PARAM_OF = {"category": "service_code", "lon": "long", "landline": "phone", "photos": "media_url"}


class Refusal(Exception):
    """An Open311 error: the HTTP status and the messages of the error list."""

    def __init__(self, status: int, *messages: str) -> None:
        super().__init__(messages[0] if messages else "")
        self.status = status
        self.messages = list(messages)


def error_response(fmt: str, status: int, messages: list[str]) -> HttpResponse:
    response = formats.render(
        formats.error_records(status, messages), fmt, root="errors", status=status
    )
    patch_cache_control(response, no_store=True)
    return response


def open311_view(
    *methods: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Methods allowed, the GET rate per client, and every refusal in the Open311 shape."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            allowed = [*methods, "HEAD"] if "GET" in methods else list(methods)
            try:
                if request.method not in allowed:
                    raise Refusal(
                        400, f"不支持 {request.method} 方法（可用：{'、'.join(methods)}）"
                    )
                if request.method in ("GET", "HEAD"):
                    retry_after = ratelimit.hit("open311", ratelimit.client_key(request))
                    if retry_after:
                        return _too_many(fmt, retry_after)
                response = view(request, *args, fmt=fmt, **kwargs)
            except Refusal as exc:
                response = error_response(fmt, exc.status, exc.messages)
            except errors.ValidationFailed as exc:
                fields = [f"{PARAM_OF.get(k, k)}：{m}" for k, m in exc.errors.items()]
                response = error_response(fmt, 400, fields or [exc.message])
            except errors.NotFound as exc:
                response = error_response(fmt, 404, [exc.message])
            except errors.PermissionDenied as exc:
                response = error_response(fmt, 403, [exc.message])
            except (RequestDataTooBig, SuspiciousOperation):
                response = error_response(fmt, 400, ["请求无法读取（过大或字段过多）"])
            if request.method not in ("GET", "HEAD") or response.status_code >= 400:
                response["Allow"] = ", ".join(allowed)
            return response

        return wrapper

    return decorate


def _too_many(fmt: str, retry_after: int) -> HttpResponse:
    response = error_response(fmt, 429, [f"请求过于频繁，请在{retry_after}秒后再试"])
    response["Retry-After"] = str(retry_after)
    return response


def _public(response: HttpResponse) -> HttpResponse:
    """A public read: anyone's browser app may read it; shared caches keep it a minute."""
    patch_cache_control(response, public=True, max_age=60)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _values(params: QueryDict, name: str) -> list[str]:
    """A parameter that "can be declared multiple times, comma delimited"."""
    return [v.strip() for raw in params.getlist(name) for v in raw.split(",") if v.strip()]


def _district(params: QueryDict, *, key: Open311Key | None = None) -> Jurisdiction:
    """``jurisdiction_id`` (a district's division code); optional where only one district
    opens categories to Open311, or with a key (its district)."""
    code = (params.get("jurisdiction_id") or "").strip()
    if code:
        found = selectors.district(code[:20])
        if found is None:
            raise Refusal(404, f"jurisdiction_id：没有行政区划代码为“{code[:20]}”的区")
        return found
    if key is not None:
        return key.jurisdiction
    districts = selectors.open_districts()
    if len(districts) == 1:
        return districts[0]
    codes = "、".join(f"{d.code}（{d.name}）" for d in districts)
    raise Refusal(
        400,
        "jurisdiction_id：本服务受理多个区的诉求，请用区的行政区划代码指明是哪个区"
        + (f"：{codes}" if codes else ""),
    )


# --- discovery and services ------------------------------------------------------------------


@open311_view("GET")
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    changed = selectors.changeset()
    changeset = formats.w3_datetime(changed) if changed else "2026-01-01T00:00:00+08:00"
    root = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt}))
    data = {
        "changeset": changeset,
        "contact": settings.SHISHI_OPEN311_CONTACT,
        "key_service": KEY_SERVICE,
        "endpoints": [
            {
                "specification": formats.SPEC,
                "url": root.rsplit("/", 1)[0],
                "changeset": changeset,
                "type": "production",
                "formats": [formats.CONTENT_TYPES["xml"].split(";")[0], "application/json"],
            }
        ],
    }
    return _public(formats.render(data, fmt, root="discovery"))


@open311_view("GET")
def service_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    district = _district(request.GET)
    rows = [formats.service_record(c) for c in selectors.services(district.pk)]
    return _public(formats.render(rows, fmt, root="services"))


@open311_view("GET")
def service_definition(request: HttpRequest, code: str, *, fmt: str) -> HttpResponse:
    district = _district(request.GET)
    category = selectors.service(district.pk, code[:40])
    if category is None:
        raise Refusal(404, f"service_code：没有“{code[:40]}”这类服务")
    return _public(
        formats.render(formats.definition_record(category), fmt, root="service_definition")
    )


# --- requests ----------------------------------------------------------------------------


_ID = re.compile(r"^\d{1,18}$")


def _datetime(name: str, raw: str) -> dt.datetime:
    """ISO 8601 (w3): with its zone, or Beijing time when it has none; a "+" that a query
    string turned into a space is read back."""
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", raw.strip())
    try:
        value = dt.datetime.fromisoformat(text) if len(text) <= 40 else None
    except ValueError:
        value = None
    if value is None or not 1900 <= value.year <= 2999:
        raise Refusal(400, f"{name}：应为ISO 8601时间，如 2024-05-01T00:00:00+08:00")
    if value.tzinfo is None:
        value = timezone.make_aware(value)
    return value


def _requests_query(params: QueryDict) -> selectors.RequestsQuery:
    ids = _values(params, "service_request_id")
    bad = [i for i in ids if not _ID.match(i)]
    if bad:
        raise Refusal(400, f"service_request_id：“{bad[0][:20]}”不是诉求编号（应为数字）")
    if len(ids) > selectors.MAX_REQUESTS:
        raise Refusal(400, f"service_request_id：一次最多{selectors.MAX_REQUESTS}个")
    statuses = [s.lower() for s in _values(params, "status")]
    wrong = [s for s in statuses if s not in ("open", "closed")]
    if wrong:
        raise Refusal(400, f"status：应为 open 或 closed，不是“{wrong[0][:20]}”")
    start_raw = (params.get("start_date") or "").strip()
    end_raw = (params.get("end_date") or "").strip()
    start = _datetime("start_date", start_raw) if start_raw else None
    end = _datetime("end_date", end_raw) if end_raw else None
    if start and end:
        if end < start:
            raise Refusal(400, "end_date：不能早于start_date")
        if end - start > MAX_WINDOW:
            raise Refusal(400, "start_date：查询时间跨度不能超过90天")
    elif start:
        end = start + MAX_WINDOW
    elif end:
        start = end - MAX_WINDOW
    else:
        end = timezone.now()
        start = end - MAX_WINDOW
    return selectors.RequestsQuery(
        ids=[int(i) for i in ids],
        service_codes=_values(params, "service_code"),
        statuses=statuses,
        start=start,
        end=end,
    )


@open311_view("GET", "POST")
def requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    district = _district(request.GET)
    query = _requests_query(request.GET)
    rows = [formats.request_record(d) for d in selectors.requests(district.pk, query)]
    return _public(formats.render(rows, fmt, root="service_requests"))


@open311_view("GET")
def request_detail(request: HttpRequest, pk: str, *, fmt: str) -> HttpResponse:
    district = _district(request.GET)
    demand = selectors.request(district.pk, int(pk)) if _ID.match(pk) else None
    if demand is None:
        raise Refusal(404, f"service_request_id：没有编号为“{pk[:20]}”的公开诉求")
    return _public(formats.render([formats.request_record(demand)], fmt, root="service_requests"))


def _decimal(name: str, raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip()[:40])
    except InvalidOperation:
        value = Decimal("NaN")
    bound = 90 if name == "lat" else 180
    if not value.is_finite() or not -bound <= value <= bound:
        raise Refusal(400, f"{name}：应为WGS-84坐标（十进制度数，±{bound}以内）")
    return value.quantize(Decimal("0.000001"))


def _contact(raw: str) -> tuple[str, str]:
    """``phone``: a mobile, or a landline with its area code → (mobile, landline)."""
    for normalise, mobile in ((normalize_phone, True), (normalize_landline, False)):
        try:
            number = normalise(raw)
        except ValueError:
            continue
        return (number, "") if mobile else ("", number)
    raise Refusal(400, "phone：应为手机号码，或带区号的固定电话（如 0451-87654321）")


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    """POST Service Request: a demand taken in through ``services.take_in`` (channel
    Open311, kind 求助), answered with its ``service_request_id`` (no token: realtime)."""
    if (request.content_type or "").lower().endswith("json"):
        raise Refusal(400, "请以 application/x-www-form-urlencoded 表单提交（Open311规范）")
    bad = find_bad_form(request)  # csrf-exempt: the input rule is checked here
    if bad is not None:
        raise Refusal(400, f"{bad.name}：{bad.message}")
    params = request.POST
    raw_key = params.get("api_key") or ""
    if not raw_key.strip():
        raise Refusal(403, "api_key：缺少API密钥")
    key = keys.key_for(raw_key)
    if key is None:
        raise Refusal(403, "api_key：API密钥无效或已停用")
    retry_after = ratelimit.hit("open311_post", f"key{key.pk}")
    if retry_after:
        return _too_many(fmt, retry_after)
    district = _district(params, key=key)
    if district.pk != key.jurisdiction_id:
        raise Refusal(403, f"api_key：这个密钥不能向{district.name}提交诉求")

    code = (params.get("service_code") or "").strip()
    if not code:
        raise Refusal(400, "service_code：请指明服务类别")
    category = selectors.service(district.pk, code[:40])
    if category is None:
        raise Refusal(404, f"service_code：没有“{code[:40]}”这类服务")

    problems: list[str] = []
    lat_raw, lon_raw = (params.get("lat") or "").strip(), (params.get("long") or "").strip()
    address = (params.get("address_string") or "").strip()
    lat = lon = None
    if lat_raw or lon_raw:
        if not (lat_raw and lon_raw):
            problems.append("lat：lat和long须同时提供")
        else:
            try:
                lat, lon = _decimal("lat", lat_raw), _decimal("long", lon_raw)
            except Refusal as exc:
                problems.extend(exc.messages)
    elif not address:
        problems.append(
            "address_string：请提供位置：lat和long，或address_string"
            + ("（不支持address_id）" if params.get("address_id") else "")
        )
    if len(address) > MAX_ADDRESS:
        problems.append(f"address_string：地址最多{MAX_ADDRESS}个字")
    description = (params.get("description") or "").strip()
    if len(description) < 5:  # the intake's rule, before a media_url is added to it
        problems.append("description：请把诉求写清楚（至少5个字）")
    elif len(description) > MAX_DESCRIPTION:
        problems.append(f"description：诉求内容最多{MAX_DESCRIPTION}个字")
    media_url = (params.get("media_url") or "").strip()
    if media_url and (len(media_url) > MAX_MEDIA_URL or not re.match(r"^https?://\S+$", media_url)):
        problems.append("media_url：应为 http(s) 网址")
    phone_raw = (params.get("phone") or "").strip()
    mobile = landline = ""
    if phone_raw:
        try:
            mobile, landline = _contact(phone_raw)
        except Refusal as exc:
            problems.extend(exc.messages)
    name = (params.get("last_name") or "").strip() + (params.get("first_name") or "").strip()
    if problems:
        raise Refusal(400, *problems)
    if media_url and description:
        description = f"{description}\n\n图片：{media_url}"
    data = services.IntakeInput(
        kind=Kind.HELP,
        category_id=category.pk,
        description=description,
        channel=Channel.OPEN311,
        address=address,
        lat=lat,
        lon=lon,
        contact_name=name[:50],
        phone=mobile,
        landline=landline,
    )
    with transaction.atomic():
        demand = services.take_in(district.pk, data)
        keys.record_intake(key, demand)
    notice = f"已受理。查询码：{demand.number}，可凭查询码和手机号后四位查询办理进度"
    body = [{"service_request_id": str(demand.pk), "service_notice": notice, "account_id": None}]
    response = formats.render(body, fmt, root="service_requests")
    patch_cache_control(response, no_store=True)
    return response


@csrf_exempt
def unknown(request: HttpRequest, rest: str) -> HttpResponse:
    """Anything else under /open311/v2/: a known resource without its format is a bad URL
    (400), the rest is not here (404); XML unless the path asks for JSON."""
    fmt = "json" if rest.endswith(".json") else "xml"
    stem = rest.rsplit(".", 1)[0] if "." in rest.rsplit("/", 1)[-1] else rest
    known = re.match(r"^(discovery|services|requests)(/[^/]+)?/?$", stem)
    if known and not re.search(r"\.(json|xml)$", rest):
        return error_response(fmt, 400, ["请在地址末尾加上格式：.xml 或 .json"])
    return error_response(fmt, 404, [f"没有这个地址：/open311/v2/{rest[:100]}"])
