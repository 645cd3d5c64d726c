"""Posts and media reports from Excel, with the machinery of ``sheets`` (header by
name, ``第R行，C列（列名）：原因``, all or nothing, the ``SheetImport`` wizard).

- Posts (kind ``posts``): 阵地, 栏目, 标题, 发布日期, 链接, 阅读量. 阵地 is the name of one of
  the district's channels and 栏目 (may be empty) one of that channel's columns — an unknown
  one is the row's error. (阵地, 标题, 发布日期) identifies a post: a re-import updates its
  views (and its column and link) and changes nothing when they are the same.
- Media reports (kind ``media``): 媒体, 级别 (中央级/省级/市级/区级, or without 级), 标题,
  刊发日期, 链接; (媒体, 标题, 刊发日期) identifies a report, a re-import updates its level
  and link.

The cells are checked with the services' own checks (``publicity_services``); the writes
are bulk, in one transaction, with one audit event for the import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from shishi.core import audit
from shishi.education import publicity_services as services
from shishi.education.models import Channel, Column, MediaLevel, MediaReport, Post
from shishi.education.sheets import (
    Applied,
    CellError,
    Grid,
    check_office,
    labelled,
    read_grid,
    read_to_write,
    sheet_date,
    text,
    whole_number,
    write_workbook,
)
from shishi.enterprise.models import SheetKind
from shishi.orgs.models import Jurisdiction

MAX_ROWS = 50_000
SAMPLE_ROWS = 200

POST_HEADERS = ("阵地", "栏目", "标题", "发布日期", "链接", "阅读量")
POST_REQUIRED = ("阵地", "标题", "发布日期")
POST_LABELS = {
    "channel_id": "阵地",
    "column_id": "栏目",
    "title": "标题",
    "published_on": "发布日期",
    "link": "链接",
    "views": "阅读量",
}
POST_PREVIEW = ("阵地", "栏目", "标题", "发布日期", "阅读量")
MEDIA_PREVIEW = ("媒体", "级别", "标题", "刊发日期")
MEDIA_HEADERS = ("媒体", "级别", "标题", "刊发日期", "链接")
MEDIA_REQUIRED = ("媒体", "级别", "标题", "刊发日期")
MEDIA_LABELS = {
    "outlet": "媒体",
    "level": "级别",
    "title": "标题",
    "published_on": "刊发日期",
    "link": "链接",
}
LEVEL_WORDS = {
    **{str(v.label): v.value for v in MediaLevel},
    **{str(v.label).removesuffix("级"): v.value for v in MediaLevel},
    **{v.value: v.value for v in MediaLevel},
}


@dataclass
class SheetItem:
    row: int
    key: tuple[Any, ...]
    values: dict[str, Any]
    existing_id: int | None
    action: str  # create, update, unchanged
    shown: list[str]


@dataclass
class Parsed:
    items: list[SheetItem] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)


def _date_cell(grid: Grid, cells: list[Any], label: str, n: int, errors: list[CellError]) -> Any:
    try:
        return sheet_date(grid.cell(cells, label))
    except ValueError as exc:
        errors.append(grid.error(n, label, str(exc)))
        return None


# --- posts ---------------------------------------------------------------------------------


def parse_posts(jurisdiction_id: int, data: bytes, filename: str) -> Parsed:
    """Every row as a post to create or update, or every bad cell (then no rows)."""
    parsed = Parsed()
    grid, errors = read_grid(data, filename, POST_HEADERS, POST_REQUIRED, MAX_ROWS)
    if grid is None:
        parsed.errors = errors
        return parsed
    channels = {c.name: c for c in Channel.objects.filter(jurisdiction_id=jurisdiction_id)}
    columns = {
        (channel_id, name): pk
        for pk, channel_id, name in Column.objects.filter(
            channel__jurisdiction_id=jurisdiction_id
        ).values_list("pk", "channel_id", "name")
    }
    stored = {
        (channel_id, title, day): (pk, column_id, link, views)
        for pk, channel_id, title, day, column_id, link, views in Post.objects.filter(
            channel__jurisdiction_id=jurisdiction_id
        ).values_list("pk", "channel_id", "title", "published_on", "column_id", "link", "views")
    }
    seen: dict[tuple[Any, ...], int] = {}
    for n, cells in grid.rows:
        row_errors: list[CellError] = []
        channel_name = text(grid.cell(cells, "阵地"))
        channel = channels.get(channel_name)
        if not channel_name:
            row_errors.append(grid.error(n, "阵地", "请填写宣传阵地的名称"))
        elif channel is None:
            row_errors.append(
                grid.error(n, "阵地", f"本区没有名为“{channel_name[:30]}”的宣传阵地，请先添加")
            )
        column_name = text(grid.cell(cells, "栏目"))
        column_id = None
        if column_name and channel is not None:
            column_id = columns.get((channel.pk, column_name))
            if column_id is None:
                row_errors.append(
                    grid.error(
                        n, "栏目", f"{channel.name}没有名为“{column_name[:30]}”的栏目，请先添加"
                    )
                )
        day = _date_cell(grid, cells, "发布日期", n, row_errors)
        views = 0
        raw_views = grid.cell(cells, "阅读量")
        if text(raw_views):
            try:
                views = whole_number(raw_views, "阅读量", limit=services.MAX_VIEWS)
            except ValueError as exc:
                row_errors.append(grid.error(n, "阅读量", str(exc)))
        title = text(grid.cell(cells, "标题"))
        link = text(grid.cell(cells, "链接"))
        if not row_errors:
            field_errors: dict[str, str] = {}
            title = services.clean_line(title, "title", "标题", 300, field_errors)
            if not title and not field_errors:
                field_errors["title"] = "请填写标题"
            services.check_day(day, "published_on", "发布日期", field_errors)
            link = services.check_link(link, field_errors)
            row_errors += [grid.error(n, POST_LABELS[f], m) for f, m in field_errors.items()]
        if row_errors:
            parsed.errors.extend(row_errors)
            continue
        assert channel is not None
        key = (channel.pk, title, day)
        if key in seen:
            parsed.errors.append(
                grid.error(n, "标题", f"与第{seen[key]}行是同一篇稿件（阵地、标题和发布日期相同）")
            )
            continue
        seen[key] = n
        values = {"column_id": column_id, "link": link, "views": views}
        found = stored.get(key)
        if found is None:
            action = "create"
        elif (found[1], found[2], found[3]) == (column_id, link, views):
            action = "unchanged"
        else:
            action = "update"
        parsed.items.append(
            SheetItem(
                n,
                key,
                values,
                found[0] if found else None,
                action,
                [channel.name, column_name, title, day.isoformat(), str(views)],
            )
        )
    if parsed.errors:
        parsed.items = []
    return parsed


def _summary(parsed: Parsed, headers: tuple[str, ...]) -> dict[str, Any]:
    return {
        "errors": [str(e) for e in parsed.errors],
        "total": len(parsed.items),
        "new": sum(1 for i in parsed.items if i.action == "create"),
        "matched": sum(1 for i in parsed.items if i.action != "create"),
        "rows": [
            {"row": i.row, "cells": labelled(headers, i.shown), "action": i.action}
            for i in parsed.items[:SAMPLE_ROWS]
        ],
    }


def preview_posts(jurisdiction_id: int, data: bytes, filename: str) -> dict[str, Any]:
    return _summary(parse_posts(jurisdiction_id, data, filename), POST_PREVIEW)


def _audit_import(actor: Any, jurisdiction_id: int, action: str, filename: str, a: Applied) -> None:
    audit.record(
        actor=actor,
        action=action,
        target=Jurisdiction.objects.get(pk=jurisdiction_id),
        changes={
            "file": [None, filename[-100:]],
            "created": [None, a.created],
            "updated": [None, a.updated],
        },
        jurisdiction_id=jurisdiction_id,
    )


def apply_posts(jurisdiction_id: int, data: bytes, filename: str, *, actor: Any = None) -> Applied:
    """Write every row, all or nothing (``ValidationFailed`` listing the bad cells)."""
    parsed = read_to_write(
        SheetKind.POSTS, parse_posts, jurisdiction_id, data, filename, actor=actor
    )
    now = timezone.now()
    new = [
        Post(
            channel_id=i.key[0],
            title=i.key[1],
            published_on=i.key[2],
            created_at=now,
            updated_at=now,
            **i.values,
        )
        for i in parsed.items
        if i.action == "create"
    ]
    changed = {i.existing_id: i.values for i in parsed.items if i.action == "update"}
    with transaction.atomic():
        Post.objects.bulk_create(new, batch_size=1000)
        posts = list(Post.objects.select_for_update().filter(pk__in=list(changed)))
        for post in posts:
            for f, v in changed[post.pk].items():
                setattr(post, f, v)
            post.version += 1
            post.updated_at = now
        Post.objects.bulk_update(
            posts, ["column_id", "link", "views", "version", "updated_at"], batch_size=1000
        )
        applied = Applied(len(new), len(posts), len(parsed.items) - len(new) - len(posts))
        _audit_import(actor, jurisdiction_id, "education.posts_import", filename, applied)
    return applied


def export_posts(jurisdiction: Jurisdiction, *, actor: Any) -> bytes:
    """The district's posts as an .xlsx that ``parse_posts`` reads back."""
    check_office(actor, jurisdiction.pk)
    rows = [
        [channel, column or "", title, day, link, views]
        for channel, column, title, day, link, views in Post.objects.filter(
            channel__jurisdiction=jurisdiction
        )
        .order_by("channel__name", "published_on", "id")
        .values_list("channel__name", "column__name", "title", "published_on", "link", "views")
    ]
    return write_workbook("宣传稿件", POST_HEADERS, rows)


