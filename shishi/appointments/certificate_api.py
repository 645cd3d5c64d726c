"""The office's API of health certificates (``GET /api/v1/health-certificates``): a page
of the district's certificates by status, like the ledger's item list; the holder masked,
no ID number, phone or photo."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from shishi.appointments import certificate_selectors as selectors
from shishi.core.api_params import reject_unknown_params
from shishi.ledger.schemas import DivisionCode, ErrorOut, PageQuery

router = Router(tags=["appointments"])


class CertificateQuery(PageQuery):
    status: Literal["valid", "expired", "revoked"] | None = Field(
        None, description="valid（有效）、expired（已过期）或 revoked（已撤销）；默认全部"
    )
    jurisdiction: DivisionCode | None = Field(
        None, description="区县代码；默认本人任专班的全部区县"
    )


class CertificateOut(Schema):
    number: str
    jurisdiction: str
    status: Literal["valid", "expired", "revoked"]
    holder: str = Field(description="持证人，仅留首尾字（王*明）")
    trade: str
    valid_from: dt.date
    valid_until: dt.date
    issuer: str
    revoked_at: dt.datetime | None
    revoke_reason: str


class CertificatePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CertificateOut]


@router.get(
    "/health-certificates",
    response={200: CertificatePage, frozenset({401, 403, 404, 422}): ErrorOut},
    summary="电子健康证列表（专班）",
)
def list_certificates(request: HttpRequest, query: Query[CertificateQuery]) -> dict[str, Any]:
    reject_unknown_params(request, CertificateQuery)
    count, items = selectors.api_page(
        request.user,
        status=query.status,
        jurisdiction_code=query.jurisdiction,
        offset=(query.page - 1) * query.page_size,
        limit=query.page_size,
        today=timezone.localdate(),
    )
    return {"count": count, "page": query.page, "page_size": query.page_size, "items": items}
