"""Reads of the enterprise register: who sees which enterprises, the searchable list (keyset
pages on the (district, name) index, a count that stops at ``COUNT_LIMIT``), one enterprise's
page with its size explained and its contacts masked, the import batches.

Every list starts from ``visible_enterprises(user)``: the office sees its district's register
(a city office every district under it), a station's staff the enterprises it serves, a
signed-in contact its own enterprise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from shishi.core import masking
from shishi.core.errors import NotFound, PermissionDenied
from shishi.enterprise import industry, permissions
from shishi.enterprise.models import (
    Contact,
    Enterprise,
    Qualification,
    SheetImport,
    SheetKind,
)
from shishi.enterprise.size import Size, classify
from shishi.orgs.models import Jurisdiction, Unit

PAGE_SIZE = 50
COUNT_LIMIT = 10_000
NOT_FOUND = "没有这家企业，或您无权查看"
_USCC_PART = re.compile(r"[0-9A-HJ-NPQRTUWXY]{4,18}")


def visible_enterprises(user: Any) -> QuerySet[Enterprise]:
    office = permissions.office_jurisdiction_ids(user)
    own = permissions.contact_enterprise_ids(user) | permissions.station_enterprise_ids(user)
    if not office and not own:
        return Enterprise.objects.none()
    return Enterprise.objects.filter(Q(jurisdiction_id__in=office) | Q(pk__in=own))


def may_list(user: Any) -> bool:
    """Whether the register's list has anything for ``user`` (office, station, contact)."""
    return bool(
        permissions.office_jurisdiction_ids(user)
        or permissions.contact_enterprise_ids(user)
        or permissions.staffed_station_ids(user)
    )


def office_jurisdictions(user: Any) -> list[Jurisdiction]:
    """The districts whose register ``user`` keeps (a city office: the districts under it)."""
    ids = permissions.office_jurisdiction_ids(user)
    return list(Jurisdiction.objects.filter(pk__in=ids, level="district").order_by("code"))


def office_jurisdiction(user: Any, code: str | None) -> Jurisdiction:
    """The district ``code`` (or the first) whose register ``user`` keeps."""
    places = office_jurisdictions(user)
    if not places:
        raise PermissionDenied("只有专班可以维护企业名录")
    if not code:
        return places[0]
    for place in places:
        if place.code == code:
            return place
    raise NotFound("没有这个区，或您无权维护它的企业名录")


def access_enterprise(user: Any, district_code: str, uscc: str) -> Enterprise:
    """The enterprise for its page; ``NotFound`` (never a hint that it exists) unless
    ``permissions.may_see_enterprise``."""
    enterprise = (
        Enterprise.objects.select_related("street", "jurisdiction")
        .filter(jurisdiction__code=district_code, uscc=(uscc or "").upper()[:18])
        .first()
    )
    if enterprise is None or not permissions.may_see_enterprise(user, enterprise):
        raise NotFound(NOT_FOUND)
    return enterprise


def access_contact(user: Any, enterprise: Enterprise, contact_id: int) -> Contact:
    contact = enterprise.contacts.filter(pk=contact_id).first()
    if contact is None:
        raise NotFound("没有这位联系人")
    contact.enterprise = enterprise
    return contact


def streets(jurisdiction_id: int) -> list[Unit]:
    return list(
        Unit.objects.filter(
            jurisdiction_id=jurisdiction_id, kind__in=(Unit.Kind.STREET, Unit.Kind.TOWNSHIP)
        ).order_by("name")
    )


def qualification_names(jurisdiction_id: int) -> list[str]:
    return list(
        Qualification.objects.filter(enterprise__jurisdiction_id=jurisdiction_id)
        .values_list("name", flat=True)
        .distinct()
        .order_by("name")[:200]
    )


@dataclass
class Filters:
    q: str = ""
    industry: str = ""  # canonical code; covers its children
    street_id: int | None = None
    size: str = ""
    qualification: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def parse_filters(params: Any) -> Filters:
    """The list's filters from the query string; a bad one is dropped with its reason."""
    f = Filters(q=" ".join(str(params.get("q", "")).split())[:100])
    code = str(params.get("industry", "")).strip()[:20]
    if code:
        try:
            f.industry = industry.normalize(code)
        except ValueError as exc:
            f.errors["industry"] = str(exc)
    street = str(params.get("street", "")).strip()
    if street:
        if street.isdigit() and len(street) < 12:
            f.street_id = int(street)
        else:
            f.errors["street"] = "街道选择不对"
    size = str(params.get("size", "")).strip()
    if size == "unknown" or size in Size.values:
        f.size = size
    elif size:
        f.errors["size"] = "企业规模选择不对"
    f.qualification = str(params.get("qualification", "")).strip()[:50]
    return f


