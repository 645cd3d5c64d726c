"""Check-ins at red landmarks, without a login (docs/education.md, "Check-in").

A person names themselves by a nickname or the last four digits of a phone, optionally with
a group (a branch's name). What holds:

- **once per person, landmark and day** — the ``check_in_once`` constraint decides, so two
  taps at once count once;
- **at most ``SHISHI_RATE_LIMITS["landmark_check_in"]`` per client** (default 10 a minute,
  ``core.ratelimit``, counted in memory before the database is touched);
- **no nickname or group shown in public contains a word of the district's list**
  (``SensitiveWord``), compared without spaces, case or full/half-width differences.

A refused check-in writes nothing and is not counted. A kept one adds one to the landmark's
``check_ins`` in the same transaction; the new count is returned.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from shishi.core import pii, ratelimit
from shishi.core.errors import NotFound, ServiceError, ValidationFailed
from shishi.education.models import CheckIn, Landmark, SensitiveWord

NICKNAME_MAX, GROUP_MAX = 20, 50
_TAIL = re.compile(r"\d{4}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f<>]")


class TooManyCheckIns(ServiceError):
    """Past a limit: the person checked in here today, or the client too often."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class CheckInInput:
    nickname: str = ""
    phone_tail: str = ""
    group: str = ""


def folded(text: str) -> str:
    """For comparing with the word list: full-width to half-width, no spaces, lower case."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text)).lower()


def _clean(data: CheckInInput) -> tuple[str, str, str]:
    nickname = unicodedata.normalize("NFKC", data.nickname).strip()
    tail = unicodedata.normalize("NFKC", data.phone_tail).strip()
    group = unicodedata.normalize("NFKC", data.group).strip()
    errors: dict[str, str] = {}
    if not nickname and not tail:
        errors["nickname"] = "请填写昵称或手机号后四位"
    if nickname and (len(nickname) > NICKNAME_MAX or _CONTROL.search(nickname)):
        errors["nickname"] = f"昵称最多{NICKNAME_MAX}个字，不能含尖括号或控制字符"
    if tail and not _TAIL.fullmatch(tail):
        errors["phone_tail"] = "手机号后四位应为4位数字"
    if group and (len(group) > GROUP_MAX or _CONTROL.search(group)):
        errors["group"] = f"团队名称最多{GROUP_MAX}个字，不能含尖括号或控制字符"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors)
    return nickname, tail, group


def _screen(jurisdiction_id: int, nickname: str, group: str) -> None:
    """Refuse a nickname or group that contains a word of the district's list."""
    if not nickname and not group:
        return
    words = [
        folded(w)
        for w in SensitiveWord.objects.filter(jurisdiction_id=jurisdiction_id).values_list(
            "word", flat=True
        )
    ]
    for field, text in (("nickname", nickname), ("group", group)):
        plain = folded(text)
        if plain and any(w and w in plain for w in words):
            message = (
                "昵称含有不宜公开的词语，请换一个"
                if field == "nickname"
                else ("团队名称含有不宜公开的词语，请换一个")
            )
            raise ValidationFailed(message, {field: message})


def check_in(
    district_code: str,
    landmark_id: int,
    data: CheckInInput,
    *,
    client: str,
    now: dt.datetime | None = None,
) -> int:
    """Check in at the landmark; its new count. ``NotFound`` for a landmark not open to
    check-ins in that district, ``ValidationFailed`` naming the field, ``TooManyCheckIns``
    past a limit."""
    retry = ratelimit.hit("landmark_check_in", client)
    if retry:
        raise TooManyCheckIns("打卡太频繁，请稍后再试", retry)
    landmark = (
        Landmark.objects.filter(pk=landmark_id, jurisdiction__code=district_code, is_active=True)
        .only("pk", "jurisdiction_id")
        .first()
    )
    if landmark is None:
        raise NotFound("没有这个红色地标")
    nickname, tail, group = _clean(data)
    _screen(landmark.jurisdiction_id, nickname, group)
    now = now or timezone.now()
    who = f"n:{folded(nickname)}" if nickname else f"p:{tail}"
    try:
        with transaction.atomic():
            CheckIn.objects.create(
                landmark_id=landmark.pk,
                day=timezone.localdate(now),
                who=who[:40],
                nickname=nickname,
                group=group,
                client=pii.lookup_hash(client, purpose="check-in client")[:64],
                at=now,
            )
            Landmark.objects.filter(pk=landmark.pk).update(check_ins=F("check_ins") + 1)
    except IntegrityError:
        raise TooManyCheckIns("今天已在这里打过卡，明天再来吧", _seconds_to_midnight(now)) from None
    return int(Landmark.objects.values_list("check_ins", flat=True).get(pk=landmark.pk))


def _seconds_to_midnight(now: dt.datetime) -> int:
    local = timezone.localtime(now)
    tomorrow = (local + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((tomorrow - local).total_seconds()))
