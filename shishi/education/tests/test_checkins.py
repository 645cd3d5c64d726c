"""Check-ins without a login: once per person, landmark and day; at most the client's rate;
no word of the district's list in a public nickname; a refused one is not counted."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import caches
from django.utils import timezone

from shishi.conftest import World
from shishi.core.errors import NotFound, ValidationFailed
from shishi.education.checkins import CheckInInput, TooManyCheckIns, check_in
from shishi.education.models import CheckIn, Landmark, SensitiveWord

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    caches["ratelimit"].clear()


def _landmark(world: World, **values: Any) -> Landmark:
    return Landmark.objects.create(
        jurisdiction=world.nangang, name="东北抗联博物馆", address="一曼街241号", **values
    )


def test_once_per_person_landmark_and_day(world: World) -> None:
    place = _landmark(world)
    assert check_in("230103", place.pk, CheckInInput(nickname="小红"), client="a", now=NOON) == 1
    with pytest.raises(TooManyCheckIns) as again:
        check_in("230103", place.pk, CheckInInput(nickname=" 小红 "), client="b", now=NOON)
    assert again.value.status == 429 and again.value.retry_after > 0
    # Another person, and the same person the next day, count.
    assert check_in("230103", place.pk, CheckInInput(phone_tail="1234"), client="c", now=NOON) == 2
    tomorrow = NOON + dt.timedelta(days=1)
    assert (
        check_in("230103", place.pk, CheckInInput(nickname="小红"), client="a", now=tomorrow) == 3
    )
    place.refresh_from_db()
    assert place.check_ins == CheckIn.objects.filter(landmark=place).count() == 3


def test_a_burst_from_one_client_is_refused_and_not_counted(world: World, settings: Any) -> None:
    settings.SHISHI_RATE_LIMITS = {**settings.SHISHI_RATE_LIMITS, "landmark_check_in": "10/60"}
    place = _landmark(world)
    kept, refused = 0, 0
    for n in range(15):
        try:
            check_in("230103", place.pk, CheckInInput(nickname=f"游客{n}"), client="10.0.0.1")
            kept += 1
        except TooManyCheckIns:
            refused += 1
    assert (kept, refused) == (10, 5)
    place.refresh_from_db()
    assert place.check_ins == CheckIn.objects.count() == 10
    # Another client is not held back.
    check_in("230103", place.pk, CheckInInput(nickname="另一位"), client="10.0.0.2")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (CheckInInput(), "nickname"),
        (CheckInInput(phone_tail="12a4"), "phone_tail"),
        (CheckInInput(phone_tail="12345"), "phone_tail"),
        (CheckInInput(nickname="x" * 21), "nickname"),
        (CheckInInput(nickname="<b>hi</b>"), "nickname"),
        (CheckInInput(nickname="小红", group="g" * 51), "group"),
    ],
)
def test_bad_input_names_the_field(world: World, data: CheckInInput, field: str) -> None:
    place = _landmark(world)
    with pytest.raises(ValidationFailed) as refused:
        check_in("230103", place.pk, data, client="a")
    assert field in refused.value.errors
    assert not CheckIn.objects.exists()


def test_the_word_list_screens_nicknames_and_groups(world: World) -> None:
    place = _landmark(world)
    SensitiveWord.objects.create(jurisdiction=world.nangang, word="坏词")
    for data, field in (
        (CheckInInput(nickname="我是坏 词"), "nickname"),  # spaces do not hide it
        (CheckInInput(nickname="小红", group="坏词支部"), "group"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            check_in("230103", place.pk, data, client="a")
        assert field in refused.value.errors
    assert check_in("230103", place.pk, CheckInInput(nickname="好人"), client="a") == 1


def test_unknown_closed_or_other_districts_landmark_is_not_found(world: World) -> None:
    closed = _landmark(world, is_active=False)
    for district, pk in (("230103", closed.pk), ("230103", 999999), ("230111", closed.pk)):
        with pytest.raises(NotFound):
            check_in(district, pk, CheckInInput(nickname="小红"), client="a")
    assert timezone.now() and not CheckIn.objects.exists()
