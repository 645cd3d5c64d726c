"""What the public intake needs besides ``services.take_in``: SMS verification codes, the
phone verified in a browser session, the limits, the tracking page's lookup, and the likely
duplicates shown to an operator before saving.

Codes: 6 digits, sent through the SMS gateway (``texts.send_code``), stored only as a keyed
hash (``salted_hmac`` over the phone's lookup hash and the code), alive ``CODE_MINUTES``,
dead after ``CODE_TRIES`` wrong tries, used once. A phone verified in a browser session may
submit again without a new code for ``VERIFIED_MINUTES``. Neither a number nor a code is
ever logged.

Duplicates (documented in docs/demands.md, "Intake"): the same caller (by the phone's or the
landline's lookup hash) within ``DUPLICATE_DAYS``; or, within the same days, a demand at the
same place (the same street, or the same address) whose description shares at least
``SIMILARITY`` of its character bigrams (Jaccard).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from shishi.core import ratelimit
from shishi.core.errors import ValidationFailed
from shishi.core.fields import PersonalNumber, matching
from shishi.demands import similarity
from shishi.demands.models import Demand, PhoneCode

CODE_MINUTES = 10
CODE_TRIES = 5
VERIFIED_MINUTES = 30
SESSION_KEY = "demands_verified"
DUPLICATE_DAYS = 14
SIMILARITY = 0.5
DUPLICATE_CANDIDATES = 300  # recent demands at the place compared, newest first


class TooManyRequests(Exception):
    """A named limit was reached; ``retry_after`` seconds until it opens again."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


def check_limit(name: str, key: str) -> None:
    """Count one request of ``key`` against the limit ``name`` (``SHISHI_RATE_LIMITS``)."""
    wait = ratelimit.hit(name, key)
    if wait:
        raise TooManyRequests(wait)


def mobile(raw: str) -> PersonalNumber:
    """The mobile typed, validated (``ValidationFailed`` on ``phone``)."""
    try:
        return PersonalNumber.of("phone", raw or "")
    except ValueError as exc:
        raise ValidationFailed("请填写正确的手机号码", {"phone": str(exc)}) from exc


def _code_hash(phone_hash: str, code: str) -> str:
    return salted_hmac("shishi.demands.code", f"{phone_hash}:{code}").hexdigest()


