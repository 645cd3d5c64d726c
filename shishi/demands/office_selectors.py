"""Reads of the office's pages: the 12345 import, the Open311 keys, the residents' texts.

Each page is of one district the user may act for (``?jurisdiction=<division code>``, the
first of them when absent or unknown); another district's row is 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q

from shishi.core.errors import NotFound, PermissionDenied
from shishi.demands.models import Demand, Open311Key, ResidentText
from shishi.orgs.models import Jurisdiction
from shishi.orgs.permissions import scope_for

TEXTS_PER_PAGE = 50
TEXT_STATUSES = {"queued": "待发送", "sent": "已发送", "failed": "发送失败", "unknown": "结果未知"}
TEXT_PURPOSES = {"code": "验证码", "taken_in": "受理通知", "resolved": "答复通知"}


def _districts(ids: set[int] | None) -> list[Jurisdiction]:
    """The districts of ``ids`` (every district for None: a superuser)."""
    query = Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT)
    if ids is not None:
        query = query.filter(pk__in=ids)
    return list(query.order_by("code"))


def office_districts(user: Any) -> list[Jurisdiction]:
    scope = scope_for(user)
    return _districts(None if scope.is_superuser else scope.office_covered_ids())


def operator_districts(user: Any) -> list[Jurisdiction]:
    """The districts whose residents' texts the user reads: operators' and the office's."""
    scope = scope_for(user)
    if scope.is_superuser:
        return _districts(None)
    return _districts(scope.operated_ids())


def _pick(districts: list[Jurisdiction], code: str | None, refusal: str) -> Jurisdiction:
    if not districts:
        raise PermissionDenied(refusal)
    return next((j for j in districts if j.code == (code or "").strip()), districts[0])


@dataclass
class District:
    """The page's district and the others the user may switch to."""

    district: Jurisdiction
    districts: list[tuple[str, str]]  # (code, name), when several


def office_district(user: Any, code: str | None, refusal: str) -> District:
    districts = office_districts(user)
    chosen = _pick(districts, code, refusal)
    return District(chosen, [(j.code, j.name) for j in districts] if len(districts) > 1 else [])


def office_district_by_id(user: Any, jurisdiction_id: int, refusal: str) -> Jurisdiction:
    """A district the user is the office of; 404 for one out of sight, 403 for no office."""
    districts = office_districts(user)
    if not districts:
        raise PermissionDenied(refusal)
    found = next((j for j in districts if j.pk == jurisdiction_id), None)
    if found is None:
        raise NotFound("没有找到这个区")
    return found


# --- the 12345 import -------------------------------------------------------------------------


def taken_in_numbers(jurisdiction_id: int, numbers: Iterable[str]) -> set[str]:
    """Which of the 12345 ticket numbers the district has taken in already."""
    wanted = list(numbers)
    if not wanted:
        return set()
    return set(
        Demand.objects.filter(
            jurisdiction_id=jurisdiction_id, hotline_number__in=wanted
        ).values_list("hotline_number", flat=True)
    )


# --- Open311 keys -----------------------------------------------------------------------------


@dataclass
class KeysPage:
    place: District
    keys: list[Open311Key]


def keys_page(user: Any, code: str | None) -> KeysPage:
    place = office_district(user, code, "只有专班可以管理Open311密钥")
    keys = list(
        Open311Key.objects.filter(jurisdiction=place.district)
        .select_related("created_by")
        .order_by("-is_active", "-created_at", "-id")
    )
    return KeysPage(place=place, keys=keys)


def access_key(user: Any, pk: int) -> Open311Key:
    """A key of a district the user is the office of (404 otherwise, 403 without an office)."""
    districts = office_districts(user)
    if not districts:
        raise PermissionDenied("只有专班可以管理Open311密钥")
    found = (
        Open311Key.objects.select_related("jurisdiction")
        .filter(pk=pk, jurisdiction__in=[j.pk for j in districts])
        .first()
    )
    if found is None:
        raise NotFound("没有找到这个密钥")
    return found


# --- residents' texts -------------------------------------------------------------------------


@dataclass(frozen=True)
class TextFilters:
    status: str = ""
    purpose: str = ""


@dataclass
class TextRow:
    text: ResidentText
    purpose: str  # as words
    status: str  # as words
    can_resend: bool


@dataclass
class TextsPage:
    place: District
    rows: list[TextRow]
    page: Page[ResidentText]
    filters: TextFilters
    with_codes: bool  # the codes (which belong to no district) are listed here


def codes_visible(user: Any) -> bool:
    """Codes sent before texts kept their district name none: only someone who reads every
    district's texts sees those."""
    scope = scope_for(user)
    if scope.is_superuser:
        return True
    every = set(
        Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT).values_list("pk", flat=True)
    )
    return every <= scope.operated_ids()


def texts_page(user: Any, code: str | None, filters: TextFilters, page_number: Any) -> TextsPage:
    """The district's texts, newest first, 50 a page, in a constant number of queries."""
    districts = operator_districts(user)
    district = _pick(districts, code, "只有接线员和专班可以查看群众短信")
    place = District(district, [(j.code, j.name) for j in districts] if len(districts) > 1 else [])
    with_codes = codes_visible(user)
    # The text's district, or (a row written without one) its demand's.
    where = Q(jurisdiction_id=district.pk) | Q(
        jurisdiction__isnull=True, demand__jurisdiction_id=district.pk
    )
    if with_codes and filters.purpose in ("", "code"):
        where |= Q(jurisdiction__isnull=True, demand__isnull=True, purpose="code")
    query = ResidentText.objects.filter(where)
    if filters.status:
        query = query.filter(status=filters.status)
    if filters.purpose:
        query = query.filter(purpose=filters.purpose)
    query = query.select_related("demand").only(
        "id",
        "purpose",
        "phone",
        "status",
        "provider_id",
        "error",
        "attempts",
        "created_at",
        "sent_at",
        "demand__id",
        "demand__number",
        "demand__jurisdiction_id",
    )
    page = Paginator(query.order_by("-created_at", "-id"), TEXTS_PER_PAGE).get_page(page_number)
    rows = [
        TextRow(
            text=t,
            purpose=TEXT_PURPOSES.get(t.purpose, t.purpose),
            status=TEXT_STATUSES.get(t.status, t.status),
            can_resend=t.status == "failed" and t.purpose != "code" and t.demand_id is not None,
        )
        for t in page.object_list
    ]
    return TextsPage(place=place, rows=rows, page=page, filters=filters, with_codes=with_codes)


def access_text(user: Any, pk: int) -> ResidentText:
    """A text of a demand of a district the user reads the texts of (404 otherwise)."""
    districts = operator_districts(user)
    if not districts:
        raise PermissionDenied("只有接线员和专班可以查看群众短信")
    found = (
        ResidentText.objects.select_related("demand")
        .filter(pk=pk, demand__jurisdiction_id__in=[j.pk for j in districts])
        .first()
    )
    if found is None:
        raise NotFound("没有找到这条短信")
    return found
