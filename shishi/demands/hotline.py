"""The city's 12345 hotline (市民服务热线): its tickets assigned to the district come in and
their outcomes go back out.

**In, by a sheet** the office (or an operator) imports: the first sheet, the first row the
header, these columns in any order (others ignored):

| 工单编号 | 受理时间 | 诉求类型 | 诉求分类 | 诉求内容 | 诉求地址 | 联系人 | 联系电话 | 紧急程度 |

工单编号, 诉求类型 (咨询, 求助, 投诉, 举报, 建议), 诉求分类 (the district's category, by name
or code), 诉求内容 and 联系电话 (a mobile or a landline with its area code; a 举报 may leave it
empty) are required. A sheet with one bad row imports nothing and names each bad row,
column and reason. A ticket already taken in (its 12345 number) is skipped, not doubled.

**In, by the webhook**: ``POST /demands/hotline/<district code>/`` with one ticket as JSON
(``number``, ``kind``, ``category``, ``description``, ``address``, ``contact``, ``phone``,
``urgency``), signed: ``X-Hotline-Timestamp`` (Unix seconds, within five minutes) and
``X-Hotline-Signature`` = hex HMAC-SHA256 of ``timestamp + "\\n" + body`` with the district's
secret (``SHISHI_HOTLINE_SECRETS``). A ticket sent twice answers the first demand (200).

**Out**: the outcomes of a period's tickets as a sheet in the hotline's layout
(``outcome_rows``, ``write_outcomes``): 工单编号, 承办单位, 办理状态, 答复内容, 答复时间,
回访结果, 办结时间.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import time
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.core.fields import PersonalNumber
from shishi.core.workbooks import first_sheet
from shishi.demands import permissions, services
from shishi.demands.models import Category, Channel, Demand, Kind, Urgency
from shishi.orgs.models import Jurisdiction

MAX_ROWS = 5000
SIGNATURE_WINDOW_SECONDS = 300
COLUMNS = {
    "工单编号": "number",
    "受理时间": "received_at",
    "诉求类型": "kind",
    "诉求分类": "category",
    "诉求内容": "description",
    "诉求地址": "address",
    "联系人": "contact",
    "联系电话": "phone",
    "紧急程度": "urgency",
}
REQUIRED = ("number", "kind", "category", "description")
KIND_WORDS = {str(label): value for value, label in Kind.choices}
URGENCY_WORDS = {
    "紧急": Urgency.URGENT,
    "急": Urgency.URGENT,
    "一般": Urgency.NORMAL,
    "": Urgency.NORMAL,
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


@dataclass
class Ticket:
    row: int  # the sheet's row as Excel numbers it (0 for the webhook)
    number: str
    data: services.IntakeInput


@dataclass
class Parsed:
    tickets: list[Ticket] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _contact(raw: str) -> tuple[str, str]:
    """(mobile, landline) from one number as the hotline writes it."""
    if not raw:
        return "", ""
    try:
        return PersonalNumber.of("phone", raw).reveal(), ""
    except ValueError:
        return "", PersonalNumber.of("landline", raw).reveal()


def ticket_from(
    values: Mapping[str, str], categories: Mapping[str, Category], row: int = 0
) -> tuple[Ticket | None, dict[str, str]]:
    """One ticket from its fields (a sheet's row, the webhook's JSON), or its errors by
    column name."""
    errors: dict[str, str] = {}
    names = {v: k for k, v in COLUMNS.items()}
    for key in REQUIRED:
        if not values.get(key):
            errors[names[key]] = "不能为空"
    number = values.get("number", "")
    if len(number) > 40:
        errors["工单编号"] = "不超过40个字符"
    kind = KIND_WORDS.get(values.get("kind", ""))
    if values.get("kind") and kind is None:
        errors["诉求类型"] = "应为 咨询、求助、投诉、举报 或 建议"
    category = categories.get(values.get("category", ""))
    if values.get("category") and category is None:
        errors["诉求分类"] = f"本区没有“{values.get('category', '')[:20]}”这个分类"
    urgency = URGENCY_WORDS.get(values.get("urgency", ""))
    if urgency is None:
        errors["紧急程度"] = "应为 一般 或 紧急"
    try:
        phone, landline = _contact(values.get("phone", ""))
    except ValueError:
        errors["联系电话"] = "应为手机号码，或带区号的固定电话"
        phone = landline = ""
    if not phone and not landline and kind != Kind.REPORT and "联系电话" not in errors:
        errors["联系电话"] = "不能为空（举报除外）"
    if errors or kind is None or category is None or urgency is None:
        return None, errors
    return (
        Ticket(
            row=row,
            number=number,
            data=services.IntakeInput(
                kind=kind,
                category_id=category.pk,
                description=values.get("description", ""),
                channel=Channel.HOTLINE,
                urgency=urgency,
                address=values.get("address", ""),
                contact_name=values.get("contact", ""),
                phone=phone,
                landline=landline,
                hotline_number=number,
            ),
        ),
        {},
    )


def categories_of(jurisdiction_id: int) -> dict[str, Category]:
    """The district's active categories by name and by code."""
    found: dict[str, Category] = {}
    for category in Category.objects.filter(jurisdiction_id=jurisdiction_id, is_active=True):
        found[category.name] = category
        found[category.code] = category
    return found


