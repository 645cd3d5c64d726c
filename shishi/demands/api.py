"""Demands in the API (``/api/v1/demands…``, see docs/api.md): list and read them, take one
in (operators), and every step of the workflow — the same permissions, masking and services
as the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import ConfigDict

from shishi.core.api_params import reject_unknown_params
from shishi.core.errors import NotFound, ValidationFailed
from shishi.demands import permissions, rates, selectors, services, stats_selectors
from shishi.demands.models import Demand, DemandEvent, Kind
from shishi.demands.models import Status as DemandStatus
from shishi.ledger.schemas import MAX_ID, DivisionCode, ErrorOut, Id, PageQuery

router = Router(tags=["demands"])
DemandId = Path(..., ge=1, le=MAX_ID, description="诉求 id")


def _errors(*codes: int) -> dict[Any, Any]:
    return {frozenset({401, 422, *codes}): ErrorOut}


class RefOut(Schema):
    id: int
    name: str


class DemandOut(Schema):
    id: int
    number: str = Field(description="查询码")
    jurisdiction: str = Field(description="行政区划代码")
    kind: str
    category: RefOut
    urgency: str
    channel: str
    status: str
    description: str
    address: str
    lat: Decimal | None
    lon: Decimal | None
    unit: RefOut | None
    contact_name: str | None = Field(description="联系人；无权查看或举报时为 null")
    phone: str | None = Field(description="接线员、专班为号码，其他人为掩码；举报时为 null")
    landline: str | None
    hotline_number: str
    accept_by: dt.datetime | None
    resolve_by: dt.datetime | None
    reply: str
    satisfaction: str
    assessed: bool
    appeal: str
    extension_days: int | None = Field(None, description="承办单位申请延长的工作日（待审批）")
    version: int
    created_at: dt.datetime


class DemandPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[DemandOut]


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    unit: str | None
    note: str
    at: dt.datetime

    @staticmethod
    def resolve_unit(obj: DemandEvent) -> str | None:
        return obj.unit.name if obj.unit else None


class DemandQuery(PageQuery):
    jurisdiction: DivisionCode | None = None
    status: DemandStatus | None = None
    unit: Id | None = Field(None, description="承办单位 id")
    category: str | None = Field(None, max_length=40, description="分类代码")
    overdue: bool | None = Field(None, description="true：已超签收或办理时限")


class IntakeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    jurisdiction: DivisionCode
    kind: Kind
    category: str = Field(max_length=40, description="分类代码")
    description: str = Field(max_length=5000)
    channel: Literal["phone", "walk_in", "hotline"] = "phone"
    urgency: Literal["normal", "urgent"] = "normal"
    address: str = Field("", max_length=300)
    lat: Decimal | None = Field(None, max_digits=9, decimal_places=6)
    lon: Decimal | None = Field(None, max_digits=9, decimal_places=6)
    contact_name: str = Field("", max_length=50)
    phone: str = Field("", max_length=24)
    landline: str = Field("", max_length=24)
    hotline_number: str = Field("", max_length=40)


class StepIn(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(None, description="读到的版本；他人已处理则409")
    unit_id: Id | None = Field(None, description="dispatch：承办单位")
    reason: str = Field(
        "",
        max_length=5000,
        description="send_back、reopen、extend、request_extension、appeal、rule",
    )
    reply: str = Field("", max_length=10000, description="resolve")
    satisfaction: Literal["satisfied", "basically", "dissatisfied", ""] = ""
    note: str = Field("", max_length=5000, description="call_back、close、decide_extension")
    workdays: int = Field(
        0, ge=0, le=60, description="extend、request_extension；decide_extension：0即按申请天数"
    )
    upheld: bool | None = Field(None, description="rule")
    approve: bool | None = Field(None, description="decide_extension：同意或不同意")


STEPS = (
    "dispatch",
    "accept",
    "send_back",
    "resolve",
    "call_back",
    "close",
    "reopen",
    "extend",
    "request_extension",
    "decide_extension",
    "appeal",
    "rule",
)


def _out(user: Any, demand: Demand) -> dict[str, Any]:
    full = permissions.sees_contact(user, demand)
    hidden = demand.is_confidential and not full
    return {
        "id": demand.pk,
        "number": demand.number,
        "jurisdiction": demand.jurisdiction.code,
        "kind": demand.kind,
        "category": {"id": demand.category.pk, "name": demand.category.name},
        "urgency": demand.urgency,
        "channel": demand.channel,
        "status": demand.status,
        "description": demand.description,
        "address": demand.address,
        "lat": demand.lat,
        "lon": demand.lon,
        "unit": {"id": demand.unit.pk, "name": demand.unit.name} if demand.unit else None,
        "contact_name": None if hidden else demand.contact_name,
        "phone": None
        if hidden or not demand.phone
        else (demand.phone.reveal() if full else str(demand.phone)),
        "landline": None
        if hidden or not demand.landline
        else (demand.landline.reveal() if full else str(demand.landline)),
        "hotline_number": demand.hotline_number,
        "accept_by": demand.accept_by,
        "resolve_by": demand.resolve_by,
        "reply": demand.reply,
        "satisfaction": demand.satisfaction,
        "assessed": demand.assessed,
        "appeal": demand.appeal,
        "extension_days": demand.extension_days,
        "version": demand.version,
        "created_at": demand.created_at,
    }


@router.get("/demands", response={200: DemandPageOut, **_errors()}, summary="诉求列表（按权限）")
def list_demands(request: HttpRequest, query: Query[DemandQuery]) -> dict[str, Any]:
    reject_unknown_params(request, DemandQuery)
    count, rows = selectors.demand_slice(
        request.user,
        jurisdiction_code=query.jurisdiction,
        status=query.status or "",
        unit_id=query.unit,
        category_code=query.category or "",
        overdue=query.overdue,
        offset=(query.page - 1) * query.page_size,
        limit=query.page_size,
    )
    return {
        "count": count,
        "page": query.page,
        "page_size": query.page_size,
        "items": [_out(request.user, d) for d in rows],
    }


# --- statistics: the three rates (before /demands/{demand_id}, which would take "stats") ---


class StatsQuery(Schema):
    month: str | None = Field(None, max_length=20, description="统计月份 YYYY-MM；不填为本月")
    jurisdiction: DivisionCode | None = Field(None, description="区县代码；不填为第一个可查看的区")


class TrendQuery(StatsQuery):
    months: int = Field(
        12, ge=1, le=stats_selectors.TREND_MONTHS, description="月数（截至 month），1–24"
    )


class RatesOut(Schema):
    dispatched: int = Field(description="响应率的分母：当月派单且应计入的诉求")
    on_time: int = Field(description="其中按时签收的")
    called_back: int = Field(description="解决率、满意率的分母：当月回访（有结果）的诉求")
    satisfied: int
    basically: int = Field(description="基本满意")
    dissatisfied: int
    response_rate: float | None = Field(description="响应率，0–1；无可统计时为 null")
    resolution_rate: float | None = Field(description="解决率，0–1")
    satisfaction_rate: float | None = Field(description="满意率，0–1")
    composite: float | None = Field(description="综合得分，0–1")


class UnitRatesOut(RatesOut):
    rank: int
    unit: RefOut | None = Field(description="承办单位；未指定时为 null")


class StatsDistrictOut(Schema):
    code: str
    name: str


class WeightsOut(Schema):
    response: float
    resolution: float
    satisfaction: float
    basically: float = Field(description="满意率中“基本满意”的权重")


class StatsOut(Schema):
    jurisdiction: StatsDistrictOut
    month: str
    start: dt.datetime
    end: dt.datetime = Field(description="不含")
    weights: WeightsOut
    definitions: dict[str, str]
    district: RatesOut
    units: list[UnitRatesOut] = Field(description="承办单位，按综合得分排名")


class TrendMonthOut(RatesOut):
    month: str


class TrendOut(Schema):
    jurisdiction: StatsDistrictOut
    months: list[TrendMonthOut]


def _month(raw: str | None) -> rates.Month | None:
    if raw is None:
        return None
    month = rates.Month.parse(raw)
    if month is None:
        message = "月份应写成如2026-06的形式"
        raise ValidationFailed(f"month：{message}", {"month": message})
    return month


def _rates(c: rates.Counts) -> dict[str, Any]:
    return {
        "dispatched": c.dispatched,
        "on_time": c.on_time,
        "called_back": c.called_back,
        "satisfied": c.satisfied,
        "basically": c.basically,
        "dissatisfied": c.dissatisfied,
        "response_rate": c.response_rate,
        "resolution_rate": c.resolution_rate,
        "satisfaction_rate": c.satisfaction_rate,
        "composite": c.composite,
    }


def _weights() -> dict[str, float]:
    a, b, c = rates.composite_weights()
    return {
        "response": a,
        "resolution": b,
        "satisfaction": c,
        "basically": rates.basically_weight(),
    }


@router.get(
    "/demands/stats",
    response={200: StatsOut, **_errors(403, 404)},
    summary="诉求办理三率（月度，全区及承办单位）",
)
def demand_stats(request: HttpRequest, query: Query[StatsQuery]) -> dict[str, Any]:
    reject_unknown_params(request, StatsQuery)
    got = stats_selectors.month_stats(request.user, query.jurisdiction, _month(query.month))
    j = got.jurisdiction
    return {
        "jurisdiction": {"code": j.code, "name": j.name},
        "month": str(got.month),
        "start": got.start,
        "end": got.end,
        "weights": _weights(),
        "definitions": stats_selectors.definitions(),
        "district": _rates(got.district),
        "units": [
            {
                "rank": r.rank,
                "unit": {"id": r.counts.key, "name": r.name} if r.counts.key else None,
                **_rates(r.counts),
            }
            for r in got.units
        ],
    }


@router.get(
    "/demands/stats/trend",
    response={200: TrendOut, **_errors(403, 404)},
    summary="诉求办理三率的月度趋势（全区）",
)
def demand_stats_trend(request: HttpRequest, query: Query[TrendQuery]) -> dict[str, Any]:
    reject_unknown_params(request, TrendQuery)
    j, series = stats_selectors.trend_stats(
        request.user, query.jurisdiction, query.months, _month(query.month)
    )
    return {
        "jurisdiction": {"code": j.code, "name": j.name},
        "months": [{"month": str(m), **_rates(c)} for m, c in series],
    }


@router.get("/demands/{demand_id}", response={200: DemandOut, **_errors(404)}, summary="一条诉求")
def get_demand(request: HttpRequest, demand_id: int = DemandId) -> dict[str, Any]:
    reject_unknown_params(request)
    return _out(request.user, permissions.access_demand(request.user, demand_id))


@router.get(
    "/demands/{demand_id}/events",
    response={200: list[EventOut], **_errors(404)},
    summary="诉求的办理记录",
)
def demand_events(request: HttpRequest, demand_id: int = DemandId) -> list[DemandEvent]:
    reject_unknown_params(request)
    demand = permissions.access_demand(request.user, demand_id)
    return list(demand.events.select_related("unit"))


@router.post(
    "/demands", response={201: DemandOut, **_errors(403, 404)}, summary="受理诉求（接线员、专班）"
)
def take_in(request: HttpRequest, payload: IntakeIn) -> Any:
    reject_unknown_params(request)
    district = selectors.district_by_code(payload.jurisdiction)
    permissions.require_operator(request.user, district.pk)
    category = selectors.category_by_code(district.pk, payload.category)
    demand = services.take_in(
        district.pk,
        services.IntakeInput(
            kind=payload.kind,
            category_id=category.pk if category else None,
            description=payload.description,
            channel=payload.channel,
            urgency=payload.urgency,
            address=payload.address,
            lat=payload.lat,
            lon=payload.lon,
            contact_name=payload.contact_name,
            phone=payload.phone,
            landline=payload.landline,
            hotline_number=payload.hotline_number,
        ),
        actor=request.user,
    )
    return Status(201, _out(request.user, permissions.access_demand(request.user, demand.pk)))


@router.post(
    "/demands/{demand_id}/{step}",
    response={200: DemandOut, **_errors(403, 404, 409)},
    summary="办理一步（步骤见说明）",
    description="step：" + "、".join(STEPS),
)
def take_step(
    request: HttpRequest, payload: StepIn, demand_id: int = DemandId, step: str = Path(...)
) -> dict[str, Any]:
    reject_unknown_params(request)
    if step not in STEPS:
        raise NotFound("没有这个办理步骤")
    demand = permissions.access_demand(request.user, demand_id)
    user, v, p = request.user, payload.version, payload
    if step == "dispatch":
        unit = selectors.unit_of(demand.jurisdiction_id, p.unit_id)
        if unit is None:
            raise ValidationFailed("请选择本区的承办单位", {"unit_id": "请选择本区的承办单位"})
        services.dispatch(demand, unit, actor=user, note=p.note, expected_version=v)
    elif step == "accept":
        services.accept(demand, actor=user, expected_version=v)
    elif step == "send_back":
        services.send_back(demand, actor=user, reason=p.reason, expected_version=v)
    elif step == "resolve":
        services.resolve(demand, actor=user, reply=p.reply, expected_version=v)
    elif step == "call_back":
        services.call_back(
            demand, actor=user, satisfaction=p.satisfaction, note=p.note, expected_version=v
        )
    elif step == "close":
        services.close_unreached(demand, actor=user, note=p.note, expected_version=v)
    elif step == "reopen":
        services.reopen(demand, actor=user, reason=p.reason, expected_version=v)
    elif step == "extend":
        services.extend(
            demand, actor=user, workdays=p.workdays, reason=p.reason, expected_version=v
        )
    elif step == "request_extension":
        services.request_extension(
            demand, actor=user, workdays=p.workdays, reason=p.reason, expected_version=v
        )
    elif step == "decide_extension":
        if p.approve is None:
            raise ValidationFailed("请给出审批结论", {"approve": "请给出审批结论"})
        services.decide_extension(
            demand,
            actor=user,
            approve=p.approve,
            workdays=p.workdays or None,
            note=p.note,
            expected_version=v,
        )
    elif step == "appeal":
        services.file_appeal(demand, actor=user, reason=p.reason, expected_version=v)
    else:
        if p.upheld is None:
            raise ValidationFailed("请给出裁定结论", {"upheld": "请给出裁定结论"})
        services.rule_on_appeal(
            demand, actor=user, upheld=p.upheld, reason=p.reason, expected_version=v
        )
    return _out(user, permissions.access_demand(user, demand_id))
