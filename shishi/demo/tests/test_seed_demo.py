"""The demo looks like a district in the middle of its year: this year's programmes with a
year of history, mostly on schedule, a few red ones that say why, Hulan's seven areas,
units' recent updates waiting for the office, and a login hint that names every account."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from shishi.board.models import ItemStatus, ProgrammeSnapshot
from shishi.board.services import programme_weeks
from shishi.conftest import client_for
from shishi.ledger.demo.current import BACKLOG_DAYS, LATE, OVERDUE, RECENT_DAYS
from shishi.ledger.demo.hulan import AREAS, HULAN_ITEMS
from shishi.ledger.demo.others import NANGANG_ITEMS, SHUANGCHENG_ITEMS
from shishi.ledger.models import Item, Milestone, Programme, ProgressUpdate
from shishi.orgs.demo import DEMO_LOGINS, role_label
from shishi.orgs.models import Membership, Role

REASONS = {
    spec.reason.rstrip("。")
    for spec in (*HULAN_ITEMS, *NANGANG_ITEMS, *SHUANGCHENG_ITEMS)
    if spec.reason
}


def test_seed_demo_looks_like_a_district_in_the_middle_of_its_year(
    db: None, settings: Any, tmp_path: Path
) -> None:
    """One seed (it takes a while), every check on it."""
    settings.MEDIA_ROOT = tmp_path / "media"  # the evidence photos of finished items
    out = StringIO()
    call_command("seed_demo", stdout=out)
    check_this_years_programmes_are_in_realistic_shape()
    check_weeks_of_history_with_milestones_and_snapshots()
    check_hulan_has_items_in_each_of_its_seven_areas()
    check_units_recent_updates_wait_for_review_and_the_rest_is_public(out.getvalue())


def check_this_years_programmes_are_in_realistic_shape() -> None:
    today = timezone.localdate()
    years = dict(
        Programme.objects.values_list("jurisdiction__code", "year").order_by("year")
    )  # the latest year of each district wins
    assert years == {"230103": today.year, "230111": today.year, "230113": today.year}
    # Nangang's 2021 sheet stays, as a past programme of its own year.
    assert Programme.objects.get(jurisdiction__code="230103", year=2021).items.count() == 116

    current = Programme.objects.filter(year=today.year)
    statuses = ItemStatus.objects.filter(programme__in=current)
    lights = Counter(statuses.values_list("light", flat=True))
    total = sum(lights.values())
    assert total == Item.objects.filter(programme__in=current).count() == 66
    # Most items are green (on schedule, ahead, done or ongoing and reported on)…
    assert lights["green"] >= 0.7 * total
    assert {"on_schedule", "done_early", "ongoing"} <= set(
        statuses.values_list("status", flat=True)
    )
    # …and the reds are few, each with the unit's reason as its latest progress text.
    reds = list(statuses.filter(light="red").select_related("item"))
    assert 3 <= len(reds) <= 0.15 * total
    for status in reds:
        assert status.status in ("seriously_behind", "overdue")
        text = status.item.progress_text
        assert any(text.startswith(reason) for reason in REASONS), status.item.name
    assert lights["yellow"] >= 3


def check_weeks_of_history_with_milestones_and_snapshots() -> None:
    today = timezone.localdate()
    hulan = Programme.objects.get(jurisdiction__code="230111", year=today.year)
    updates = ProgressUpdate.objects.filter(item__programme=hulan, is_note=False)
    item = Item.objects.get(programme=hulan, name="开展职业技能培训")
    days = list(item.updates.order_by("id").values_list("reported_on", flat=True))
    assert days == sorted(days) and len(days) >= 10  # posted in date order, over months
    assert (days[-1] - days[0]).days > 8 * 7
    assert item.progress_date == days[-1] and days[-1] <= today
    # The demo never lowers a rate (a lower rate would need a reason) nor posts out of order.
    last: dict[int, tuple[dt.date, Decimal]] = {}
    rows = ProgressUpdate.objects.filter(item__programme__year=today.year, is_note=False)
    for item_id, day, rate in rows.order_by("id").values_list("item_id", "reported_on", "rate"):
        if rate is None:  # a milestone reported done: no rate of its own
            continue
        before = last.get(item_id, (dt.date.min, Decimal(0)))
        assert day > before[0] and rate >= before[1]
        last[item_id] = (day, rate)
    assert updates.filter(reported_on__lt=today - dt.timedelta(weeks=8)).exists()
    # Milestones: some ticked off on their date, some still open.
    milestones = Milestone.objects.filter(item__programme=hulan)
    assert milestones.filter(done_date__isnull=False).exists()
    assert milestones.filter(done_date__isnull=True).exists()
    # A snapshot for every week of the year so far, rebuilt from that history.
    weeks = set(
        ProgrammeSnapshot.objects.filter(programme=hulan, group="").values_list(
            "taken_on", flat=True
        )
    )
    assert weeks == set(programme_weeks(today.year, today))


def check_hulan_has_items_in_each_of_its_seven_areas() -> None:
    hulan = Programme.objects.get(jurisdiction__code="230111", year=timezone.localdate().year)
    per_area = Counter(
        Item.objects.filter(programme=hulan).values_list("category__name", flat=True)
    )
    assert set(per_area) == set(AREAS) and len(AREAS) == 7
    assert sum(per_area.values()) == 34  # 七大方面34项惠民实事
    assert min(per_area.values()) >= 4
    for name in ("老旧小区改造", "供水管网改造", "供热管网改造", "青少年冰雪活动", "幼儿园改建"):
        assert Item.objects.filter(programme=hulan, name=name).exists(), name
    item = Item.objects.get(programme=hulan, name="开展职业技能培训")
    assert item.sponsor_leaders.exists() and item.targets.filter(unit="人次").exists()


def check_units_recent_updates_wait_for_review_and_the_rest_is_public(seeded: str) -> None:
    today = timezone.localdate()
    editors = set(
        Membership.objects.filter(role=Role.UNIT_EDITOR).values_list("user_id", flat=True)
    )
    current = ProgressUpdate.objects.filter(item__programme__year=today.year, is_note=False)
    waiting = current.filter(is_public=False)
    assert waiting.count() >= 10
    # Only the units' updates of the last days wait; each by the lead unit's editor.
    assert set(waiting.values_list("author_id", flat=True)) <= editors
    assert not waiting.filter(reported_on__lte=today - dt.timedelta(days=BACKLOG_DAYS)).exists()
    # Mostly this week's, a few from the weeks before (the office is behind with some).
    older = waiting.filter(reported_on__lte=today - dt.timedelta(days=RECENT_DAYS)).count()
    assert 0 < older < waiting.count() / 2
    # The older ones were published by the office, units' and office's alike.
    published = current.filter(is_public=True)
    assert published.filter(author_id__in=editors).count() > 100
    assert published.exclude(author_id__in=editors).exists()
    assert not Programme.objects.filter(year=today.year, auto_publish=True).exists()
    assert Item.objects.filter(programme__year=today.year, is_public=True).exists()
    assert "待审核的单位进展" in seeded


def test_red_shapes_are_defined_for_the_demo_items() -> None:
    # The catalogues ask for reds in every district, each with a reason to show.
    for items in (HULAN_ITEMS, NANGANG_ITEMS, SHUANGCHENG_ITEMS):
        reds = [spec for spec in items if spec.shape in (LATE, OVERDUE)]
        assert reds and all(spec.reason for spec in reds)


def test_login_hint_lists_every_demo_account_with_its_role(db: None, settings: Any) -> None:
    settings.SHISHI_DEMO = True
    html = client_for(None).get(reverse("login")).content.decode()
    for login in DEMO_LOGINS:
        row = f"<td><code>{login.username}</code></td><td>{login.display_name}</td>"
        assert f"{row}<td>{role_label(login)}</td>" in html
    assert str(Role.UNIT_EDITOR.label) in html and str(Role.SPONSOR_LEADER.label) in html


def test_login_page_has_no_hint_outside_the_demo(db: None, settings: Any) -> None:
    settings.SHISHI_DEMO = False
    settings.DEBUG = False
    html = client_for(None).get(reverse("login")).content.decode()
    assert "demo-hint" not in html and "chengguan" not in html