def parse_sheet(jurisdiction_id: int, data: bytes, filename: str) -> Parsed:
    """Every ticket of the sheet, or every problem with its row and column."""
    parsed = Parsed()
    try:
        grid = first_sheet(data, filename, max_rows=MAX_ROWS + 1)
    except ValueError as exc:
        parsed.errors.append(str(exc))
        return parsed
    rows = [(n, r) for n, r in enumerate(grid, start=1) if any(_text(c) for c in r)]
    if not rows:
        parsed.errors.append("表格是空的")
        return parsed
    header_row, header = rows[0]
    columns = {i: COLUMNS[_text(c)] for i, c in enumerate(header) if _text(c) in COLUMNS}
    missing = [
        name for name, key in COLUMNS.items() if key in REQUIRED and key not in columns.values()
    ]
    if "phone" not in columns.values():
        missing.append("联系电话")
    if missing:
        parsed.errors.append(f"第{header_row}行（表头）缺少列：{'、'.join(missing)}")
        return parsed
    if len(rows) - 1 > MAX_ROWS:
        parsed.errors.append(f"一次最多导入{MAX_ROWS}张工单")
        return parsed
    categories = categories_of(jurisdiction_id)
    seen: dict[str, int] = {}
    for n, cells in rows[1:]:
        values = {key: _text(cells[i]) if i < len(cells) else "" for i, key in columns.items()}
        ticket, errors = ticket_from(values, categories, row=n)
        for column, reason in errors.items():
            parsed.errors.append(f"第{n}行 {column}：{reason}")
        if ticket is None:
            continue
        if ticket.number in seen:
            parsed.errors.append(f"第{n}行 工单编号：与第{seen[ticket.number]}行重复")
            continue
        seen[ticket.number] = n
        parsed.tickets.append(ticket)
    return parsed


@dataclass
class Imported:
    created: list[Demand]
    skipped: list[str]  # 12345 numbers already taken in


def import_sheet(jurisdiction_id: int, data: bytes, filename: str, *, actor: Any) -> Imported:
    """Take a sheet of tickets in, all or nothing (an operator or the office)."""
    permissions.require_operator(actor, jurisdiction_id)
    parsed = parse_sheet(jurisdiction_id, data, filename)
    if parsed.errors:
        raise ValidationFailed(
            "工单表有错误，未导入任何工单：" + "；".join(parsed.errors[:50]),
            {"file": "；".join(parsed.errors[:50])},
        )
    existing = set(
        Demand.objects.filter(
            jurisdiction_id=jurisdiction_id,
            hotline_number__in=[t.number for t in parsed.tickets],
        ).values_list("hotline_number", flat=True)
    )
    created = []
    with transaction.atomic():
        for ticket in parsed.tickets:
            if ticket.number in existing:
                continue
            try:
                created.append(services.take_in(jurisdiction_id, ticket.data, actor=actor))
            except ValidationFailed as exc:
                reasons = "；".join(exc.errors.values()) if exc.errors else str(exc)
                raise ValidationFailed(
                    f"第{ticket.row}行：{reasons}；未导入任何工单", {"file": reasons}
                ) from exc
    return Imported(created=created, skipped=sorted(existing))


