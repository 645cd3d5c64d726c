"""Writes of the publicity records: channels (宣传阵地), their columns (栏目), posts (稿件) and
media reports (媒体报道), one at a time; the sheets write in bulk through the same checks
(``publicity_sheet``).

Each checks that the actor keeps the district (its programme office, or the city office over
it), validates every field (``ValidationFailed`` naming it), refuses a stale edit
(``StaleEdit``: channels, posts and media reports by their ``version``; a column, which has
none, by its ``updated_at`` stamp) and writes an audit event with the old and new values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from shishi.core import audit
from shishi.core.errors import NotFound, StaleEdit, ValidationFailed
from shishi.education.models import Channel, Column, MediaLevel, MediaReport, Post
from shishi.education.party_selectors import stamp_of
from shishi.education.sheets import check_office
from shishi.orgs.models import Jurisdiction, Unit

MAX_VIEWS = 2_000_000_000
MAX_SCREENS = 100_000
_URL = URLValidator(schemes=["http", "https"])


def _bad(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)


def clean_line(
    value: str | None, field: str, label: str, limit: int, errors: dict[str, str]
) -> str:
    text = " ".join((value or "").split())
    if len(text) > limit:
        errors[field] = f"{label}过长（最多{limit}字）"
    elif "<" in text or ">" in text:
        errors[field] = f"{label}不能含尖括号"
    return text


def check_link(value: str | None, errors: dict[str, str], field: str = "link") -> str:
    link = (value or "").strip()
    if not link:
        return ""
    if len(link) > 500:
        errors[field] = "链接过长（最多500字符）"
        return link
    try:
        _URL(link)
    except ValidationError:
        errors[field] = "链接应为以http://或https://开头的网址"
    return link


def check_day(value: dt.date | None, field: str, label: str, errors: dict[str, str]) -> None:
    if value is None:
        errors[field] = f"请填写{label}"
    elif value.year < 1921 or value > timezone.localdate():
        errors[field] = f"{label}不合理（应在1921年以后、不晚于今天）"


def _record(actor: Any, action: str, target: Any, changes: dict[str, Any], jid: int) -> None:
    audit.record(actor=actor, action=action, target=target, changes=changes, jurisdiction_id=jid)


def _check_version(locked: Any, version: int | None, message: str) -> None:
    if version is None or locked.version != version:
        raise StaleEdit(message)


def _create_or_edit(
    model: Any,
    row: Any,
    values: dict[str, Any],
    *,
    create: dict[str, Any],
    version: int | None,
    stale: str,
    action: str,
    jid: int,
    actor: Any,
) -> Any:
    """What saving a channel, a post or a media report does once its values are clean:
    create (``row`` None) with ``create`` and ``values``, or lock the row, refuse a stale
    ``version`` (``stale``), set the values and bump the version; audited as
    ``<action>_create`` / ``<action>_update``."""
    if row is None:
        saved = model.objects.create(**create, **values)
        _record(actor, f"{action}_create", saved, {k: [None, v] for k, v in values.items()}, jid)
        return saved
    locked = model.objects.select_for_update().get(pk=row.pk)
    _check_version(locked, version, stale)
    old = {f: getattr(locked, f) for f in values}
    for f, v in values.items():
        setattr(locked, f, v)
    locked.version += 1
    locked.save()
    _record(actor, f"{action}_update", locked, audit.diff(old, values), jid)
    return locked


# --- channels ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelInput:
    kind: str
    name: str
    account: str = ""
    unit_id: int | None = None
    screens: int = 0
    is_active: bool = True


def _clean_channel(jurisdiction_id: int, data: ChannelInput, own: Channel | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if data.kind not in Channel.Kind.values:
        errors["kind"] = "请选择阵地类型"
    name = clean_line(data.name, "name", "名称", 200, errors)
    if not name and "name" not in errors:
        errors["name"] = "请填写阵地名称"
    account = clean_line(data.account, "account", "账号", 100, errors)
    if (
        data.unit_id is not None
        and not Unit.objects.filter(pk=data.unit_id, jurisdiction_id=jurisdiction_id).exists()
    ):
        errors["unit_id"] = "请选择本区的单位"
    screens = data.screens or 0
    if not 0 <= screens <= MAX_SCREENS:
        errors["screens"] = "屏幕数应为不小于0的整数"
    elif screens and data.kind != Channel.Kind.LED:
        errors["screens"] = "只有LED屏阵地填写屏幕数"
    if name and "name" not in errors:
        clash = Channel.objects.filter(jurisdiction_id=jurisdiction_id, name=name)
        if own is not None:
            clash = clash.exclude(pk=own.pk)
        if clash.exists():
            errors["name"] = f"本区已有名为“{name}”的宣传阵地"
    _bad(errors)
    return {
        "kind": data.kind,
        "name": name,
        "account": account,
        "unit_id": data.unit_id,
        "screens": screens,
        "is_active": bool(data.is_active),
    }


def save_channel(
    jurisdiction: Jurisdiction,
    data: ChannelInput,
    *,
    actor: Any,
    channel: Channel | None = None,
    version: int | None = None,
) -> Channel:
    """Create (``channel`` None) or edit a channel; its name unique in the district."""
    check_office(actor, jurisdiction.pk)
    if channel is not None and channel.jurisdiction_id != jurisdiction.pk:
        raise NotFound("没有找到这个宣传阵地")
    with transaction.atomic():
        values = _clean_channel(jurisdiction.pk, data, channel)
        saved: Channel = _create_or_edit(
            Channel,
            channel,
            values,
            create={"jurisdiction": jurisdiction},
            version=version,
            stale="这个宣传阵地已被他人修改，请刷新后再改",
            action="education.channel",
            jid=jurisdiction.pk,
            actor=actor,
        )
        return saved


def remove_channel(channel: Channel, *, version: int | None, actor: Any) -> None:
    """Remove a channel with its columns; one with posts is refused (deactivate it)."""
    check_office(actor, channel.jurisdiction_id)
    with transaction.atomic():
        locked = Channel.objects.select_for_update().get(pk=channel.pk)
        _check_version(locked, version, "这个宣传阵地已被他人修改，请刷新后再改")
        if Post.objects.filter(channel=locked).exists():
            message = "这个宣传阵地已有稿件，不能删除；不再使用请改为停用"
            raise ValidationFailed(message, {"name": message})
        _record(
            actor,
            "education.channel_remove",
            locked,
            {"name": [locked.name, None]},
            locked.jurisdiction_id,
        )
        locked.delete()


# --- columns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnInput:
    name: str
    opened_on: dt.date | None = None


def _clean_column(channel: Channel, data: ColumnInput, own: Column | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = clean_line(data.name, "name", "栏目名称", 100, errors)
    if not name and "name" not in errors:
        errors["name"] = "请填写栏目名称"
    if data.opened_on is not None:
        check_day(data.opened_on, "opened_on", "开设日期", errors)
    if name and "name" not in errors:
        clash = Column.objects.filter(channel=channel, name=name)
        if own is not None:
            clash = clash.exclude(pk=own.pk)
        if clash.exists():
            errors["name"] = f"{channel.name}已有名为“{name}”的栏目"
    _bad(errors)
    return {"name": name, "opened_on": data.opened_on}


def save_column(
    channel: Channel,
    data: ColumnInput,
    *,
    actor: Any,
    column: Column | None = None,
    stamp: str | None = None,
) -> Column:
    """Create or edit a column of ``channel`` (its name unique within the channel); an edit
    carries the column's ``updated_at`` stamp."""
    check_office(actor, channel.jurisdiction_id)
    if column is not None and column.channel_id != channel.pk:
        raise NotFound("没有找到这个栏目")
    jid = channel.jurisdiction_id
    with transaction.atomic():
        values = _clean_column(channel, data, column)
        if column is None:
            saved = Column.objects.create(channel=channel, **values)
            _record(
                actor,
                "education.column_create",
                saved,
                {"channel_id": [None, channel.pk], **{k: [None, v] for k, v in values.items()}},
                jid,
            )
            return saved
        locked = Column.objects.select_for_update().get(pk=column.pk)
        if not stamp or stamp_of(locked) != stamp:
            raise StaleEdit("这个栏目已被他人修改，请刷新后再改")
        old = {"name": locked.name, "opened_on": locked.opened_on}
        locked.name = values["name"]
        locked.opened_on = values["opened_on"]
        locked.save()
        _record(actor, "education.column_update", locked, audit.diff(old, values), jid)
        return locked