# --- media reports -------------------------------------------------------------------------


def parse_media(jurisdiction_id: int, data: bytes, filename: str) -> Parsed:
    parsed = Parsed()
    grid, errors = read_grid(data, filename, MEDIA_HEADERS, MEDIA_REQUIRED, MAX_ROWS)
    if grid is None:
        parsed.errors = errors
        return parsed
    stored = {
        (outlet, title, day): (pk, level, link)
        for pk, outlet, title, day, level, link in MediaReport.objects.filter(
            jurisdiction_id=jurisdiction_id
        ).values_list("pk", "outlet", "title", "published_on", "level", "link")
    }
    seen: dict[tuple[Any, ...], int] = {}
    for n, cells in grid.rows:
        row_errors: list[CellError] = []
        level_text = text(grid.cell(cells, "级别"))
        level = LEVEL_WORDS.get(level_text.replace(" ", "")) or LEVEL_WORDS.get(level_text.lower())
        if level is None:
            message = (
                f"级别“{level_text[:20]}”不对，应为中央级、省级、市级或区级"
                if level_text
                else "请填写级别：中央级、省级、市级或区级"
            )
            row_errors.append(grid.error(n, "级别", message))
        day = _date_cell(grid, cells, "刊发日期", n, row_errors)
        media = services.MediaInput(
            outlet=text(grid.cell(cells, "媒体")),
            level=level or "",
            title=text(grid.cell(cells, "标题")),
            published_on=day,
            link=text(grid.cell(cells, "链接")),
        )
        # Field checks only: a stored report with the same key is a re-import, not an error.
        values, found = services.media_fields(media)
        done = {e.label for e in row_errors}
        row_errors += [
            grid.error(n, MEDIA_LABELS[f], m)
            for f, m in found.items()
            if MEDIA_LABELS[f] not in done
        ]
        if row_errors:
            parsed.errors.extend(row_errors)
            continue
        key = (values["outlet"], values["title"], values["published_on"])
        if key in seen:
            parsed.errors.append(
                grid.error(n, "标题", f"与第{seen[key]}行是同一篇报道（媒体、标题和刊发日期相同）")
            )
            continue
        seen[key] = n
        found_row = stored.get(key)
        if found_row is None:
            action = "create"
        elif (found_row[1], found_row[2]) == (values["level"], values["link"]):
            action = "unchanged"
        else:
            action = "update"
        parsed.items.append(
            SheetItem(
                n,
                key,
                {"level": values["level"], "link": values["link"]},
                found_row[0] if found_row else None,
                action,
                [key[0], str(MediaLevel(values["level"]).label), key[1], key[2].isoformat()],
            )
        )
    if parsed.errors:
        parsed.items = []
    return parsed


