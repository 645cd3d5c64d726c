"""Publicity figures: they equal the records (counted by hand), per channel and column, for
a date range; the figures page; the report part's text and its registration."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.education import publicity_figures
from shishi.education import publicity_services as svc
from shishi.education.models import Channel, Column, MediaReport, Post
from shishi.reports import extras
from shishi.reports.models import Cycle, Period

pytestmark = pytest.mark.django_db

START, END = dt.date(2021, 6, 1), dt.date(2021, 6, 30)


def _records(world: World) -> None:
    office = world.office
    wechat = svc.save_channel(
        world.nangang, svc.ChannelInput(kind="wechat", name="南岗发布"), actor=office
    )
    led = svc.save_channel(
        world.nangang, svc.ChannelInput(kind="led", name="街区LED屏", screens=12), actor=office
    )
    svc.save_channel(
        world.nangang, svc.ChannelInput(kind="led", name="广场大屏", screens=3), actor=office
    )
    svc.save_channel(
        world.nangang,
        svc.ChannelInput(kind="led", name="停用的屏", screens=40, is_active=False),
        actor=office,
    )
    svc.save_channel(
        world.hulan, svc.ChannelInput(kind="weibo", name="呼兰发布"), actor=world.outsider
    )
    study = svc.save_column(
        wechat, svc.ColumnInput("学党史·办实事", dt.date(2021, 3, 1)), actor=office
    )
    svc.save_column(wechat, svc.ColumnInput("身边榜样"), actor=office)
    svc.save_column(wechat, svc.ColumnInput("以后才开的栏目", dt.date(2021, 8, 1)), actor=office)
    posts = [
        (wechat, study, "一", dt.date(2021, 6, 1), 100),
        (wechat, study, "二", dt.date(2021, 6, 15), 250),
        (wechat, None, "三", dt.date(2021, 6, 30), 50),
        (led, None, "四", dt.date(2021, 6, 20), 0),
        (wechat, study, "范围外", dt.date(2021, 7, 1), 9999),
        (wechat, None, "范围外二", dt.date(2021, 5, 31), 9999),
    ]
    for channel, column, title, day, views in posts:
        svc.save_post(
            world.nangang,
            svc.PostInput(
                channel_id=channel.pk,
                column_id=column.pk if column else None,
                title=title,
                published_on=day,
                views=views,
            ),
            actor=office,
        )
    reports = [
        ("人民日报", "central", dt.date(2021, 6, 2)),
        ("新华社", "central", dt.date(2021, 6, 3)),
        ("黑龙江日报", "provincial", dt.date(2021, 6, 4)),
        ("哈尔滨日报", "city", dt.date(2021, 6, 5)),
        ("哈尔滨日报", "city", dt.date(2021, 6, 6)),
        ("哈尔滨日报", "city", dt.date(2021, 6, 7)),
        ("南岗融媒", "district", dt.date(2021, 6, 8)),
        ("人民日报", "central", dt.date(2021, 7, 8)),  # outside
    ]
    for n, (outlet, level, day) in enumerate(reports):
        svc.save_media(
            world.nangang,
            svc.MediaInput(outlet=outlet, level=level, title=f"报道{n}", published_on=day),
            actor=office,
        )


def test_figures_equal_the_records(world: World) -> None:
    _records(world)
    f = publicity_figures.figures(world.nangang.pk, START, END)
    active = Channel.objects.filter(jurisdiction=world.nangang, is_active=True)
    assert f.channels == active.count() == 3
    assert f.screens == sum(c.screens for c in active if c.kind == "led") == 15
    assert f.columns == 2  # the one opened in August not yet
    in_range = [
        p
        for p in Post.objects.filter(channel__jurisdiction=world.nangang)
        if START <= p.published_on <= END
    ]
    assert f.posts == len(in_range) == 4
    assert f.views == sum(p.views for p in in_range) == 400
    by_level: dict[str, int] = {}
    for r in MediaReport.objects.filter(jurisdiction=world.nangang):
        if START <= r.published_on <= END:
            by_level[r.level] = by_level.get(r.level, 0) + 1
    assert f.reports == by_level == {"central": 2, "provincial": 1, "city": 3, "district": 1}
    assert [(r.label, r.posts, r.views) for r in f.by_channel] == [
        ("南岗发布", 3, 400),
        ("街区LED屏", 1, 0),
    ]
    assert sorted((r.channel, r.label, r.posts, r.views) for r in f.by_column) == [
        ("南岗发布", "学党史·办实事", 2, 350),
        ("南岗发布", "（未分栏目）", 1, 50),
        ("街区LED屏", "（未分栏目）", 1, 0),
    ]
    assert Column.objects.count() == 3


def test_the_report_part_text(world: World) -> None:
    _records(world)
    cycle = Cycle(jurisdiction_id=world.nangang.pk)
    part = publicity_figures.report_part(cycle, Period(start=START, end=END), END)
    assert part is not None and part.key == "education.publicity"
    assert part.paragraphs[0] == (
        "宣传阵地3个（其中LED屏15块），开设栏目2个，发布稿件4篇，阅读量400次；"
        "中央级2篇、省级1篇、市级3篇媒体报道。"
    )
    figures = {f.label: f.value for f in part.figures}
    assert figures["发布稿件"] == 4 and figures["中央级媒体报道"] == 2
    assert part.tables[0].rows[0] == ["南岗发布", "3", "400"]
    empty_district = Cycle(jurisdiction_id=world.city.pk)
    assert publicity_figures.report_part(empty_district, Period(start=START, end=END), END) is None


def test_report_part_is_registered() -> None:
    assert extras._providers["education.publicity"] is publicity_figures.report_part


def test_figures_page_for_a_range(world: World) -> None:
    _records(world)
    url = reverse("education:publicity")
    html = client_for(world.office).get(url, {"start": "2021-06-01", "end": "2021-06-30"})
    text = html.content.decode()
    assert html.status_code == 200
    assert "发布稿件4篇，阅读量400次" in text and "学党史·办实事" in text
    wrong = client_for(world.office).get(url, {"start": "2021-07-01", "end": "2021-06-01"})
    assert wrong.status_code == 200 and "结束日期不能早于开始日期" in wrong.content.decode()
    assert client_for(world.editor_a).get(url).status_code == 403
    outsider = client_for(world.outsider).get(url, {"start": "2021-06-01", "end": "2021-06-30"})
    assert "南岗发布" not in outsider.content.decode()


def test_the_channels_list_counts_each_post_once(world: World) -> None:
    from shishi.education import publicity_selectors

    _records(world)  # 南岗发布: three columns, five posts
    listed = {c.name: c for c in publicity_selectors.channels(world.nangang)}
    wechat = listed["南岗发布"]
    counts = vars(wechat)  # the annotations
    assert counts["column_count"] == Column.objects.filter(channel=wechat).count() == 3
    assert counts["post_count"] == Post.objects.filter(channel=wechat).count() == 5
