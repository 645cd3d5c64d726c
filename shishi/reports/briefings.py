"""The briefing series (为民办实事简报专刊): drafting an issue, its photos, publishing it.

Writes (services) and reads (selectors) of ``Briefing``, ``BriefingArticle`` and
``BriefingPhoto``. Every write checks that the actor is the district's programme office,
runs in one transaction (``atomic_with_files`` when it stores a file), checks the issue's
``version`` when the caller passes one (optimistic locking: two people editing one issue do not
overwrite each other) and records an audit event.

- ``create_briefing`` starts a draft, optionally from a compiled report version (its headline
  sentence and its sections become articles) and from items' stories (each picked item's
  latest published progress text and its public photos become an article).
- ``add_article`` / ``save_article`` / ``remove_article``, ``add_photo`` / ``remove_photo``
  edit the draft. A photo must be a JPEG, PNG or WebP picture within
  ``SHISHI_MAX_UPLOAD_BYTES``; anything else is refused with a message naming the file.
- ``publish`` gives the issue the district's next number (the district's row is locked, so two
  offices publishing at once get two numbers; a published issue is never deleted, so numbers
  are never reused), writes the .docx (``documents.docx.write_briefing``) and keeps it with the
  data it was written from, and sends a ``briefing.published`` notice to every unit of the
  district. ``is_public`` lists it on the public portal (``set_public`` changes that later).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db.models import Max, Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from shishi.core import audit, uploads
from shishi.core.errors import NotFound, StaleEdit, ValidationFailed
from shishi.core.inputs import megabytes
from shishi.ledger.models import Attachment, Item, ProgressUpdate
from shishi.notify.services import notify
from shishi.orgs.models import Jurisdiction, Unit
from shishi.orgs.permissions import scope_for
from shishi.reports import permissions
from shishi.reports.documents.data import Article, BriefingData, BriefingImage, ReportData
from shishi.reports.documents.docx import (
    DocumentError,
    figures_sentence,
    headline_sentence,
    write_briefing,
)
from shishi.reports.models import Briefing, BriefingArticle, BriefingPhoto, ReportVersion

Status = Briefing.Status
NOTICE_KIND = "briefing.published"
PHOTO_FORMATS = {"JPEG": ".jpg", "MPO": ".jpg", "PNG": ".png", "WEBP": ".webp"}
MAX_PHOTO_PIXELS = 50_000_000
MAX_PHOTOS_PER_ARTICLE = 12
MAX_ARTICLES = 30
STORIES_PER_ISSUE = 10


def issuer(jurisdiction: Jurisdiction) -> str:
    return f"{jurisdiction.name}为民办实事工作领导小组办公室"


# --- reads -------------------------------------------------------------------------------------


def with_articles(qs: QuerySet[Briefing]) -> QuerySet[Briefing]:
    photos = Prefetch("photos", queryset=BriefingPhoto.objects.order_by("order", "id"))
    articles = BriefingArticle.objects.order_by("order", "id").prefetch_related(photos)
    return qs.prefetch_related(Prefetch("articles", queryset=articles))


def office_briefings(user: Any) -> QuerySet[Briefing]:
    """The issues (drafts too) of the districts whose office the user is."""
    ids = scope_for(user).office_covered_ids()
    return Briefing.objects.filter(jurisdiction_id__in=ids).order_by(
        "jurisdiction_id", "status", "-number", "-id"
    )


def readable_briefings(user: Any) -> QuerySet[Briefing]:
    """Published issues of the districts the user reads (a unit's inbox links to them)."""
    ids = scope_for(user).readable_jurisdiction_ids()
    return Briefing.objects.filter(jurisdiction_id__in=ids, status=Status.PUBLISHED).order_by(
        "jurisdiction_id", "-number"
    )


def can_read(user: Any, briefing: Briefing) -> bool:
    if permissions.is_office(user, briefing.jurisdiction_id):
        return True
    return briefing.status == Status.PUBLISHED and scope_for(user).can_read_jurisdiction(
        briefing.jurisdiction_id
    )


def access_briefing(user: Any, pk: int) -> Briefing:
    """The issue with its articles and photos, or NotFound (missing, or not the user's)."""
    found = with_articles(Briefing.objects.select_related("jurisdiction")).filter(pk=pk).first()
    if found is None or not can_read(user, found):
        raise NotFound("没有找到这期简报")
    return found


def public_briefings(jurisdiction: Jurisdiction) -> QuerySet[Briefing]:
    """What the portal lists: the district's published issues marked public."""
    return Briefing.objects.filter(
        jurisdiction=jurisdiction, status=Status.PUBLISHED, is_public=True
    ).order_by("-number")


def public_briefing(jurisdiction: Jurisdiction, number: int) -> Briefing:
    found = with_articles(public_briefings(jurisdiction)).filter(number=number).first()
    if found is None:
        raise NotFound("没有找到这期简报")
    return found


def public_photo(jurisdiction: Jurisdiction, number: int, photo_id: int) -> BriefingPhoto:
    found = BriefingPhoto.objects.filter(
        pk=photo_id,
        article__briefing__jurisdiction=jurisdiction,
        article__briefing__number=number,
        article__briefing__status=Status.PUBLISHED,
        article__briefing__is_public=True,
    ).first()
    if found is None:
        raise NotFound("没有找到这张照片")
    return found


def story_choices(jurisdiction_id: int) -> QuerySet[Item]:
    """Items whose story may start an article: the district's items with a published update."""
    return (
        Item.objects.filter(
            jurisdiction_id=jurisdiction_id,
            updates__is_public=True,
        )
        .distinct()
        .order_by("programme_id", "number")
    )


def report_version_choices(jurisdiction_id: int) -> QuerySet[ReportVersion]:
    return (
        ReportVersion.objects.filter(report__jurisdiction_id=jurisdiction_id)
        .select_related("report__period__cycle")
        .order_by("-created_at")
    )


# --- writes ------------------------------------------------------------------------------------


def _lock(briefing: Briefing, expected_version: int | None, *, draft: bool = True) -> Briefing:
    locked = Briefing.objects.select_for_update().get(pk=briefing.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit("这期简报已被他人修改，请刷新后再改")
    if draft and locked.status != Status.DRAFT:
        raise ValidationFailed("这期简报已印发，不能再修改")
    return locked


def _bump(locked: Briefing) -> None:
    locked.version += 1
    locked.save(update_fields=["version", "updated_at"])


def _check_article(heading: str, text: str) -> tuple[str, str]:
    heading, text = (heading or "").strip(), (text or "").strip()
    errors = {}
    if not heading:
        errors["heading"] = "请填写文章标题"
    elif len(heading) > 200:
        errors["heading"] = "文章标题最多200个字"
    if len(text) > 20_000:
        errors["text"] = "正文最多20000个字"
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    return heading, text


def create_briefing(
    jurisdiction_id: int,
    *,
    actor: Any,
    title: str = "",
    report_version: ReportVersion | None = None,
    item_ids: Sequence[int] = (),
) -> Briefing:
    """A new draft issue (no number yet), its articles started from a compiled report version
    and from the stories of the picked items, when given."""
    permissions.require_office(actor, jurisdiction_id)
    if report_version is not None and report_version.report.jurisdiction_id != jurisdiction_id:
        raise ValidationFailed("请选择本区的汇编报告", {"report_version": "请选择本区的汇编报告"})
    items = list(Item.objects.filter(jurisdiction_id=jurisdiction_id, pk__in=set(item_ids)))
    if len(items) != len(set(item_ids)):
        raise ValidationFailed("请选择本区的事项", {"items": "请选择本区的事项"})
    if len(items) > STORIES_PER_ISSUE:
        message = f"一期最多选{STORIES_PER_ISSUE}个事项"
        raise ValidationFailed(message, {"items": message})
    if len(title) > 200:
        raise ValidationFailed("本期标题最多200个字", {"title": "本期标题最多200个字"})
    with uploads.atomic_with_files():
        briefing = Briefing.objects.create(
            jurisdiction_id=jurisdiction_id,
            title=title.strip(),
            source_version=report_version,
            created_by=actor,
        )
        order = 0
        if report_version is not None:
            for heading, text in _report_articles(report_version):
                order += 1
                BriefingArticle.objects.create(
                    briefing=briefing, heading=heading, text=text, order=order
                )
        for item in sorted(items, key=lambda i: i.number):
            order += 1
            _story_article(briefing, item, order)
        audit.record(
            actor=actor,
            action="reports.create_briefing",
            target=briefing,
            changes={
                "source_version": [None, report_version.pk if report_version else None],
                "items": [None, sorted(i.pk for i in items)],
            },
            jurisdiction_id=jurisdiction_id,
        )
    return briefing


def _report_articles(version: ReportVersion) -> list[tuple[str, str]]:
    """A compiled report's headline sentence, its sections and the other apps' parts
    (``reports.extras``: their paragraphs, or their figures as a sentence), as (heading,
    text)."""
    data = ReportData.from_dict(version.data)
    out = []
    if data.headline:
        out.append(("总体情况", headline_sentence(data)))
    for section in data.sections:
        parts = [section.text] if section.text else []
        parts += [f"{unit.unit}：{unit.text}" for unit in section.units]
        if parts:
            out.append((section.heading, "\n".join(parts)))
    for extra in data.extra:
        text = "\n".join(extra.paragraphs) or (figures_sentence(extra) if extra.figures else "")
        if text:
            out.append((extra.heading, text))
    return out


def _story_article(briefing: Briefing, item: Item, order: int) -> BriefingArticle:
    """The item's latest published progress text, with that update's public photos."""
    update = (
        ProgressUpdate.objects.filter(item=item, is_public=True)
        .order_by("-reported_on", "-id")
        .first()
    )
    article = BriefingArticle.objects.create(
        briefing=briefing,
        heading=item.name[:200],
        text=update.text if update else "",
        order=order,
        item=item,
    )
    if update is None:
        return article
    photos = Attachment.objects.filter(
        update=update, is_public=True, content_type__startswith="image/"
    ).order_by("id")[:MAX_PHOTOS_PER_ARTICLE]
    for n, attachment in enumerate(photos, start=1):
        try:
            with attachment.file.open("rb") as source:
                extension = _check_photo(source, attachment.name)
                _store_photo(article, source, attachment.name, extension, caption="", order=n)
        except (ValidationFailed, OSError):
            continue  # a public photo the briefing cannot print is left out of the draft
    return article


def add_article(
    briefing: Briefing, *, actor: Any, heading: str, text: str, expected_version: int | None
) -> BriefingArticle:
    permissions.require_office(actor, briefing.jurisdiction_id)
    heading, text = _check_article(heading, text)
    with uploads.atomic_with_files():
        locked = _lock(briefing, expected_version)
        if locked.articles.count() >= MAX_ARTICLES:
            raise ValidationFailed(f"一期最多{MAX_ARTICLES}篇文章")
        order = (locked.articles.aggregate(m=Max("order"))["m"] or 0) + 1
        article = BriefingArticle.objects.create(
            briefing=locked, heading=heading, text=text, order=order
        )
        _bump(locked)
        audit.record(
            actor=actor,
            action="reports.add_briefing_article",
            target=article,
            changes={"heading": [None, heading]},
            jurisdiction_id=locked.jurisdiction_id,
        )
    return article


def save_article(
    article: BriefingArticle,
    *,
    actor: Any,
    heading: str,
    text: str,
    expected_version: int | None,
) -> BriefingArticle:
    briefing = article.briefing
    permissions.require_office(actor, briefing.jurisdiction_id)
    heading, text = _check_article(heading, text)
    with uploads.atomic_with_files():
        locked = _lock(briefing, expected_version)
        before = {"heading": article.heading, "text": article.text}
        article.heading, article.text = heading, text
        article.save(update_fields=["heading", "text", "updated_at"])
        _bump(locked)
        audit.record(
            actor=actor,
            action="reports.edit_briefing_article",
            target=article,
            changes={
                k: [v, getattr(article, k)] for k, v in before.items() if v != getattr(article, k)
            },
            jurisdiction_id=locked.jurisdiction_id,
        )
    return article


def remove_article(article: BriefingArticle, *, actor: Any, expected_version: int | None) -> None:
    briefing = article.briefing
    permissions.require_office(actor, briefing.jurisdiction_id)
    with uploads.atomic_with_files():
        locked = _lock(briefing, expected_version)
        audit.record(
            actor=actor,
            action="reports.remove_briefing_article",
            target=article,
            changes={"heading": [article.heading, None]},
            jurisdiction_id=locked.jurisdiction_id,
        )
        names = [p.image.name for p in article.photos.all()]
        article.delete()
        _bump(locked)
    _delete_files(names)


def _check_photo(file: Any, name: str) -> str:
    """The stored extension of an acceptable photo, or ValidationFailed naming the file."""
    label = uploads.display_name(name, 60, default="照片")
    limit = settings.SHISHI_MAX_UPLOAD_BYTES
    size = int(getattr(file, "size", 0) or 0)
    if size > limit:
        message = f"照片“{label}”超过 {megabytes(limit)} MB，请缩小后再上传"
        raise ValidationFailed(message, {"photo": message})
    kind, too_large = uploads.inspect_photo(file, max_pixels=MAX_PHOTO_PIXELS)
    if too_large:
        message = f"照片“{label}”尺寸过大（超过5000万像素），请缩小后再上传"
        raise ValidationFailed(message, {"photo": message})
    if kind not in PHOTO_FORMATS:
        message = f"“{label}”不是可识别的 JPEG、PNG 或 WebP 照片，请上传照片文件"
        raise ValidationFailed(message, {"photo": message})
    return PHOTO_FORMATS[kind]


def _store_photo(
    article: BriefingArticle, file: Any, name: str, extension: str, *, caption: str, order: int
) -> BriefingPhoto:
    photo = BriefingPhoto(
        article=article,
        name=uploads.display_name(name),
        caption=caption,
        order=order,
    )
    stem = f"briefings/photos/{article.briefing_id}-{article.pk}-{order}{extension}"
    photo.image.name = uploads.store(stem, File(file), max_length=200)
    photo.save()
    return photo


def add_photo(
    article: BriefingArticle,
    file: Any,
    *,
    actor: Any,
    caption: str = "",
    expected_version: int | None,
) -> BriefingPhoto:
    briefing = article.briefing
    permissions.require_office(actor, briefing.jurisdiction_id)
    caption = (caption or "").strip()
    if len(caption) > 200:
        raise ValidationFailed("图片说明最多200个字", {"caption": "图片说明最多200个字"})
    name = getattr(file, "name", "") or "照片"
    extension = _check_photo(file, name)
    with uploads.atomic_with_files():
        locked = _lock(briefing, expected_version)
        if article.photos.count() >= MAX_PHOTOS_PER_ARTICLE:
            message = f"一篇文章最多{MAX_PHOTOS_PER_ARTICLE}张照片"
            raise ValidationFailed(message, {"photo": message})
        order = (article.photos.aggregate(m=Max("order"))["m"] or 0) + 1
        photo = _store_photo(article, file, name, extension, caption=caption, order=order)
        _bump(locked)
        audit.record(
            actor=actor,
            action="reports.add_briefing_photo",
            target=photo,
            changes={"name": [None, photo.name], "article": [None, article.pk]},
            jurisdiction_id=locked.jurisdiction_id,
        )
    return photo


def remove_photo(photo: BriefingPhoto, *, actor: Any, expected_version: int | None) -> None:
    briefing = photo.article.briefing
    permissions.require_office(actor, briefing.jurisdiction_id)
    with uploads.atomic_with_files():
        locked = _lock(briefing, expected_version)
        audit.record(
            actor=actor,
            action="reports.remove_briefing_photo",
            target=photo,
            changes={"name": [photo.name, None]},
            jurisdiction_id=locked.jurisdiction_id,
        )
        name = photo.image.name
        photo.delete()
        _bump(locked)
    _delete_files([name])


def _delete_files(names: Iterable[str]) -> None:
    """Files of rows deleted and committed (a failure leaves them to clean_orphan_files)."""
    from django.core.files.storage import default_storage

    for name in names:
        with contextlib.suppress(OSError):
            default_storage.delete(name)


def delete_draft(briefing: Briefing, *, actor: Any, expected_version: int | None) -> None:
    """A draft may be thrown away; a published issue never (its number stays taken)."""
    permissions.require_office(actor, briefing.jurisdiction_id)
    with uploads.atomic_with_files():
        locked = _lock(briefing, expected_version)
        names = [p.image.name for p in BriefingPhoto.objects.filter(article__briefing=locked)]
        audit.record(
            actor=actor,
            action="reports.delete_briefing",
            target=locked,
            changes={"title": [locked.title, None]},
            jurisdiction_id=locked.jurisdiction_id,
        )
        locked.delete()
    _delete_files(names)


def briefing_data(briefing: Briefing, number: int, *, day: Any = None) -> BriefingData:
    """The issue as ``documents`` writes it; photo paths are the stored names."""
    articles = [
        Article(
            heading=a.heading,
            paragraphs=[a.text] if a.text else [],
            images=[BriefingImage(path=p.image.name, caption=p.caption) for p in a.photos.all()],
        )
        for a in BriefingArticle.objects.filter(briefing=briefing)
        .order_by("order", "id")
        .prefetch_related(
            Prefetch("photos", queryset=BriefingPhoto.objects.order_by("order", "id"))
        )
    ]
    return BriefingData(
        series=briefing.series,
        number=number,
        date=day or timezone.localdate(),
        issuer=issuer(briefing.jurisdiction),
        articles=articles,
        distribution="发送：各牵头单位、责任单位",
    )


def _write_docx(data: BriefingData, folder: Path) -> Path:
    """Copy the photos out of storage into ``folder`` and write the .docx there."""
    from django.core.files.storage import default_storage

    local: list[Article] = []
    owners: dict[str, str] = {}  # the copied photo's name → its article's heading
    n = 0
    for article in data.articles:
        images = []
        for image in article.images:
            n += 1
            target = folder / f"photo-{n}{Path(image.path).suffix}"
            try:
                with default_storage.open(image.path, "rb") as source, target.open("wb") as out:
                    shutil.copyfileobj(source, out)
            except OSError:
                message = f"文章“{article.heading}”的照片文件已不存在，请删除后重新上传"
                raise ValidationFailed(message) from None
            images.append(BriefingImage(path=str(target), caption=image.caption))
            owners[target.name] = article.heading
        local.append(Article(article.heading, article.paragraphs, images))
    out_path = folder / "briefing.docx"
    local_data = BriefingData(
        series=data.series,
        number=data.number,
        date=data.date,
        issuer=data.issuer,
        articles=local,
        distribution=data.distribution,
    )
    try:
        write_briefing(local_data, out_path)
    except DocumentError as exc:
        heading = next((h for name, h in owners.items() if name in str(exc)), "")
        message = (
            f"文章“{heading}”有一张照片无法读取，请删除后重新上传"
            if heading
            else f"简报无法生成：{exc}"
        )
        raise ValidationFailed(message) from None
    return out_path


def publish(
    briefing: Briefing, *, actor: Any, is_public: bool, expected_version: int | None
) -> Briefing:
    """Give the issue the district's next number, write and keep its .docx, tell the units."""
    jurisdiction_id = briefing.jurisdiction_id
    permissions.require_office(actor, jurisdiction_id)
    if not briefing.articles.exists():
        raise ValidationFailed("这期简报还没有文章，请先添加文章再印发")
    with tempfile.TemporaryDirectory() as folder, uploads.atomic_with_files():
        # The district's row is the series' lock: one number at a time per district.
        Jurisdiction.objects.select_for_update().get(pk=jurisdiction_id)
        locked = _lock(briefing, expected_version)
        number = (
            Briefing.objects.filter(jurisdiction_id=jurisdiction_id).aggregate(m=Max("number"))["m"]
            or 0
        ) + 1
        data = briefing_data(locked, number)
        docx_path = _write_docx(data, Path(folder))
        with docx_path.open("rb") as docx_file:
            locked.docx.name = uploads.store(
                f"briefings/{locked.jurisdiction.code}-{number}.docx",
                File(docx_file),
                max_length=200,
            )
        locked.number = number
        locked.status = Status.PUBLISHED
        locked.is_public = is_public
        locked.published_at = timezone.now()
        locked.published_by = actor
        locked.data = data.to_dict()
        locked.version += 1
        locked.save()
        units = Unit.objects.filter(jurisdiction_id=jurisdiction_id)
        notify(
            units,
            NOTICE_KIND,
            {"series": locked.series, "number": number, "title": locked.title or locked.series},
            link=reverse("reports:briefing", args=[locked.pk]),
            jurisdiction=jurisdiction_id,
        )
        audit.record(
            actor=actor,
            action="reports.publish_briefing",
            target=locked,
            changes={"number": [None, number], "is_public": [None, is_public]},
            jurisdiction_id=jurisdiction_id,
        )
    return locked


def set_public(
    briefing: Briefing, *, actor: Any, is_public: bool, expected_version: int | None
) -> Briefing:
    """List a published issue on the public portal, or take it off."""
    permissions.require_office(actor, briefing.jurisdiction_id)
    with uploads.atomic_with_files():
        locked = _lock(briefing, expected_version, draft=False)
        if locked.status != Status.PUBLISHED:
            raise ValidationFailed("印发后才能公开")
        before = locked.is_public
        locked.is_public = is_public
        locked.version += 1
        locked.save(update_fields=["is_public", "version", "updated_at"])
        audit.record(
            actor=actor,
            action="reports.briefing_public",
            target=locked,
            changes={"is_public": [before, is_public]},
            jurisdiction_id=locked.jurisdiction_id,
        )
    return locked
