"""What the portal shows of a district's briefing series: its published issues marked public,
with personal numbers in every text masked (as the portal masks items and updates)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from shishi.core.errors import NotFound
from shishi.core.pii_text import mask_personal_numbers
from shishi.orgs.models import Jurisdiction
from shishi.reports import briefings as series
from shishi.reports.models import Briefing, BriefingPhoto


@dataclass(frozen=True)
class PublicPhoto:
    url: str
    caption: str


@dataclass(frozen=True)
class PublicArticle:
    heading: str
    paragraphs: list[str]
    photos: list[PublicPhoto] = field(default_factory=list)


@dataclass(frozen=True)
class PublicIssue:
    number: int
    series: str
    title: str
    published_on: object
    url: str
    articles: list[PublicArticle] = field(default_factory=list)


def district(code: str) -> Jurisdiction:
    found = Jurisdiction.objects.filter(code=code).only("id", "code", "name").first()
    if found is None:
        raise NotFound("没有找到该地区")
    return found


def _issue(place: Jurisdiction, b: Briefing, *, articles: bool) -> PublicIssue:
    number = b.number or 0
    return PublicIssue(
        number=number,
        series=b.series,
        title=mask_personal_numbers(b.title),
        published_on=b.published_at,
        url=reverse("portal:briefing", args=[place.code, number]),
        articles=[
            PublicArticle(
                heading=mask_personal_numbers(a.heading),
                paragraphs=[
                    mask_personal_numbers(line.strip())
                    for line in a.text.splitlines()
                    if line.strip()
                ],
                photos=[
                    PublicPhoto(
                        url=reverse("portal:briefing_photo", args=[place.code, number, p.pk]),
                        caption=mask_personal_numbers(p.caption),
                    )
                    for p in a.photos.all()
                ],
            )
            for a in b.articles.all()
        ]
        if articles
        else [],
    )


def issues(place: Jurisdiction) -> list[PublicIssue]:
    return [_issue(place, b, articles=False) for b in series.public_briefings(place)[:500]]


def issue(place: Jurisdiction, number: int) -> PublicIssue:
    return _issue(place, series.public_briefing(place, number), articles=True)


def photo(place: Jurisdiction, number: int, photo_id: int) -> BriefingPhoto:
    return series.public_photo(place, number, photo_id)
