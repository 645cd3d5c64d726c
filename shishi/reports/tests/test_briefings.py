"""The briefing series (简报专刊): numbering, drafting from a report and from items' stories,
photos, publishing to the units' inboxes and to the public portal, who may do what."""

from __future__ import annotations

import datetime as dt
import io
import threading
from pathlib import Path
from typing import Any

import docx
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from shishi.board.services import refresh_statuses
from shishi.conftest import World, client_for
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.ledger.models import Attachment, ProgressUpdate
from shishi.notify.models import Message
from shishi.reports import briefings, services
from shishi.reports.models import Briefing, BriefingPhoto, Cycle

PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def png(name: str = "photo.png", colour: str = "red") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def draft(
    world: World, *, heading: str = "一曼街改造完工", text: str = "道路全面通车。"
) -> Briefing:
    b = briefings.create_briefing(world.nangang.pk, actor=world.office, title="本期要闻")
    briefings.add_article(
        b, actor=world.office, heading=heading, text=text, expected_version=b.version
    )
    b.refresh_from_db()
    return b


def publish(world: World, b: Briefing, *, public: bool = True, actor: Any = None) -> Briefing:
    b.refresh_from_db()
    return briefings.publish(
        b, actor=actor or world.office, is_public=public, expected_version=b.version
    )


def test_numbers_are_given_when_published_per_district_and_never_reused(world: World) -> None:
    first, second = draft(world), draft(world)
    assert first.number is None and second.number is None  # drafts have none
    assert publish(world, second).number == 1  # in the order of publishing
    third = draft(world)
    briefings.delete_draft(third, actor=world.office, expected_version=third.version)
    assert publish(world, first).number == 2
    hulan = briefings.create_briefing(world.hulan.pk, actor=world.outsider)
    briefings.add_article(
        hulan, actor=world.outsider, heading="呼兰要闻", text="", expected_version=hulan.version
    )
    assert publish(world, hulan, actor=world.outsider).number == 1  # its own series
    again = draft(world)
    assert publish(world, again).number == 3
    with pytest.raises(ValidationFailed, match="已印发"):
        briefings.add_article(
            again, actor=world.office, heading="x", text="", expected_version=None
        )
    with pytest.raises(ValidationFailed, match="已印发"):
        briefings.delete_draft(again, actor=world.office, expected_version=None)
    empty = briefings.create_briefing(world.nangang.pk, actor=world.office)
    with pytest.raises(ValidationFailed, match="还没有文章"):
        publish(world, empty)
    assert empty.number is None


def test_publishing_keeps_the_docx_and_tells_the_units(world: World) -> None:
    b = draft(world)
    article = b.articles.get()
    briefings.add_photo(
        article, png(), actor=world.office, caption="通车现场", expected_version=b.version
    )
    published = publish(world, b)
    document = docx.Document(published.docx.open("rb"))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "为民办实事简报专刊" in text and "第1期" in text
    assert "一曼街改造完工" in text and "道路全面通车。" in text and "通车现场" in text
    assert len(document.inline_shapes) == 1
    assert published.data["number"] == 1
    inbox = Message.objects.filter(kind="briefing.published")
    recipients = set(inbox.values_list("recipient_id", flat=True))
    assert {world.editor_a.pk, world.editor_b.pk, world.partner_editor.pk} <= recipients
    assert world.outsider.pk not in recipients and world.office.pk not in recipients
    message = inbox.get(recipient=world.editor_a)
    assert "为民办实事简报专刊第1期已印发" in message.text
    assert message.link == reverse("reports:briefing", args=[b.pk])
    # The unit reads it from the inbox's link, with its photo and the .docx.
    unit = client_for(world.editor_a)
    page = unit.get(message.link)
    assert page.status_code == 200 and "道路全面通车。" in page.content.decode()
    photo = BriefingPhoto.objects.get()
    assert unit.get(reverse("reports:briefing_photo", args=[b.pk, photo.pk])).status_code == 200
    assert unit.get(reverse("reports:briefing_docx", args=[b.pk])).status_code == 200
    assert unit.post(message.link, {"action": "public", "version": 1}).status_code == 403