def request_code(
    raw_phone: str,
    *,
    client: str,
    jurisdiction_id: int | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Send a new code to the mobile (the older ones die), from ``jurisdiction_id``'s form;
    throttled per phone and client."""
    from shishi.demands import texts  # texts imports this module's neighbours

    number = mobile(raw_phone)
    phone_hash = number.lookup_hash()
    check_limit("demand_code_client", client)
    check_limit("demand_code_phone", phone_hash)
    now = now or timezone.now()
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        PhoneCode.objects.filter(phone_hash=phone_hash, used_at__isnull=True).update(used_at=now)
        PhoneCode.objects.create(
            phone_hash=phone_hash,
            code_hash=_code_hash(phone_hash, code),
            expires_at=now + dt.timedelta(minutes=CODE_MINUTES),
        )
    texts.send_code(number, code, jurisdiction_id=jurisdiction_id)


def check_code(raw_phone: str, code: str, *, now: dt.datetime | None = None) -> None:
    """Use the phone's live code if ``code`` is it; else count a wrong try (kept) and raise
    ``ValidationFailed`` on ``code``."""
    number = mobile(raw_phone)
    phone_hash = number.lookup_hash()
    now = now or timezone.now()
    code = (code or "").strip()
    message = ""
    with transaction.atomic():
        live = (
            PhoneCode.objects.select_for_update()
            .filter(
                phone_hash=phone_hash,
                used_at__isnull=True,
                expires_at__gt=now,
                tries__lt=CODE_TRIES,
            )
            .order_by("-created_at", "-id")
            .first()
        )
        if not code:  # nothing typed: not a try
            message = (
                "请填写收到的6位验证码"
                if live is not None
                else "请先获取验证码，再填写收到的6位验证码"
            )
        elif live is None:
            message = "验证码已失效或错误次数过多，请重新获取"
        elif re.fullmatch(r"\d{6}", code) and hmac.compare_digest(
            live.code_hash, _code_hash(phone_hash, code)
        ):
            PhoneCode.objects.filter(pk=live.pk).update(used_at=now)
        else:
            PhoneCode.objects.filter(pk=live.pk).update(tries=F("tries") + 1)
            left = CODE_TRIES - live.tries - 1
            message = (
                f"验证码不正确，还可再试{left}次" if left else "验证码错误次数过多，请重新获取"
            )
    if message:
        raise ValidationFailed(message, {"code": message})


# --- the browser session ---------------------------------------------------------------------


def mark_verified(session: Any, number: PersonalNumber, *, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    until = now + dt.timedelta(minutes=VERIFIED_MINUTES)
    session[SESSION_KEY] = {"hash": number.lookup_hash(), "until": until.timestamp()}


def is_verified(session: Any, number: PersonalNumber, *, now: dt.datetime | None = None) -> bool:
    held = session.get(SESSION_KEY)
    if not isinstance(held, dict):
        return False
    now = now or timezone.now()
    until = held.get("until")
    return (
        isinstance(until, (int, float))
        and until > now.timestamp()
        and hmac.compare_digest(str(held.get("hash", "")), number.lookup_hash())
    )


# --- the tracking page -----------------------------------------------------------------------


def normalise_code(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "").upper()[:20]


def find_for_resident(raw_code: str, tail: str) -> Demand | None:
    """The demand whose tracking code is ``raw_code`` and whose phone (or landline) ends in
    the four digits ``tail``; None otherwise, whichever part was wrong."""
    code = normalise_code(raw_code)
    tail = (tail or "").strip()
    if not code or not re.fullmatch(r"\d{4}", tail):
        return None
    demand = (
        Demand.objects.select_related("category", "unit", "jurisdiction")
        .filter(number=code)
        .first()
    )
    if demand is None:
        return None
    numbers = [n for n in (demand.phone, demand.landline) if n]
    for n in numbers:
        try:
            plain = n.reveal() if isinstance(n, PersonalNumber) else str(n)
        except Exception:  # a key gone: nobody can prove the number
            continue
        if hmac.compare_digest(plain[-4:].encode(), tail.encode()):
            return demand
    return None


# --- likely duplicates -----------------------------------------------------------------------


@dataclass(frozen=True)
class Duplicate:
    demand: Demand
    reason: str  # 同一来电人 / 相似内容
    similarity: float


def likely_duplicates(
    jurisdiction_id: int,
    *,
    phone: str = "",
    landline: str = "",
    description: str = "",
    address: str = "",
    street_id: int | None = None,
    now: dt.datetime | None = None,
    limit: int = 10,
) -> list[Duplicate]:
    """Recent demands of the district that may be the same one (see the module's doc)."""
    now = now or timezone.now()
    recent = Demand.objects.filter(
        jurisdiction_id=jurisdiction_id,
        created_at__gte=now - dt.timedelta(days=DUPLICATE_DAYS),
    ).select_related("category")
    found: dict[int, Duplicate] = {}
    caller = Q()
    for name, raw in (("phone", phone), ("landline", landline)):
        if raw:
            with contextlib.suppress(ValueError):
                caller |= matching(Demand, name, raw)
    if caller:
        for d in recent.filter(caller).order_by("-created_at")[:limit]:
            found[d.pk] = Duplicate(d, "同一来电人", 1.0)
    address = (address or "").strip()
    place = Q()
    if street_id:
        place |= Q(street_id=street_id)
    if address:
        place |= Q(address=address)
    if place and description:
        for d in recent.filter(place).order_by("-created_at")[:DUPLICATE_CANDIDATES]:
            score = similarity.text_similarity(description, d.description)
            if score >= SIMILARITY and d.pk not in found:
                found[d.pk] = Duplicate(d, "相似内容、同一地点", round(score, 2))
    return sorted(found.values(), key=lambda x: (-x.similarity, -x.demand.pk))[:limit]
