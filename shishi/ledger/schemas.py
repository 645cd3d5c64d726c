"""Pydantic schemas of the ledger API (see docs/api.md).

Numbers: rates (0–100) are JSON numbers; money in yuan and target values are strings
holding exact decimals ("730000000.00"), so that no client rounds them through a float.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import ConfigDict, field_validator

from shishi.ledger.models import Attachment, Item, Lifecycle, ProgressUpdate, Review
from shishi.ledger.selectors import attachments_of, leaders_of, partners_of

# Largest value a 64-bit primary key can hold; bigger ids would overflow the database driver.
MAX_ID = 2**63 - 1
MAX_PAGE = 1_000_000
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
DivisionCode = Annotated[str, Field(pattern=r"^\d{6}$", description="行政区划代码，6位数字")]
Rate = Annotated[Decimal, Field(max_digits=5, decimal_places=2, allow_inf_nan=False)]
Money = Annotated[Decimal, Field(max_digits=16, decimal_places=2, allow_inf_nan=False)]
Quantity = Annotated[Decimal, Field(max_digits=18, decimal_places=2, allow_inf_nan=False)]


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _no_nul(value: str | None) -> str | None:
    if value is not None and "\x00" in value:
        raise ValueError("不能包含空字符")
    return value


# --- query parameters -----------------------------------------------------------------


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="页码，从1开始")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="每页条数，最多100"
    )


class ItemQuery(PageQuery):
    """Filters of ``GET /items`` (the same as the ledger page's)."""

    programme: Id | None = Field(None, description="计划 id")
    jurisdiction: DivisionCode | None = None
    year: int | None = Field(None, ge=2000, le=2100, description="年度")
    category: Id | None = Field(None, description="类别 id")
    unit: Id | None = Field(None, description="单位 id(牵头或配合)")
    leader: Id | None = Field(None, description="包保领导（人员）id")
    lifecycle: Lifecycle | None = Field(None, description="状态")
    q: str | None = Field(None, max_length=100, description="关键词（名称、内容、措施、编号）")
    overdue: bool = Field(False, description="只看逾期未完成")

    _check_q = field_validator("q")(_no_nul)


class CategoryQuery(Schema):
    programme: Id | None = None
    jurisdiction: DivisionCode | None = None
    year: int | None = Field(None, ge=2000, le=2100)


class JurisdictionQuery(Schema):
    jurisdiction: DivisionCode | None = None


# --- output ---------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class InJurisdiction(Schema):
    """A record of one jurisdiction, named by its division code."""

    jurisdiction: str = Field(description="行政区划代码")

    @staticmethod
    def resolve_jurisdiction(obj: Any) -> str:
        return str(obj.jurisdiction.code)


class ProgrammeOut(InJurisdiction):
    id: int
    year: int
    name: str


class CategoryOut(Schema):
    id: int
    name: str
    order: int
    programme_id: int
    parent_id: int | None


class UnitOut(InJurisdiction):
    id: int
    name: str
    kind: str


class PersonOut(InJurisdiction):
    id: int
    name: str
    title: str


class JurisdictionOut(Schema):
    id: int
    code: str
    name: str
    level: str


class MeOut(Schema):
    username: str
    display_name: str
    is_superuser: bool
    roles: list[str]
    jurisdictions: list[JurisdictionOut] = Field(description="可查看台账的辖区")


class ItemOut(InJurisdiction):
    """A row of the ledger."""

    id: int
    number: str
    name: str
    programme_id: int
    category: Ref | None
    lead_unit: Ref
    partner_units: list[Ref]
    sponsor_leaders: list[Ref]
    deadline_text: str
    due_date: dt.date | None
    is_ongoing: bool
    is_overdue: bool
    completion_rate: float = Field(description="完成率 0–100")
    lifecycle: Lifecycle
    lifecycle_display: str
    progress_text: str
    progress_date: dt.date | None
    updated_at: dt.datetime
    version: int = Field(description="事项信息的版本：修改事项（PATCH）时作为 expected_version")
    progress_version: int = Field(description="进展的版本：填报进展时作为 expected_version")

    @staticmethod
    def resolve_lifecycle_display(obj: Item) -> str:
        return str(obj.get_lifecycle_display())

    @staticmethod
    def resolve_sponsor_leaders(obj: Item) -> Sequence[Any]:
        return leaders_of(obj)

    @staticmethod
    def resolve_partner_units(obj: Item) -> Sequence[Any]:
        return partners_of(obj)


class ItemPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ItemOut]


