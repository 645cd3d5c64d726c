"""The appointment services' API (``/api/v1/services/…``): eligibility for now."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Router, Schema
from pydantic import ConfigDict

from shishi.appointments import eligibility, selectors
from shishi.core.api_params import reject_unknown_params
from shishi.core.errors import ValidationFailed
from shishi.ledger.schemas import DivisionCode, ErrorOut

router = Router(tags=["appointments"])


class EligibilityIn(Schema):
    model_config = ConfigDict(extra="forbid")

    # In the body, never in the address: logs keep addresses.
    id_number: str = Field(max_length=30, description="居民身份证号（18位，或旧的15位）")
    on: dt.date | None = Field(None, description="哪一天，YYYY-MM-DD；默认今天")
    jurisdiction: DivisionCode | None = Field(None, description="区县代码；只管一个区时可省略")


class EligibilityOut(Schema):
    eligible: bool
    reasons: list[str] = Field(description="每条条件满足与否，可读的理由")
    to_confirm: list[str] = Field(description="需要接线员询问确认的条件")


@router.post(
    "/services/{code}/eligibility",
    response={200: EligibilityOut, frozenset({401, 403, 404, 422}): ErrorOut},
    summary="是否符合服务条件",
)
def check_eligibility(
    request: HttpRequest, payload: EligibilityIn, code: str = Path(..., max_length=40)
) -> dict[str, Any]:
    reject_unknown_params(request)
    service = selectors.service_for(request.user, code, payload.jurisdiction)
    try:
        verdict = eligibility.evaluate(
            service.rules,
            id_number=payload.id_number,
            on=payload.on or timezone.localdate(),
            match=service.match,
            day_after=service.age_from == "day_after",
        )
    except ValueError as exc:
        raise ValidationFailed(str(exc), {"id_number": str(exc)}) from exc
    return {
        "eligible": verdict.eligible,
        "reasons": verdict.reasons,
        "to_confirm": verdict.to_confirm,
    }
