"""Publicity records: channels and columns, posts and media reports entered and edited
(version-checked, audited, every bad field named), the sheets (every kind of bad cell,
unknown channel or column named, idempotent re-imports updating views), the wizard, the
command, the exports and the permission matrix of the pages."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.education import publicity_services as svc
from shishi.education import publicity_sheet
from shishi.education.models import Channel, Column, MediaReport, Post
from shishi.education.party_selectors import stamp_of
from shishi.enterprise.models import SheetImport, SheetStatus

pytestmark = pytest.mark.django_db

POST_HEADERS = ["阵地", "栏目", "标题", "发布日期", "链接", "阅读量"]
MEDIA_HEADERS = ["媒体", "级别", "标题", "刊发日期", "链接"]
DAY = dt.date(2021, 6, 30)


def xlsx(headers: list[str], rows: list[list[Any]]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, row in enumerate([headers, *rows]):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.close()
    return out.getvalue()


def channels(world: World) -> tuple[Channel, Channel, Column]:
    wechat = svc.save_channel(
        world.nangang,
        svc.ChannelInput(
            kind="wechat", name="南岗发布", account="nangang_fb", unit_id=world.unit_a.pk
        ),
        actor=world.office,
    )
    led = svc.save_channel(
        world.nangang,
        svc.ChannelInput(kind="led", name="街区LED屏", screens=12),
        actor=world.office,
    )
    column = svc.save_column(wechat, svc.ColumnInput("学党史·办实事", DAY), actor=world.office)
    return wechat, led, column


POSTS: list[list[Any]] = [
    [
        "南岗发布",
        "学党史·办实事",
        "一曼街路段修复完工",
        "2021-06-30",
        "https://example.org/1",
        1200,
    ],
    ["南岗发布", None, "幼儿园开园", "2021-07-02", None, 800],
    ["街区LED屏", None, "红色故事滚动播放", "2021/7/3", None, None],
]


# --- channels and columns -------------------------------------------------------------------


def test_channel_crud_with_version_and_audit(world: World) -> None:
    wechat, led, column = channels(world)
    assert (led.screens, column.channel_id) == (12, wechat.pk)
    edited = svc.save_channel(
        world.nangang,
        svc.ChannelInput(kind="wechat", name="南岗发布", account="new"),
        actor=world.office,
        channel=wechat,
        version=1,
    )
    assert edited.version == 2 and edited.account == "new"
    with pytest.raises(StaleEdit):
        svc.save_channel(
            world.nangang,
            svc.ChannelInput(kind="wechat", name="南岗发布", account="old"),
            actor=world.office,
            channel=wechat,
            version=1,
        )
    svc.remove_channel(led, version=1, actor=world.office)
    assert not Channel.objects.filter(pk=led.pk).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "education.channel_create",
        "education.channel_update",
        "education.column_create",
    } <= actions
    assert "education.channel_remove" in actions


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (svc.ChannelInput(kind="fax", name="x"), "kind"),
        (svc.ChannelInput(kind="wechat", name=""), "name"),
        (svc.ChannelInput(kind="wechat", name="南岗发布"), "name"),  # taken
        (svc.ChannelInput(kind="wechat", name="y", screens=3), "screens"),
        (svc.ChannelInput(kind="led", name="y", screens=-1), "screens"),
        (svc.ChannelInput(kind="wechat", name="y", account="a" * 101), "account"),
    ],
)
def test_bad_channel_names_the_field(world: World, data: svc.ChannelInput, field: str) -> None:
    channels(world)
    with pytest.raises(ValidationFailed) as exc:
        svc.save_channel(world.nangang, data, actor=world.office)
    assert field in exc.value.errors


def test_channel_of_another_districts_unit_is_refused(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        svc.save_channel(
            world.nangang,
            svc.ChannelInput(kind="app", name="x", unit_id=world.hulan_unit.pk),
            actor=world.office,
        )
    assert exc.value.errors == {"unit_id": "请选择本区的单位"}


def test_column_edit_against_stamp_and_unique_name(world: World) -> None:
    wechat, _led, column = channels(world)
    with pytest.raises(ValidationFailed):
        svc.save_column(wechat, svc.ColumnInput("学党史·办实事"), actor=world.office)
    stamp = stamp_of(column)
    svc.save_column(
        wechat, svc.ColumnInput("我为群众办实事"), actor=world.office, column=column, stamp=stamp
    )
    with pytest.raises(StaleEdit):
        svc.save_column(
            wechat, svc.ColumnInput("别的名字"), actor=world.office, column=column, stamp=stamp
        )
    column.refresh_from_db()
    assert column.name == "我为群众办实事"


def test_channel_with_posts_cannot_be_removed(world: World) -> None:
    wechat, _led, _column = channels(world)
    svc.save_post(
        world.nangang,
        svc.PostInput(channel_id=wechat.pk, title="t", published_on=DAY),
        actor=world.office,
    )
    with pytest.raises(ValidationFailed):
        svc.remove_channel(wechat, version=wechat.version, actor=world.office)


# --- posts and media reports ---------------------------------------------------------------


def test_post_enter_then_edit_views_later(world: World) -> None:
    wechat, _led, column = channels(world)
    post = svc.save_post(
        world.nangang,
        svc.PostInput(channel_id=wechat.pk, column_id=column.pk, title="标题", published_on=DAY),
        actor=world.office,
    )
    assert post.views == 0
    svc.save_post(
        world.nangang,
        svc.PostInput(
            channel_id=wechat.pk, column_id=column.pk, title="标题", published_on=DAY, views=99
        ),
        actor=world.office,
        post=post,
        version=1,
    )
    post.refresh_from_db()
    assert (post.views, post.version) == (99, 2)
    event = AuditEvent.objects.filter(action="education.post_update").get()
    assert event.changes["views"] == [0, 99]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel_id": None}, "channel_id"),
        ({"title": ""}, "title"),
        ({"published_on": None}, "published_on"),
        ({"published_on": dt.date(2999, 1, 1)}, "published_on"),
        ({"link": "javascript:alert(1)"}, "link"),
        ({"views": -5}, "views"),
        ({"column_id": -1}, "column_id"),
    ],
)
def test_bad_post_names_the_field(world: World, change: dict[str, Any], field: str) -> None:
    wechat, _led, _column = channels(world)
    data: dict[str, Any] = {"channel_id": wechat.pk, "title": "t", "published_on": DAY}
    data.update(change)
    with pytest.raises(ValidationFailed) as exc:
        svc.save_post(world.nangang, svc.PostInput(**data), actor=world.office)
    assert field in exc.value.errors


def test_column_of_another_channel_is_refused(world: World) -> None:
    _wechat, led, column = channels(world)
    with pytest.raises(ValidationFailed) as exc:
        svc.save_post(
            world.nangang,
            svc.PostInput(channel_id=led.pk, column_id=column.pk, title="t", published_on=DAY),
            actor=world.office,
        )
    assert exc.value.errors == {"column_id": "请选择这个宣传阵地的栏目"}


def test_media_report_enter_edit_and_stale(world: World) -> None:
    data = svc.MediaInput(
        outlet="人民日报", level="central", title="南岗区办实事", published_on=DAY
    )
    report = svc.save_media(world.nangang, data, actor=world.office)
    with pytest.raises(ValidationFailed) as exc:
        svc.save_media(world.nangang, data, actor=world.office)
    assert "title" in exc.value.errors
    changed = svc.MediaInput(
        outlet="人民日报", level="provincial", title="南岗区办实事", published_on=DAY
    )
    svc.save_media(world.nangang, changed, actor=world.office, report=report, version=1)
    with pytest.raises(StaleEdit):
        svc.save_media(world.nangang, data, actor=world.office, report=report, version=1)
    with pytest.raises(ValidationFailed) as exc:
        svc.save_media(
            world.nangang,
            svc.MediaInput(outlet="", level="global", title="", published_on=None),
            actor=world.office,
        )
    assert set(exc.value.errors) == {"outlet", "level", "title", "published_on"}


def test_only_the_districts_office_writes(world: World) -> None:
    for user in (world.editor_a, world.outsider, world.resident):
        with pytest.raises(PermissionDenied):
            svc.save_channel(world.nangang, svc.ChannelInput(kind="app", name="x"), actor=user)
        with pytest.raises(PermissionDenied):
            svc.save_media(
                world.nangang,
                svc.MediaInput(outlet="a", level="city", title="b", published_on=DAY),
                actor=user,
            )


# --- the sheets ----------------------------------------------------------------------------


def test_posts_sheet_imports_and_reimport_updates_views(world: World) -> None:
    wechat, led, column = channels(world)
    applied = publicity_sheet.apply_posts(
        world.nangang.pk, xlsx(POST_HEADERS, POSTS), "p.xlsx", actor=world.office
    )
    assert (applied.created, applied.updated, applied.unchanged) == (3, 0, 0)
    first = Post.objects.get(title="一曼街路段修复完工")
    assert (first.channel_id, first.column_id, first.views, first.published_on) == (
        wechat.pk,
        column.pk,
        1200,
        DAY,
    )
    assert Post.objects.get(title="红色故事滚动播放").channel_id == led.pk
    again = publicity_sheet.apply_posts(
        world.nangang.pk, xlsx(POST_HEADERS, POSTS), "p.xlsx", actor=world.office
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    more = [row[:] for row in POSTS]
    more[0][5] = 1500
    third = publicity_sheet.apply_posts(
        world.nangang.pk, xlsx(POST_HEADERS, more), "p.xlsx", actor=world.office
    )
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    first.refresh_from_db()
    assert (first.views, first.version) == (1500, 2)
    assert Post.objects.count() == 3
    assert AuditEvent.objects.filter(action="education.posts_import").count() == 3


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            ["某某号", None, "t", "2021-06-30", None, 1],
            "第2行，A列（阵地）：本区没有名为“某某号”的宣传阵地，请先添加",
        ),
        (
            ["南岗发布", "没这栏目", "t", "2021-06-30", None, 1],
            "第2行，B列（栏目）：南岗发布没有名为“没这栏目”的栏目，请先添加",
        ),
        ([None, None, "t", "2021-06-30", None, 1], "第2行，A列（阵地）：请填写宣传阵地的名称"),
        (["南岗发布", None, None, "2021-06-30", None, 1], "第2行，C列（标题）：请填写标题"),
        (
            ["南岗发布", None, "t", "昨天", None, 1],
            "第2行，D列（发布日期）：“昨天”不是日期，请写成2019-03-01、2019年3月1日或20190301",
        ),
        (
            ["南岗发布", None, "t", None, None, 1],
            "第2行，D列（发布日期）：请填写日期，如2021-06-30",
        ),
        (
            ["南岗发布", None, "t", "2021-06-30", "ftp://x", 1],
            "第2行，E列（链接）：链接应为以http://或https://开头的网址",
        ),
        (
            ["南岗发布", None, "t", "2021-06-30", None, "很多"],
            "第2行，F列（阅读量）：“很多”不是整数，阅读量应为不小于0的整数",
        ),
        (["南岗发布", None, "t", "2021-06-30", None, -1], "第2行，F列（阅读量）：阅读量不能为负数"),
    ],
)
def test_each_bad_post_cell_is_named_and_nothing_written(
    world: World, row: list[Any], expected: str
) -> None:
    channels(world)
    data = xlsx(POST_HEADERS, [row, POSTS[1]])
    parsed = publicity_sheet.parse_posts(world.nangang.pk, data, "p.xlsx")
    assert [str(e) for e in parsed.errors] == [expected]
    with pytest.raises(ValidationFailed) as exc:
        publicity_sheet.apply_posts(world.nangang.pk, data, "p.xlsx", actor=world.office)
    assert expected in exc.value.message
    assert not Post.objects.exists()


def test_a_post_twice_in_one_sheet_is_an_error(world: World) -> None:
    channels(world)
    parsed = publicity_sheet.parse_posts(
        world.nangang.pk, xlsx(POST_HEADERS, [POSTS[1], POSTS[1]]), "p.xlsx"
    )
    assert [str(e) for e in parsed.errors] == [
        "第3行，C列（标题）：与第2行是同一篇稿件（阵地、标题和发布日期相同）"
    ]


def test_media_sheet_imports_levels_and_is_idempotent(world: World) -> None:
    rows: list[list[Any]] = [
        ["人民日报", "中央级", "南岗区办实事", "2021-06-30", None],
        ["黑龙江日报", "省级", "一曼街修好了", "2021-07-01", "https://example.org/m"],
        ["哈尔滨日报", "市", "幼儿园开园", "2021-07-02", None],
    ]
    applied = publicity_sheet.apply_media(
        world.nangang.pk, xlsx(MEDIA_HEADERS, rows), "m.xlsx", actor=world.office
    )
    assert applied.created == 3
    assert sorted(MediaReport.objects.values_list("level", flat=True)) == [
        "central",
        "city",
        "provincial",
    ]
    again = publicity_sheet.apply_media(
        world.nangang.pk, xlsx(MEDIA_HEADERS, rows), "m.xlsx", actor=world.office
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    rows[2][1] = "区级"
    third = publicity_sheet.apply_media(
        world.nangang.pk, xlsx(MEDIA_HEADERS, rows), "m.xlsx", actor=world.office
    )
    assert (third.created, third.updated) == (0, 1)
    assert MediaReport.objects.get(outlet="哈尔滨日报").level == "district"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            ["人民日报", "国际级", "t", "2021-06-30", None],
            "第2行，B列（级别）：级别“国际级”不对，应为中央级、省级、市级或区级",
        ),
        (
            ["人民日报", None, "t", "2021-06-30", None],
            "第2行，B列（级别）：请填写级别：中央级、省级、市级或区级",
        ),
        ([None, "省级", "t", "2021-06-30", None], "第2行，A列（媒体）：请填写媒体名称"),
        (["人民日报", "省级", None, "2021-06-30", None], "第2行，C列（标题）：请填写标题"),
        (
            ["人民日报", "省级", "t", "2021-02-30", None],
            "第2行，D列（刊发日期）：日期2021年2月30日不存在",
        ),
        (
            ["人民日报", "省级", "t", "2021-06-30", "not a url"],
            "第2行，E列（链接）：链接应为以http://或https://开头的网址",
        ),
    ],
)
def test_each_bad_media_cell_is_named(world: World, row: list[Any], expected: str) -> None:
    data = xlsx(MEDIA_HEADERS, [row])
    parsed = publicity_sheet.parse_media(world.nangang.pk, data, "m.xlsx")
    assert [str(e) for e in parsed.errors] == [expected]
    with pytest.raises(ValidationFailed):
        publicity_sheet.apply_media(world.nangang.pk, data, "m.xlsx", actor=world.office)
    assert not MediaReport.objects.exists()


def test_exports_read_back(world: World) -> None:
    channels(world)
    publicity_sheet.apply_posts(
        world.nangang.pk, xlsx(POST_HEADERS, POSTS), "p.xlsx", actor=world.office
    )
    body = publicity_sheet.export_posts(world.nangang, actor=world.office)
    again = publicity_sheet.apply_posts(world.nangang.pk, body, "p.xlsx", actor=world.office)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    with pytest.raises(PermissionDenied):
        publicity_sheet.export_media(world.nangang, actor=world.outsider)


def test_command_imports_posts_and_media(world: World, tmp_path: Path) -> None:
    channels(world)
    path = tmp_path / "posts.xlsx"
    path.write_bytes(xlsx(POST_HEADERS, POSTS))
    out = io.StringIO()
    call_command("import_posts", str(path), district="230103", dry_run=True, stdout=out)
    assert "试运行" in out.getvalue() and not Post.objects.exists()
    call_command("import_posts", str(path), district="230103", stdout=out)
    assert Post.objects.count() == 3
    media = tmp_path / "media.xlsx"
    media.write_bytes(xlsx(MEDIA_HEADERS, [["人民日报", "中央级", "t", "2021-06-30", None]]))
    call_command("import_posts", str(media), district="230103", media=True, stdout=out)
    assert MediaReport.objects.count() == 1
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(POST_HEADERS, [["某某号", None, "t", "2021-06-30", None, 1]]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_posts", str(bad), district="230103", stderr=err)
    assert "第2行，A列（阵地）" in err.getvalue()


# --- pages ---------------------------------------------------------------------------------


def test_permission_matrix_of_the_pages(world: World) -> None:
    wechat, _led, column = channels(world)
    post = svc.save_post(
        world.nangang,
        svc.PostInput(channel_id=wechat.pk, title="t", published_on=DAY),
        actor=world.office,
    )
    report = svc.save_media(
        world.nangang,
        svc.MediaInput(outlet="a", level="city", title="b", published_on=DAY),
        actor=world.office,
    )
    district_pages = [
        reverse("education:publicity"),
        reverse("education:publicity_channels"),
        reverse("education:publicity_channel_new"),
        reverse("education:publicity_posts"),
        reverse("education:publicity_post_new"),
        reverse("education:publicity_posts_import"),
        reverse("education:publicity_posts_export"),
        reverse("education:publicity_media"),
        reverse("education:publicity_media_new"),
        reverse("education:publicity_media_import"),
        reverse("education:publicity_media_export"),
    ]
    record_pages = [
        reverse("education:publicity_channel_edit", args=[wechat.pk]),
        reverse("education:publicity_column_edit", args=[column.pk]),
        reverse("education:publicity_column_new", args=[wechat.pk]),
        reverse("education:publicity_post_edit", args=[post.pk]),
        reverse("education:publicity_media_edit", args=[report.pk]),
    ]
    for url in district_pages + record_pages:
        refused = 404 if url in record_pages else 403
        assert client_for(world.office).get(url).status_code == 200, url
        assert client_for(world.city_office).get(url).status_code == 200, url
        assert client_for(world.editor_a).get(url).status_code == refused, url
        assert client_for(world.resident).get(url).status_code == refused, url
        assert client_for(None).get(url).status_code == 302, url
    for url in record_pages:
        assert client_for(world.outsider).get(url).status_code == 404, url
    listing = client_for(world.outsider).get(reverse("education:publicity_channels"))
    assert "南岗发布" not in listing.content.decode()


def test_post_form_page_saves_refuses_bad_input_and_stale(world: World) -> None:
    wechat, _led, column = channels(world)
    client = client_for(world.office)
    url = reverse("education:publicity_post_new")
    bad = client.post(url, {"channel": wechat.pk, "title": "", "published_on": "x", "views": "-1"})
    assert bad.status_code == 422
    ok = client.post(
        url,
        {
            "channel": wechat.pk,
            "column": column.pk,
            "title": "<script>标题</script>",
            "published_on": "2021-06-30",
            "views": "10",
        },
    )
    assert ok.status_code == 422  # angle brackets refused, named on the title
    assert "标题不能含尖括号" in ok.content.decode()
    ok = client.post(
        url,
        {
            "channel": wechat.pk,
            "column": column.pk,
            "title": "标题",
            "published_on": "2021-06-30",
            "views": "10",
        },
    )
    assert ok.status_code == 302
    post = Post.objects.get()
    edit = reverse("education:publicity_post_edit", args=[post.pk])
    form = {
        "channel": wechat.pk,
        "title": "标题",
        "published_on": "2021-06-30",
        "views": "20",
        "version": "1",
    }
    assert client.post(edit, form).status_code == 302
    stale = client.post(edit, {**form, "views": "30"})
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    post.refresh_from_db()
    assert post.views == 20


def test_channel_page_with_columns_and_removals(world: World) -> None:
    wechat, led, column = channels(world)
    client = client_for(world.office)
    page = client.get(reverse("education:publicity_channel_edit", args=[wechat.pk]))
    assert "学党史·办实事" in page.content.decode()
    response = client.post(
        reverse("education:publicity_column_new", args=[wechat.pk]),
        {"name": "我为群众办实事", "opened_on": "2021-07-01"},
    )
    assert response.status_code == 302 and Column.objects.count() == 2
    response = client.post(
        reverse("education:publicity_column_remove", args=[column.pk]), {"stamp": "old"}
    )
    assert Column.objects.filter(pk=column.pk).exists()
    column.refresh_from_db()
    client.post(
        reverse("education:publicity_column_remove", args=[column.pk]), {"stamp": stamp_of(column)}
    )
    assert not Column.objects.filter(pk=column.pk).exists()
    client.post(reverse("education:publicity_channel_remove", args=[led.pk]), {"version": "1"})
    assert not Channel.objects.filter(pk=led.pk).exists()


def test_posts_wizard_preview_then_confirm(world: World) -> None:
    channels(world)
    client = client_for(world.office)
    upload = SimpleUploadedFile("稿件.xlsx", xlsx(POST_HEADERS, POSTS))
    assert (
        client.post(reverse("education:publicity_posts_import"), {"file": upload}).status_code
        == 302
    )
    batch = SheetImport.objects.get(kind="posts")
    assert batch.status == SheetStatus.PREVIEWED and batch.summary["new"] == 3
    html = client.get(
        reverse("education:publicity_posts_import_preview", args=[batch.pk])
    ).content.decode()
    assert "一曼街路段修复完工" in html and not Post.objects.exists()
    client.post(reverse("education:publicity_posts_import_confirm", args=[batch.pk]))
    assert Post.objects.count() == 3
    # media: a bad sheet is kept as failed and lists its errors
    bad = SimpleUploadedFile(
        "媒体.xlsx", xlsx(MEDIA_HEADERS, [["人民日报", "国际级", "t", "2021-06-30", None]])
    )
    client.post(reverse("education:publicity_media_import"), {"file": bad})
    failed = SheetImport.objects.get(kind="media")
    assert failed.status == SheetStatus.FAILED
    html = client.get(
        reverse("education:publicity_media_import_preview", args=[failed.pk])
    ).content.decode()
    assert "第2行，B列（级别）" in html
    assert (
        client.post(
            reverse("education:publicity_media_import_confirm", args=[failed.pk])
        ).status_code
        == 422
    )
    assert not MediaReport.objects.exists()


def test_hostile_names_are_escaped_on_the_pages(world: World) -> None:
    hostile = "号\"'&amp;"
    channel = svc.save_channel(
        world.nangang, svc.ChannelInput(kind="app", name=hostile), actor=world.office
    )
    svc.save_post(
        world.nangang,
        svc.PostInput(channel_id=channel.pk, title=hostile, published_on=DAY),
        actor=world.office,
    )
    svc.save_media(
        world.nangang,
        svc.MediaInput(outlet=hostile, level="city", title=hostile, published_on=DAY),
        actor=world.office,
    )
    client = client_for(world.office)
    for url in (
        reverse("education:publicity_channels"),
        reverse("education:publicity_channel_edit", args=[channel.pk]),
        reverse("education:publicity_posts"),
        reverse("education:publicity_media"),
        f"{reverse('education:publicity')}?start=2021-01-01&end=2021-12-31",
    ):
        html = client.get(url).content.decode()
        assert "号&quot;&#x27;&amp;amp;" in html and hostile not in html, url
