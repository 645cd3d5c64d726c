"""The study and publicity figures reach the 简报: a briefing drafted from a compiled report
carries the other apps' parts (``reports.extras``) as articles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from shishi.conftest import World
from shishi.education import publicity_services as svc
from shishi.reports import briefings, services
from shishi.reports.models import Cycle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_briefing_from_a_compiled_report_carries_the_publicity_line(world: World) -> None:
    today = timezone.localdate()
    wechat = svc.save_channel(
        world.nangang, svc.ChannelInput(kind="wechat", name="南岗发布"), actor=world.office
    )
    for n, views in enumerate((120, 80)):
        svc.save_post(
            world.nangang,
            svc.PostInput(channel_id=wechat.pk, title=f"稿件{n}", published_on=today, views=views),
            actor=world.office,
        )
    cycle = Cycle.objects.create(
        jurisdiction=world.nangang,
        programme=world.programme,
        code="weekly",
        name="为民办实事周报告",
        cadence="weekly",
        due_weekday=4,
        due_time=dt.time(17, 0),
    )
    week = today.isocalendar()
    period = services.open_period(cycle, f"{week.year}-W{week.week:02d}").period
    version = services.compile_report(period, actor=world.office)
    draft = briefings.create_briefing(world.nangang.pk, actor=world.office, report_version=version)
    articles = {a.heading: a.text for a in draft.articles.all()}
    assert "发布稿件2篇" in articles["宣传工作情况"]
    assert "阅读量200次" in articles["宣传工作情况"]