# --- the webhook -------------------------------------------------------------------------------


def secret_for(code: str) -> str:
    """The district's webhook secret from ``SHISHI_HOTLINE_SECRETS`` ("230103:secret,…")."""
    for pair in (settings.SHISHI_HOTLINE_SECRETS or "").split(","):
        district, _sep, secret = pair.strip().partition(":")
        if district == code and secret:
            return secret
    return ""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def verify(
    code: str, timestamp: str, signature: str, body: bytes, *, now: float | None = None
) -> None:
    """``PermissionDenied`` unless the request is the hotline's, signed within the window."""
    secret = secret_for(code)
    if not secret:
        raise PermissionDenied("本区未配置12345热线的对接密钥")
    try:
        sent = int(timestamp)
    except ValueError:
        raise PermissionDenied("缺少或无效的时间戳") from None
    if abs((now if now is not None else time.time()) - sent) > SIGNATURE_WINDOW_SECONDS:
        raise PermissionDenied("请求已过期")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature or ""):
        raise PermissionDenied("签名不正确")


@dataclass
class Received:
    demand: Demand
    created: bool


def receive(code: str, body: bytes, *, timestamp: str, signature: str) -> Received:
    """One ticket from the hotline's webhook: verified, then taken in once."""
    verify(code, timestamp, signature, body)
    district = Jurisdiction.objects.filter(code=code, level=Jurisdiction.Level.DISTRICT).first()
    if district is None:
        raise PermissionDenied("本区未配置12345热线的对接密钥")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationFailed("请求体不是有效的JSON") from None
    if not isinstance(payload, dict):
        raise ValidationFailed("请求体应为一个JSON对象")
    values = {key: _text(payload.get(key)) for key in COLUMNS.values()}
    existing = (
        Demand.objects.filter(jurisdiction=district, hotline_number=values["number"]).first()
        if values["number"]
        else None
    )
    if existing is not None:
        return Received(existing, created=False)
    ticket, errors = ticket_from(values, categories_of(district.pk))
    if ticket is None:
        names = {k: v for k, v in COLUMNS.items()}
        raise ValidationFailed(
            "工单有错误：" + "；".join(f"{k}：{v}" for k, v in errors.items()),
            {names.get(k, k): v for k, v in errors.items()},
        )
    demand = services.take_in(district.pk, ticket.data, trusted=True)
    return Received(demand, created=True)


# --- out ----------------------------------------------------------------------------------------

OUTCOME_COLUMNS = (
    "工单编号",
    "承办单位",
    "办理状态",
    "答复内容",
    "答复时间",
    "回访结果",
    "办结时间",
)


def outcome_rows(jurisdiction_id: int, start: dt.date, end: dt.date) -> Iterable[list[Any]]:
    """The outcomes of the hotline tickets taken in from ``start`` to ``end`` (inclusive)."""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    demands = (
        Demand.objects.filter(
            jurisdiction_id=jurisdiction_id,
            channel=Channel.HOTLINE,
            created_at__gte=since,
            created_at__lt=until,
        )
        .select_related("unit")
        .order_by("created_at", "id")
    )
    for d in demands.iterator(chunk_size=2000):
        yield [
            d.hotline_number,
            d.unit.name if d.unit else "",
            d.get_status_display(),
            d.reply,
            timezone.localtime(d.resolved_at).replace(tzinfo=None) if d.resolved_at else None,
            d.get_satisfaction_display() if d.satisfaction else "",
            timezone.localtime(d.closed_at).replace(tzinfo=None) if d.closed_at else None,
        ]


def write_outcomes(jurisdiction_id: int, start: dt.date, end: dt.date) -> bytes:
    """The outcomes as an .xlsx in the hotline's layout."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("办理结果")
    sheet.append(list(OUTCOME_COLUMNS))
    for row in outcome_rows(jurisdiction_id, start, end):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