def test_a_file_that_is_no_image_is_refused_with_a_message(world: World) -> None:
    b = draft(world)
    article = b.articles.get()
    fake = SimpleUploadedFile("scan.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    with pytest.raises(ValidationFailed, match=r"“scan\.jpg”不是可识别的 JPEG、PNG 或 WebP 照片"):
        briefings.add_photo(article, fake, actor=world.office, expected_version=b.version)
    assert not BriefingPhoto.objects.exists()
    fake.seek(0)
    response = client_for(world.office).post(
        reverse("reports:briefing", args=[b.pk]),
        {"action": "add_photo", "article": article.pk, "version": b.version, "photo": fake},
    )
    assert response.status_code == 422
    assert "不是可识别的 JPEG、PNG 或 WebP 照片" in response.content.decode()
    assert not BriefingPhoto.objects.exists()
    assert not [f for f in Path(settings.MEDIA_ROOT).rglob("*") if f.is_file()]  # none left


def test_the_portal_lists_only_public_issues_of_its_district_with_numbers_masked(
    world: World,
) -> None:
    shown = draft(world, heading="社区食堂开业", text=f"咨询电话{PHONE}，欢迎居民就餐。")
    briefings.add_photo(
        shown.articles.get(), png(), actor=world.office, caption="", expected_version=shown.version
    )
    publish(world, shown, public=True)
    internal = draft(world, heading="内部情况")
    publish(world, internal, public=False)
    draft(world, heading="尚未印发")
    hulan = briefings.create_briefing(world.hulan.pk, actor=world.outsider)
    briefings.add_article(
        hulan, actor=world.outsider, heading="呼兰要闻", text="", expected_version=hulan.version
    )
    publish(world, hulan, actor=world.outsider)

    public = client_for(None)
    listing = public.get(reverse("portal:briefings", args=[world.nangang.code]))
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "第1期" in body and "第2期" not in body and "呼兰要闻" not in body
    page = public.get(reverse("portal:briefing", args=[world.nangang.code, 1]))
    body = page.content.decode()
    assert "社区食堂开业" in body and "欢迎居民就餐" in body
    assert PHONE not in body and "138****5678" in body
    photo = BriefingPhoto.objects.get(article__briefing=shown)
    image = public.get(reverse("portal:briefing_photo", args=[world.nangang.code, 1, photo.pk]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    for missing in (
        reverse("portal:briefing", args=[world.nangang.code, 2]),  # not public
        reverse("portal:briefing", args=[world.nangang.code, 99]),
        reverse("portal:briefing_photo", args=[world.hulan.code, 1, photo.pk]),
        reverse("portal:briefings", args=["999999"]),
    ):
        assert public.get(missing).status_code == 404, missing
    # Taken off the portal, it is gone from the list.
    shown.refresh_from_db()
    briefings.set_public(shown, actor=world.office, is_public=False, expected_version=None)
    listing = public.get(reverse("portal:briefings", args=[world.nangang.code]))
    assert "第1期" not in listing.content.decode()


def test_a_draft_starts_from_a_compiled_report_and_from_items_stories(
    world: World, weekly: Cycle
) -> None:
    refresh_statuses(world.programme.pk)
    week = timezone.localdate().isocalendar()
    period = services.open_period(weekly, f"{week.year}-W{week.week:02d}").period
    report = services.report_of(period)
    services.save_office_texts(
        report, {"下周工作安排": "专班将督导滞后事项"}, actor=world.office,
        expected_version=report.version,
    )  # fmt: skip
    version = services.compile_report(period, actor=world.office)
    update = ProgressUpdate.objects.create(
        jurisdiction=world.nangang, item=world.item_a, programme=world.programme,
        reported_on=timezone.localdate() - dt.timedelta(days=1), rate=50,
        text="路面铺设过半。", is_public=True, review="published",
    )  # fmt: skip
    photo = Attachment(
        update=update, name="现场.png", content_type="image/png", size=10, is_public=True
    )
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "blue").save(out, format="PNG")
    photo.file.save("site.png", ContentFile(out.getvalue()), save=False)
    photo.save()
    Attachment.objects.create(
        update=update, name="内部.png", content_type="image/png", file=photo.file.name
    )  # not public: stays out
    b = briefings.create_briefing(
        world.nangang.pk, actor=world.office, report_version=version, item_ids=[world.item_a.pk]
    )
    articles = list(b.articles.order_by("order"))
    assert articles[0].heading == "总体情况" and articles[0].text.startswith("本期（")
    assert articles[1].heading == "下周工作安排" and "专班将督导滞后事项" in articles[1].text
    story = articles[-1]
    assert story.item == world.item_a and story.text == "路面铺设过半。"
    assert story.photos.count() == 1
    with pytest.raises(ValidationFailed):  # another district's item
        briefings.create_briefing(
            world.nangang.pk, actor=world.office, item_ids=[world.hulan_item.pk]
        )
    page = client_for(world.office).get(reverse("reports:briefings"))
    assert page.status_code == 200


def test_permissions_locking_and_bad_ids(world: World) -> None:
    with pytest.raises(PermissionDenied):
        briefings.create_briefing(world.nangang.pk, actor=world.editor_a)
    b = draft(world)
    url = reverse("reports:briefing", args=[b.pk])
    assert client_for(world.editor_a).get(url).status_code == 404  # a draft: office only
    assert client_for(world.outsider).get(url).status_code == 404
    assert client_for(world.editor_a).post(reverse("reports:briefings"), {}).status_code == 403
    office = client_for(world.office)
    article = b.articles.get()
    saved = office.post(
        url,
        {"action": "save_article", "article": article.pk, "version": b.version,
         "heading": "新标题", "text": "新正文"},
    )  # fmt: skip
    assert saved.status_code == 302
    stale = office.post(
        url,
        {"action": "save_article", "article": article.pk, "version": b.version,
         "heading": "旧页面的标题", "text": ""},
    )  # fmt: skip
    assert stale.status_code == 409
    assert "旧页面的标题" in stale.content.decode()  # what was typed stays on the page
    article.refresh_from_db()
    assert article.heading == "新标题"
    with pytest.raises(StaleEdit):
        briefings.save_article(
            article, actor=world.office, heading="x", text="", expected_version=b.version
        )
    blank = office.post(
        url, {"action": "add_article", "version": b.version + 1, "heading": "", "text": "x"}
    )
    assert blank.status_code == 422
    for data in (
        {"action": "save_article", "article": "abc", "version": 1, "heading": "x"},
        {"action": "remove_photo", "photo": 999999, "version": 1},
        {"action": "bogus", "version": 1},
        {"action": "publish", "version": "x"},
    ):
        assert office.post(url, data).status_code in (404, 422), data
    for missing in (
        reverse("reports:briefing", args=[999999]),
        reverse("reports:briefing_docx", args=[b.pk]),  # not published yet
        reverse("reports:briefing_photo", args=[b.pk, 999999]),
    ):
        assert office.get(missing).status_code == 404, missing
    published = office.post(url, {"action": "publish", "version": b.version + 1, "is_public": "on"})
    assert published.status_code == 302
    b.refresh_from_db()
    assert b.number == 1 and b.is_public
    assert client_for(world.editor_a).get(url).status_code == 200
    assert client_for(world.outsider).get(url).status_code == 404


def test_demo_seeds_one_public_issue_and_one_circular(world: World) -> None:
    from shishi.reports.demo import seed_briefing, seed_circular, seed_cycles

    ProgressUpdate.objects.create(
        jurisdiction=world.nangang, item=world.item_b, programme=world.programme,
        reported_on=timezone.localdate(), rate=30, text="已完成设计招标。", is_public=True,
        review="published",
    )  # fmt: skip
    refresh_statuses(world.programme.pk)
    seed_cycles(world.programme)
    issue = seed_briefing(world.programme, world.office)
    assert issue.number == 1 and issue.is_public
    assert "已完成设计招标。" in [a.text for a in issue.articles.all()]
    assert seed_briefing(world.programme, world.office).pk == issue.pk  # idempotent
    circular = seed_circular(world.programme, world.office)
    assert circular is not None and circular.seq == 1
    again = seed_circular(world.programme, world.office)
    assert again is not None and again.pk == circular.pk
    assert Briefing.objects.filter(jurisdiction=world.nangang).count() == 1


def test_a_truncated_photo_is_refused_and_a_lost_one_stops_publishing_with_a_message(
    world: World,
) -> None:
    b = draft(world)
    article = b.articles.get()
    whole = png().read()
    cut = SimpleUploadedFile("cut.png", whole[: len(whole) // 2], content_type="image/png")
    with pytest.raises(ValidationFailed, match=r"cut\.png"):
        briefings.add_photo(article, cut, actor=world.office, expected_version=b.version)
    photo = briefings.add_photo(article, png(), actor=world.office, expected_version=b.version)
    Path(photo.image.path).write_bytes(b"gone bad")
    b.refresh_from_db()
    response = client_for(world.office).post(
        reverse("reports:briefing", args=[b.pk]),
        {"action": "publish", "version": b.version},
    )
    assert response.status_code == 422
    assert "文章“一曼街改造完工”有一张照片无法读取" in response.content.decode()
    b.refresh_from_db()
    assert b.number is None and not Message.objects.exists()


def test_units_see_published_issues_in_their_list(world: World) -> None:
    publish(world, draft(world, heading="已印发的一期"))
    draft(world, heading="草稿一期")
    page = client_for(world.editor_a).get(reverse("reports:briefings"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "第1期" in body and "草稿一期" not in body and "新建一期" not in body
    assert (
        "第1期" not in client_for(world.outsider).get(reverse("reports:briefings")).content.decode()
    )


@pytest.mark.skipif(connection.vendor == "sqlite", reason="PostgreSQL: two connections at once")
@pytest.mark.django_db(transaction=True)
def test_two_issues_published_at_once_get_two_numbers(world: World) -> None:
    """Two offices' sessions publish two drafts of one district at the same moment: the
    district's row is the lock, so they get 1 and 2 (never the same number, never a gap)."""
    drafts = [draft(world, heading=f"同时印发{n}") for n in (1, 2)]
    barrier = threading.Barrier(2)
    numbers: list[int] = []
    errors: list[BaseException] = []

    def call(b: Briefing) -> None:
        try:
            barrier.wait()
            numbers.append(publish(world, b).number or 0)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=call, args=(b,)) for b in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == [1, 2]