def filtered(base: QuerySet[Enterprise], f: Filters) -> QuerySet[Enterprise]:
    qs = base
    if f.q:
        upper = f.q.upper().replace(" ", "")
        if _USCC_PART.fullmatch(upper):
            qs = qs.filter(Q(uscc__startswith=upper) | Q(name__contains=f.q))
        else:
            qs = qs.filter(name__contains=f.q)
    if f.industry:
        qs = qs.filter(industry_code__startswith=industry.sql_prefix(f.industry))
    if f.street_id is not None:
        qs = qs.filter(street_id=f.street_id)
    if f.size:
        qs = qs.filter(size="" if f.size == "unknown" else f.size)
    if f.qualification:
        qs = qs.filter(
            Exists(Qualification.objects.filter(enterprise=OuterRef("pk"), name=f.qualification))
        )
    return qs


@dataclass
class RegisterPage:
    rows: list[Enterprise]
    count: int
    more_than: bool  # the count stopped at COUNT_LIMIT
    next_after: int | None  # the last row's id, for the next page


def register_page(
    user: Any, jurisdiction: Jurisdiction | None, f: Filters, *, after: int | None = None
) -> RegisterPage:
    """One page of the district's register (``None``: every enterprise ``user`` may see) in
    name order: keyset (name, id) after the row ``after``, so page 2,000 costs what page 1
    does."""
    base = visible_enterprises(user)
    if jurisdiction is not None:
        base = base.filter(jurisdiction=jurisdiction)
    base = filtered(base, f)
    count = base.order_by()[: COUNT_LIMIT + 1].count()
    qs = base.order_by("name", "pk").select_related("street", "jurisdiction")
    if after is not None:
        mark = base.filter(pk=after).values("name").first()
        if mark is not None:
            qs = qs.filter(Q(name__gt=mark["name"]) | Q(name=mark["name"], pk__gt=after))
    rows = list(qs.prefetch_related("qualifications")[: PAGE_SIZE + 1])
    next_after = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    return RegisterPage(rows[:PAGE_SIZE], min(count, COUNT_LIMIT), count > COUNT_LIMIT, next_after)


@dataclass(frozen=True)
class ContactView:
    contact: Contact
    phone: str
    email: str
    can_show: bool
    shown_phone: str = ""  # the full value after an audited "show"
    shown_email: str = ""


@dataclass(frozen=True)
class EnterprisePage:
    enterprise: Enterprise
    industry_name: str
    size_reason: str
    qualifications: list[str]
    contacts: list[ContactView]
    may_edit: bool
    viewer: str


def enterprise_page(
    user: Any, enterprise: Enterprise, shown: dict[tuple[int, str], str] | None = None
) -> EnterprisePage:
    """What the enterprise's page shows: the facts, the size with its reason, the
    qualifications, the contacts masked (in full on an audited "show", for the office and
    the enterprise's own contact)."""
    from shishi.enterprise.register_services import viewer_of

    e = enterprise
    name = ""
    reason = "未填写行业代码，无法判定企业规模"
    if e.industry_code:
        try:
            name = industry.lookup(e.industry_code).name
            reason = classify(
                e.industry_code,
                employees=e.employees,
                revenue=e.revenue,
                total_assets=e.total_assets,
            ).reason
        except Exception:  # a stored code the table lacks: say so rather than fail
            reason = f"行业代码{e.industry_code}无法识别"
    viewer = viewer_of(user, e)
    can_show = masking.access("phone", viewer) == masking.Access.ON_SHOW
    contacts = [
        ContactView(
            c,
            masking.display(c.phone or "", viewer=viewer, kind="phone"),
            masking.display(c.email, viewer=viewer, kind="email"),
            can_show,
            (shown or {}).get((c.pk, "phone"), ""),
            (shown or {}).get((c.pk, "email"), ""),
        )
        for c in e.contacts.all()
    ]
    return EnterprisePage(
        enterprise=e,
        industry_name=name,
        size_reason=reason,
        qualifications=list(e.qualifications.values_list("name", flat=True)),
        contacts=contacts,
        may_edit=permissions.is_office(user, e.jurisdiction_id),
        viewer=str(viewer),
    )


def access_sheet_import(user: Any, batch_id: int) -> SheetImport:
    batch = SheetImport.objects.filter(pk=batch_id, kind=SheetKind.ENTERPRISES).first()
    if batch is None or not permissions.is_office(user, batch.jurisdiction_id):
        raise NotFound("没有这个导入批次")
    return batch
