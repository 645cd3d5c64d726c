"""The enterprise API (``/api/v1/enterprises/…``): one enterprise's verdict on every
published policy in force, with a row per condition (``verdicts.enterprise_verdicts``,
judged now).

Who: the district's office (a city office names the district with ``?jurisdiction=CODE``
when it covers several), the staff of a station serving the enterprise, and the enterprise's
own contact — whose token sees its own enterprise only (another's answers 404, as if it did
not exist). A malformed USCC is 422 naming ``uscc``; an unknown one 404.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from shishi.core.api_params import reject_unknown_params
from shishi.core.errors import NotFound, PermissionDenied, ValidationFailed
from shishi.core.uscc import normalize_uscc
from shishi.enterprise import permissions
from shishi.enterprise.models import Enterprise
from shishi.enterprise.verdicts import enterprise_verdicts
from shishi.ledger.schemas import DivisionCode, ErrorOut
from shishi.orgs.models import Jurisdiction

router = Router(tags=["enterprise"])


class MatchesQuery(Schema):
    jurisdiction: DivisionCode | None = Field(
        None, description="区县代码；只管一个区时可省略，市级用户管多个区时必填"
    )


class ConditionOut(Schema):
    condition: str = Field(description="条件的文字表述")
    met: bool | None = Field(
        description="true 满足，false 不满足，null 未知（数据缺失或需人工核实）"
    )
    detail: str = Field(description="企业的登记值，或未知的原因")


class PolicyVerdictOut(Schema):
    policy_id: int
    title: str
    verdict: Literal["eligible", "ineligible", "possible"]
    conditions: list[ConditionOut]


def _districts(user: Any) -> set[int]:
    """The districts whose enterprises ``user`` may look up: as office, as a station's
    staff, or as an enterprise's contact."""
    ids = set(permissions.office_jurisdiction_ids(user))
    enterprise_ids = permissions.contact_enterprise_ids(user) | permissions.station_enterprise_ids(
        user
    )
    if enterprise_ids:
        ids |= set(
            Enterprise.objects.filter(pk__in=enterprise_ids).values_list(
                "jurisdiction_id", flat=True
            )
        )
    return set(
        Jurisdiction.objects.filter(pk__in=ids, level=Jurisdiction.Level.DISTRICT).values_list(
            "pk", flat=True
        )
    )


def access_enterprise(user: Any, uscc: str, jurisdiction_code: str | None) -> Enterprise:
    """The enterprise ``uscc`` of the named district, or of the user's one district."""
    try:
        code = normalize_uscc(uscc)
    except ValueError as exc:
        raise ValidationFailed(str(exc), {"uscc": str(exc)}) from exc
    ids = _districts(user)
    if not ids and not getattr(user, "is_superuser", False):
        raise PermissionDenied("只有专班、益企工作站工作人员和企业联系人可以查询政策匹配")
    districts = Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT)
    if not getattr(user, "is_superuser", False):
        districts = districts.filter(pk__in=ids)
    if jurisdiction_code:
        district = districts.filter(code=jurisdiction_code).first()
        if district is None:
            raise NotFound("没有找到这个区县")
    else:
        found = list(districts.order_by("code")[:2])
        if len(found) != 1:
            message = "请用 jurisdiction 指明区县（行政区划代码）"
            raise ValidationFailed(message, {"jurisdiction": message})
        district = found[0]
    enterprise = (
        Enterprise.objects.select_related("street")
        .prefetch_related("qualifications")
        .filter(jurisdiction=district, uscc=code)
        .first()
    )
    if enterprise is None or not permissions.may_see_enterprise(user, enterprise):
        raise NotFound("没有这家企业或无权查看")
    return enterprise


@router.get(
    "/enterprises/{uscc}/matches",
    response={200: list[PolicyVerdictOut], frozenset({401, 403, 404, 422}): ErrorOut},
    summary="企业符合哪些惠企政策（逐条条件）",
)
def enterprise_matches(
    request: HttpRequest,
    query: Query[MatchesQuery],
    uscc: str = Path(..., max_length=40, description="统一社会信用代码（18位）"),
) -> list[dict[str, Any]]:
    reject_unknown_params(request, MatchesQuery)
    enterprise = access_enterprise(request.user, uscc, query.jurisdiction)
    return [
        {
            "policy_id": v.policy.pk,
            "title": v.policy.title,
            "verdict": v.verdict,
            "conditions": [
                {"condition": r.condition, "met": r.met, "detail": r.detail}
                for r in v.judgement.rows
            ],
        }
        for v in enterprise_verdicts(enterprise)
    ]