def remove_column(column: Column, *, stamp: str | None, actor: Any) -> None:
    """Remove a column; its posts stay on the channel without a column."""
    channel = column.channel
    check_office(actor, channel.jurisdiction_id)
    with transaction.atomic():
        locked = Column.objects.select_for_update().get(pk=column.pk)
        if not stamp or stamp_of(locked) != stamp:
            raise StaleEdit("这个栏目已被他人修改，请刷新后再改")
        _record(
            actor,
            "education.column_remove",
            locked,
            {"name": [locked.name, None], "channel_id": [channel.pk, None]},
            channel.jurisdiction_id,
        )
        locked.delete()


# --- posts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostInput:
    channel_id: int | None
    title: str
    published_on: dt.date | None
    column_id: int | None = None
    link: str = ""
    views: int = 0


def clean_post(jurisdiction_id: int, data: PostInput, own: Post | None) -> dict[str, Any]:
    """A post's fields as stored, or ``ValidationFailed`` naming each bad one."""
    errors: dict[str, str] = {}
    channel = (
        Channel.objects.filter(pk=data.channel_id, jurisdiction_id=jurisdiction_id).first()
        if data.channel_id is not None
        else None
    )
    if channel is None:
        errors["channel_id"] = "请选择本区的宣传阵地"
    if data.column_id is not None and (
        channel is None or not Column.objects.filter(pk=data.column_id, channel=channel).exists()
    ):
        errors["column_id"] = "请选择这个宣传阵地的栏目"
    title = clean_line(data.title, "title", "标题", 300, errors)
    if not title and "title" not in errors:
        errors["title"] = "请填写标题"
    check_day(data.published_on, "published_on", "发布日期", errors)
    link = check_link(data.link, errors)
    views = data.views or 0
    if not 0 <= views <= MAX_VIEWS:
        errors["views"] = "阅读量应为不小于0的整数"
    if not errors and data.published_on is not None:
        clash = Post.objects.filter(channel=channel, title=title, published_on=data.published_on)
        if own is not None:
            clash = clash.exclude(pk=own.pk)
        if clash.exists():
            errors["title"] = "这个阵地同一天已有同样标题的稿件"
    _bad(errors)
    return {
        "channel_id": data.channel_id,
        "column_id": data.column_id,
        "title": title,
        "published_on": data.published_on,
        "link": link,
        "views": views,
    }