class TargetOut(Schema):
    id: int
    name: str
    value: str = Field(description="目标值（十进制字符串）")
    unit: str
    actual: str | None = Field(description="完成值（十进制字符串）")

    @staticmethod
    def resolve_value(obj: Any) -> str:
        return format(obj.value, "f")

    @staticmethod
    def resolve_actual(obj: Any) -> str | None:
        return _decimal_text(obj.actual)


class MilestoneOut(Schema):
    id: int
    title: str
    due_date: dt.date
    done_date: dt.date | None


class ProgrammeRef(Schema):
    id: int
    year: int
    name: str


class ItemDetailOut(ItemOut):
    programme: ProgrammeRef
    content: str
    measures: str
    remarks: str
    start_date: dt.date | None
    planned_investment: str | None = Field(description="计划投资，元（十进制字符串）")
    done_investment: str | None = Field(description="完成投资，元（十进制字符串）")
    closed_out_at: dt.datetime | None
    targets: list[TargetOut]
    milestones: list[MilestoneOut]

    @staticmethod
    def resolve_planned_investment(obj: Item) -> str | None:
        return _decimal_text(obj.planned_investment)

    @staticmethod
    def resolve_done_investment(obj: Item) -> str | None:
        return _decimal_text(obj.done_investment)


class AttachmentOut(Schema):
    name: str
    url: str
    size: int

    @staticmethod
    def resolve_url(obj: Attachment, context: dict[str, Any] | None) -> str:
        url = obj.file.url
        request = (context or {}).get("request")
        return request.build_absolute_uri(url) if request is not None else url


class UpdateOut(Schema):
    id: int
    reported_on: dt.date
    rate: float | None
    text: str
    is_note: bool = Field(description="配合单位备注（不改变完成率）")
    unit: str | None = Field(description="填报单位名称")
    author: str | None = Field(description="填报人姓名")
    target_actuals: dict[str, str] = Field(description="目标 id → 完成值")
    done_investment: str | None
    reason: str = Field(description="下调原因（完成率低于此前时）")
    review: Review = Field(
        description="审核状态：pending 待审核，published 已公开，rejected 已退回，"
        "unpublished 不公开，internal 内部备注"
    )
    review_comment: str = Field(description="专班退回意见")
    attachments: list[AttachmentOut]
    created_at: dt.datetime

    @staticmethod
    def resolve_attachments(obj: ProgressUpdate) -> list[Any]:
        return attachments_of(obj)

    @staticmethod
    def resolve_unit(obj: ProgressUpdate) -> str | None:
        return obj.unit.name if obj.unit is not None else None

    @staticmethod
    def resolve_author(obj: ProgressUpdate) -> str | None:
        return str(obj.author) if obj.author is not None else None

    @staticmethod
    def resolve_done_investment(obj: ProgressUpdate) -> str | None:
        return _decimal_text(obj.done_investment)


class UpdatePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[UpdateOut]


class ItemStateOut(Schema):
    """The item after a progress update."""

    id: int
    version: int
    progress_version: int
    completion_rate: float
    lifecycle: Lifecycle
    progress_text: str
    progress_date: dt.date | None


class ProgressCreated(Schema):
    update: UpdateOut
    item: ItemStateOut


# --- input ----------------------------------------------------------------------------


class ProgressIn(Schema):
    """A progress update (or, with ``as_note``, a partner unit's note)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=10000, description="进展情况")
    rate: Rate | None = Field(None, description="完成率 0–100；备注不可填")
    reported_on: dt.date | None = Field(None, description="进展日期，默认今天，不能晚于今天")
    target_actuals: dict[int, Quantity] | None = Field(None, description="目标 id → 完成值")
    done_investment: Money | None = Field(None, description="累计完成投资，元")
    as_note: bool = Field(False, description="以配合单位备注提交")
    reason: str = Field(
        "", max_length=2000, description="下调原因：完成率低于当前值时必填，显示在进展记录中"
    )
    expected_version: int | None = Field(
        None,
        ge=0,
        description="读取事项时的 progress_version：其后若有他人填报进展则返回 409"
        "（专班修改事项其他信息不影响）",
    )
    confirm_personal_numbers: bool = Field(
        False,
        description="文字中有手机号码或身份证号码时，不确认则返回 422（errors.text 为提示）；"
        "确认后保存，公开输出中这些号码被遮盖",
    )

    _check_text = field_validator("text")(_no_nul)


class ErrorOut(Schema):
    detail: str
    errors: dict[str, str]
