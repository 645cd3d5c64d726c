"""Per-client rate limits on public endpoints, and the client's address.

A view declares its limit by name::

    @rate_limited("open_data")
    def items_json(request, ...): ...

    @rate_limited("search", when=lambda request: bool(request.GET.get("q")))
    def programme(request, ...): ...

The rates are settings (``SHISHI_RATE_LIMITS``: name → "count/seconds", e.g. "60/60";
"0" or "off" for no limit; README's configuration table gives the variables). Past its
rate, a client gets 429 with ``Retry-After`` and a short page (or JSON for a ``.json``
address or a client that asks for JSON) saying when to try again.

Counting: one fixed window per client and name, in the cache ``SHISHI_RATELIMIT_CACHE``
(``"ratelimit"``: Django's in-process memory cache). That costs a dictionary lookup under a
lock, nothing on the database: the portal keeps its throughput, and an import holding
SQLite's write lock never stalls a public read. The price is that each server process
counts on its own, so behind gunicorn's ``-w N`` a client may get up to N times the rate
before every process refuses it. These limits stop floods and scrapers, they do not meter;
a deployment that wants one count across processes points the cache alias at a shared
cache (Redis or Memcached, Django's own backends) without touching the code.

The client's address is ``REMOTE_ADDR``, unless ``SHISHI_TRUSTED_PROXIES`` says how many
proxies of our own stand in front (then the address that many hops from the right of
``X-Forwarded-For``); a client cannot choose its address by sending the header itself.
IPv6 clients are counted by their /64 network (one household, one allocation).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control

V = TypeVar("V", bound=Callable[..., HttpResponseBase])

UNKNOWN_ADDRESS = "unknown"


@dataclass(frozen=True)
class Rate:
    count: int  # requests allowed per window; 0: no limit
    seconds: int

    @property
    def unlimited(self) -> bool:
        return self.count <= 0


def parse_rate(text: str, *, name: str = "rate") -> Rate:
    """ "60/60" → 60 requests per 60 seconds; "0", "off" or "" → no limit."""
    raw = text.strip().lower()
    if raw in {"", "0", "off", "none"}:
        return Rate(0, 1)
    count, sep, seconds = raw.partition("/")
    try:
        rate = Rate(int(count), int(seconds) if sep else 60)
    except ValueError:
        rate = Rate(-1, 0)
    if rate.count < 0 or rate.seconds <= 0:
        raise ImproperlyConfigured(
            f"{name} must be requests/seconds (e.g. 60/60) or off, not {text!r}"
        )
    return rate


def rate_for(name: str) -> Rate:
    limits: dict[str, str] = getattr(settings, "SHISHI_RATE_LIMITS", {})
    if name not in limits:
        raise ImproperlyConfigured(f"SHISHI_RATE_LIMITS has no rate named {name!r}")
    return parse_rate(limits[name], name=f"SHISHI_RATE_LIMITS[{name!r}]")


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind ``SHISHI_TRUSTED_PROXIES`` proxies the
    address the outermost of them saw (taken from the right of X-Forwarded-For)."""
    address = request.META.get("REMOTE_ADDR") or ""
    hops = getattr(settings, "SHISHI_TRUSTED_PROXIES", 0)
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return UNKNOWN_ADDRESS
    return str(ip)


def client_key(request: HttpRequest) -> str:
    """What a client is counted by: its IPv4 address, or its IPv6 /64 network."""
    address = client_address(request)
    if ":" in address:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return address


def hit(name: str, key: str, *, now: float | None = None) -> int:
    """Count one request of client ``key`` against rate ``name``: 0 if allowed, else the
    seconds until its window ends (for Retry-After)."""
    rate = rate_for(name)
    if rate.unlimited:
        return 0
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    cache = caches[getattr(settings, "SHISHI_RATELIMIT_CACHE", "ratelimit")]
    cache_key = f"rl:{name}:{key}:{window}"
    if cache.add(cache_key, 1, timeout=rate.seconds + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=rate.seconds + 1)
            count = 1
    if count <= rate.count:
        return 0
    return max(1, math.ceil((window + 1) * rate.seconds - now))


def wants_json(request: HttpRequest) -> bool:
    return request.path.endswith(".json") or "application/json" in request.headers.get("Accept", "")


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponseBase:
    """429 with Retry-After: JSON for a JSON client, else the short page."""
    minutes = max(1, math.ceil(retry_after / 60))
    response: HttpResponseBase
    if wants_json(request):
        response = JsonResponse(
            {
                "detail": f"请求过于频繁，请在{retry_after}秒后再试",
                "retry_after": retry_after,
            },
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = TemplateResponse(
            request,
            "429.html",
            {"retry_after": retry_after, "minutes": minutes},
            status=429,
        )
    response["Retry-After"] = str(retry_after)
    patch_cache_control(response, no_store=True)
    return response


def rate_limited(
    name: str, *, when: Callable[[HttpRequest], bool] | None = None
) -> Callable[[V], V]:
    """Limit a view to the rate ``name`` per client (only requests ``when`` picks, if given)."""

    def decorate(view: V) -> V:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if when is None or when(request):
                retry_after = hit(name, client_key(request))
                if retry_after:
                    return too_many_requests(request, retry_after)
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


class SkipTooManyRequests(logging.Filter):
    """Drops Django's one-line log of each 429 (settings.LOGGING): a flood past a limit would
    flood the log; the login throttle logs and audits each lock once instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", None) != 429