def save_post(
    jurisdiction: Jurisdiction,
    data: PostInput,
    *,
    actor: Any,
    post: Post | None = None,
    version: int | None = None,
) -> Post:
    """Enter a post, or edit one (its views later, say); (channel, title, date) unique."""
    check_office(actor, jurisdiction.pk)
    if post is not None and post.channel.jurisdiction_id != jurisdiction.pk:
        raise NotFound("没有找到这篇稿件")
    with transaction.atomic():
        values = clean_post(jurisdiction.pk, data, post)
        saved: Post = _create_or_edit(
            Post,
            post,
            values,
            create={},
            version=version,
            stale="这篇稿件已被他人修改，请刷新后再改",
            action="education.post",
            jid=jurisdiction.pk,
            actor=actor,
        )
        return saved


def remove_post(post: Post, *, version: int | None, actor: Any) -> None:
    jid = post.channel.jurisdiction_id
    check_office(actor, jid)
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        _check_version(locked, version, "这篇稿件已被他人修改，请刷新后再改")
        _record(actor, "education.post_remove", locked, {"title": [locked.title, None]}, jid)
        locked.delete()


# --- media reports -------------------------------------------------------------------------


@dataclass(frozen=True)
class MediaInput:
    outlet: str
    level: str
    title: str
    published_on: dt.date | None
    link: str = ""


def media_fields(data: MediaInput) -> tuple[dict[str, Any], dict[str, str]]:
    """A media report's values and its field errors, without looking at the stored reports
    (the sheet checks a whole sheet's keys at once)."""
    errors: dict[str, str] = {}
    outlet = clean_line(data.outlet, "outlet", "媒体", 100, errors)
    if not outlet and "outlet" not in errors:
        errors["outlet"] = "请填写媒体名称"
    if data.level not in MediaLevel.values:
        errors["level"] = "请选择级别：中央级、省级、市级、区级"
    title = clean_line(data.title, "title", "标题", 300, errors)
    if not title and "title" not in errors:
        errors["title"] = "请填写标题"
    check_day(data.published_on, "published_on", "刊发日期", errors)
    link = check_link(data.link, errors)
    values = {
        "outlet": outlet,
        "level": data.level,
        "title": title,
        "published_on": data.published_on,
        "link": link,
    }
    return values, errors


def clean_media(jurisdiction_id: int, data: MediaInput, own: MediaReport | None) -> dict[str, Any]:
    values, errors = media_fields(data)
    if not errors and data.published_on is not None:
        clash = MediaReport.objects.filter(
            jurisdiction_id=jurisdiction_id,
            outlet=values["outlet"],
            title=values["title"],
            published_on=data.published_on,
        )
        if own is not None:
            clash = clash.exclude(pk=own.pk)
        if clash.exists():
            errors["title"] = "这家媒体同一天已有同样标题的报道"
    _bad(errors)
    return values


def save_media(
    jurisdiction: Jurisdiction,
    data: MediaInput,
    *,
    actor: Any,
    report: MediaReport | None = None,
    version: int | None = None,
) -> MediaReport:
    check_office(actor, jurisdiction.pk)
    if report is not None and report.jurisdiction_id != jurisdiction.pk:
        raise NotFound("没有找到这篇报道")
    with transaction.atomic():
        values = clean_media(jurisdiction.pk, data, report)
        saved: MediaReport = _create_or_edit(
            MediaReport,
            report,
            values,
            create={"jurisdiction": jurisdiction},
            version=version,
            stale="这篇报道已被他人修改，请刷新后再改",
            action="education.media",
            jid=jurisdiction.pk,
            actor=actor,
        )
        return saved


def remove_media(report: MediaReport, *, version: int | None, actor: Any) -> None:
    check_office(actor, report.jurisdiction_id)
    with transaction.atomic():
        locked = MediaReport.objects.select_for_update().get(pk=report.pk)
        _check_version(locked, version, "这篇报道已被他人修改，请刷新后再改")
        _record(
            actor,
            "education.media_remove",
            locked,
            {"title": [locked.title, None]},
            report.jurisdiction_id,
        )
        locked.delete()