def preview_media(jurisdiction_id: int, data: bytes, filename: str) -> dict[str, Any]:
    return _summary(parse_media(jurisdiction_id, data, filename), MEDIA_PREVIEW)


def apply_media(jurisdiction_id: int, data: bytes, filename: str, *, actor: Any = None) -> Applied:
    parsed = read_to_write(
        SheetKind.MEDIA, parse_media, jurisdiction_id, data, filename, actor=actor
    )
    now = timezone.now()
    new = [
        MediaReport(
            jurisdiction_id=jurisdiction_id,
            outlet=i.key[0],
            title=i.key[1],
            published_on=i.key[2],
            created_at=now,
            updated_at=now,
            **i.values,
        )
        for i in parsed.items
        if i.action == "create"
    ]
    changed = {i.existing_id: i.values for i in parsed.items if i.action == "update"}
    with transaction.atomic():
        MediaReport.objects.bulk_create(new, batch_size=1000)
        reports = list(MediaReport.objects.select_for_update().filter(pk__in=list(changed)))
        for report in reports:
            for f, v in changed[report.pk].items():
                setattr(report, f, v)
            report.version += 1
            report.updated_at = now
        MediaReport.objects.bulk_update(
            reports, ["level", "link", "version", "updated_at"], batch_size=1000
        )
        applied = Applied(len(new), len(reports), len(parsed.items) - len(new) - len(reports))
        _audit_import(actor, jurisdiction_id, "education.media_import", filename, applied)
    return applied


def export_media(jurisdiction: Jurisdiction, *, actor: Any) -> bytes:
    check_office(actor, jurisdiction.pk)
    labels = {v.value: str(v.label) for v in MediaLevel}
    rows = [
        [outlet, labels.get(level, level), title, day, link]
        for outlet, level, title, day, link in MediaReport.objects.filter(jurisdiction=jurisdiction)
        .order_by("published_on", "id")
        .values_list("outlet", "level", "title", "published_on", "link")
    ]
    return write_workbook("媒体报道", MEDIA_HEADERS, rows)
