"""Reads of the publicity pages: the district's channels (with their columns and post counts),
its posts and media reports a page at a time, the choices of the forms, and one record to
edit — each only for the office that keeps the district (``NotFound`` for anyone else, so a
record's existence is not told)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet

from shishi.core.errors import NotFound
from shishi.education import permissions
from shishi.education.models import Channel, Column, MediaReport, Post
from shishi.orgs.models import Jurisdiction, Unit

PAGE_SIZE = 50


@dataclass(frozen=True)
class Listing:
    page: Page[Any]
    paginator: Paginator[Any]
    page_range: list[Any]


def _page(query: QuerySet[Any], number: str | None) -> Listing:
    paginator = Paginator(query, PAGE_SIZE)
    page = paginator.get_page(number)
    return Listing(page, paginator, list(paginator.get_elided_page_range(page.number)))


def channels(district: Jurisdiction) -> QuerySet[Channel]:
    return (
        Channel.objects.filter(jurisdiction=district)
        .select_related("unit")
        # Both joins in one query: counted distinct, or the posts multiply by the columns.
        .annotate(
            column_count=Count("columns", distinct=True), post_count=Count("posts", distinct=True)
        )
        .order_by("kind", "name")
    )


def columns_of(channel: Channel) -> QuerySet[Column]:
    return Column.objects.filter(channel=channel).annotate(post_count=Count("posts"))


def posts(district: Jurisdiction, page: str | None, channel_id: int | None = None) -> Listing:
    query = Post.objects.filter(channel__jurisdiction=district).select_related("channel", "column")
    if channel_id is not None:
        query = query.filter(channel_id=channel_id)
    return _page(query.order_by("-published_on", "-id"), page)


def media_reports(district: Jurisdiction, page: str | None) -> Listing:
    return _page(
        MediaReport.objects.filter(jurisdiction=district).order_by("-published_on", "-id"), page
    )


def unit_choices(district: Jurisdiction) -> list[tuple[int, str]]:
    return list(
        Unit.objects.filter(jurisdiction=district)
        .exclude(kind=Unit.Kind.PARTY_BRANCH)
        .order_by("name")
        .values_list("pk", "name")
    )


def channel_choices(district: Jurisdiction) -> list[tuple[int, str]]:
    return list(
        Channel.objects.filter(jurisdiction=district).order_by("name").values_list("pk", "name")
    )


def column_choices(district: Jurisdiction) -> list[tuple[int, str]]:
    """Every column of the district's channels, labelled "channel · column"."""
    return [
        (pk, f"{channel} · {name}")
        for pk, channel, name in Column.objects.filter(channel__jurisdiction=district)
        .order_by("channel__name", "name")
        .values_list("pk", "channel__name", "name")
    ]


def office_channel(user: Any, pk: int) -> Channel:
    found = Channel.objects.select_related("jurisdiction", "unit").filter(pk=pk).first()
    if found is None or not permissions.is_office(user, found.jurisdiction_id):
        raise NotFound("没有找到这个宣传阵地")
    return found


def office_column(user: Any, pk: int) -> Column:
    found = Column.objects.select_related("channel", "channel__jurisdiction").filter(pk=pk).first()
    if found is None or not permissions.is_office(user, found.channel.jurisdiction_id):
        raise NotFound("没有找到这个栏目")
    return found


def office_post(user: Any, pk: int) -> Post:
    found = (
        Post.objects.select_related("channel", "channel__jurisdiction", "column")
        .filter(pk=pk)
        .first()
    )
    if found is None or not permissions.is_office(user, found.channel.jurisdiction_id):
        raise NotFound("没有找到这篇稿件")
    return found


def office_media(user: Any, pk: int) -> MediaReport:
    found = MediaReport.objects.select_related("jurisdiction").filter(pk=pk).first()
    if found is None or not permissions.is_office(user, found.jurisdiction_id):
        raise NotFound("没有找到这篇报道")
    return found
