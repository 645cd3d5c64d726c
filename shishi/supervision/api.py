"""Supervision in the API (``/api/v1/supervision/…``, see docs/api.md): findings and their
rectification, instructions and their answers. The same selectors, permissions and services
as the pages; evidence files are sent through the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import ConfigDict

from shishi.core.api_params import reject_unknown_params
from shishi.ledger.schemas import MAX_ID, DivisionCode, ErrorOut, Id, PageQuery
from shishi.supervision import permissions, selectors
from shishi.supervision.models import Card, Finding, Instruction
from shishi.supervision.services import findings, instructions

router = Router(tags=["supervision"])

FindingId = Path(..., ge=1, le=MAX_ID, description="问题 id")
InstructionId = Path(..., ge=1, le=MAX_ID, description="批示 id")


def _errors(*codes: int) -> dict[Any, Any]:
    return {frozenset({401, 422, *codes}): ErrorOut}


class RefOut(Schema):
    id: int
    name: str


class FindingOut(Schema):
    id: int
    round: str = Field(description="轮次代码")
    group: RefOut
    unit: RefOut = Field(description="被指导单位")
    kind: str = Field(description="on_the_spot / to_rectify / suggestion")
    category: str
    severity: str
    problem: str
    status: str = Field(description="corrected / open / submitted / returned / closed / noted")
    measure: str
    deadline: dt.date | None
    responsible_unit: RefOut
    responsible_person: str
    card: str = Field(description="'' / yellow / red")
    closed_on: dt.date | None
    recurrence_of: int | None
    item_ids: list[int]
    version: int

    @staticmethod
    def resolve_round(obj: Finding) -> str:
        return obj.round.code

    @staticmethod
    def resolve_recurrence_of(obj: Finding) -> int | None:
        return obj.recurrence_of_id

    @staticmethod
    def resolve_item_ids(obj: Finding) -> list[int]:
        return [item.pk for item in obj.items.all()]


class FindingPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[FindingOut]


class FindingQuery(PageQuery):
    jurisdiction: DivisionCode | None = None
    round: str | None = Field(None, max_length=20, description="轮次代码，如 2021-1")
    status: str | None = Field(
        None, max_length=16, description="open（整改中，含待核验、退回）或某一状态"
    )
    unit: Id | None = Field(None, description="被指导或责任单位 id")
    card: Card | None = Field(None, description="yellow / red")


class RectificationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    measures: str = Field(max_length=10000, description="整改措施和成效")
    version: int | None = Field(None, description="读到的版本；他人已改则409")


class VerdictIn(Schema):
    model_config = ConfigDict(extra="forbid")

    accept: bool = Field(description="true 销号；false 退回")
    reason: str = Field("", max_length=5000, description="退回理由；退回时必填")
    version: int | None = None


class InstructionOut(Schema):
    id: int
    author_name: str
    written_on: dt.date
    text: str
    item_id: int | None
    finding_id: int | None
    unit: RefOut
    answer_by: dt.date
    status: str = Field(description="open / answered / settled")
    card: str
    settled_on: dt.date | None
    age_days: int
    paper: bool = Field(description="专班录入的纸质批示")
    version: int

    @staticmethod
    def resolve_paper(obj: Instruction) -> bool:
        return obj.author_id is None


class InstructionPageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[InstructionOut]


class InstructionQuery(PageQuery):
    jurisdiction: DivisionCode | None = None
    status: str = Field(
        "open", max_length=16, description="open（未办结）/ answered / settled / all"
    )
    unit: Id | None = None
    card: Card | None = None


class InstructionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    jurisdiction: DivisionCode
    text: str = Field(max_length=5000)
    answer_by: dt.date
    item_id: Id | None = None
    finding_id: Id | None = None
    unit_id: Id | None = Field(None, description="承办单位；批示事项或问题时默认其牵头或责任单位")


class AnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=10000)
    version: int | None = None


# --- findings ------------------------------------------------------------------------------


@router.get(
    "/supervision/findings",
    response={200: FindingPageOut, **_errors()},
    summary="问题和建议：本区全部（专班、督导员、包保领导），或交办本单位的",
)
def list_findings(request: HttpRequest, query: Query[FindingQuery]) -> dict[str, Any]:
    reject_unknown_params(request, FindingQuery)
    count, rows = selectors.finding_slice(
        request.user,
        jurisdiction_code=query.jurisdiction,
        round_code=query.round,
        status=query.status or "",
        unit_id=query.unit,
        card=query.card or "",
        offset=(query.page - 1) * query.page_size,
        limit=query.page_size,
    )
    return {"count": count, "page": query.page, "page_size": query.page_size, "items": rows}


@router.get(
    "/supervision/findings/{finding_id}",
    response={200: FindingOut, **_errors(404)},
    summary="一个问题或建议",
)
def get_finding(request: HttpRequest, finding_id: int = FindingId) -> Finding:
    reject_unknown_params(request)
    return permissions.access_finding(request.user, finding_id)


@router.post(
    "/supervision/findings/{finding_id}/rectifications",
    response={201: FindingOut, **_errors(403, 404, 409)},
    summary="报送整改情况（责任单位）",
)
def rectify(request: HttpRequest, payload: RectificationIn, finding_id: int = FindingId) -> Any:
    reject_unknown_params(request)
    found = permissions.access_finding(request.user, finding_id)
    findings.submit_rectification(
        found, actor=request.user, measures=payload.measures, expected_version=payload.version
    )
    return Status(201, permissions.access_finding(request.user, finding_id))


@router.post(
    "/supervision/findings/{finding_id}/verdict",
    response={200: FindingOut, **_errors(403, 404, 409)},
    summary="核验整改：销号或退回（本组督导员、专班）",
)
def verdict(request: HttpRequest, payload: VerdictIn, finding_id: int = FindingId) -> Finding:
    reject_unknown_params(request)
    found = permissions.access_finding(request.user, finding_id)
    findings.verify_rectification(
        found,
        actor=request.user,
        accept=payload.accept,
        reason=payload.reason,
        expected_version=payload.version,
    )
    return permissions.access_finding(request.user, finding_id)


# --- instructions --------------------------------------------------------------------------


@router.get(
    "/supervision/instructions",
    response={200: InstructionPageOut, **_errors()},
    summary="督办清单：领导批示，最早的在前",
)
def list_instructions(request: HttpRequest, query: Query[InstructionQuery]) -> dict[str, Any]:
    reject_unknown_params(request, InstructionQuery)
    count, rows = selectors.instruction_slice(
        request.user,
        jurisdiction_code=query.jurisdiction,
        status=query.status,
        unit_id=query.unit,
        card=query.card or "",
        offset=(query.page - 1) * query.page_size,
        limit=query.page_size,
    )
    return {"count": count, "page": query.page, "page_size": query.page_size, "items": rows}


@router.post(
    "/supervision/instructions",
    response={201: InstructionOut, **_errors(403, 404)},
    summary="批示（包保领导、专班）",
)
def write(request: HttpRequest, payload: InstructionIn) -> Any:
    reject_unknown_params(request)
    district = selectors.district_by_code(request.user, payload.jurisdiction)
    made = instructions.write_instruction(
        district.pk,
        instructions.InstructionInput(
            text=payload.text,
            answer_by=payload.answer_by,
            unit_id=payload.unit_id,
            item_id=payload.item_id,
            finding_id=payload.finding_id,
        ),
        actor=request.user,
    )
    return Status(201, permissions.access_instruction(request.user, made.pk))


@router.get(
    "/supervision/instructions/{instruction_id}",
    response={200: InstructionOut, **_errors(404)},
    summary="一条批示",
)
def get_instruction(request: HttpRequest, instruction_id: int = InstructionId) -> Instruction:
    reject_unknown_params(request)
    return permissions.access_instruction(request.user, instruction_id)


@router.post(
    "/supervision/instructions/{instruction_id}/answer",
    response={200: InstructionOut, **_errors(403, 404, 409)},
    summary="答复批示（承办单位）",
)
def answer(request: HttpRequest, payload: AnswerIn, instruction_id: int = InstructionId) -> Any:
    reject_unknown_params(request)
    found = permissions.access_instruction(request.user, instruction_id)
    instructions.answer_instruction(
        found, actor=request.user, text=payload.text, expected_version=payload.version
    )
    return permissions.access_instruction(request.user, instruction_id)
