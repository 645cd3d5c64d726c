"""The office's writes to the policy library (惠企政策): create and edit a policy with its
conditions, its source file, publish, take back to draft, mark expired.

Guarantees:

- Office only (``permissions.is_office`` of the policy's district; ``actor=None`` is the
  system, for the console's commands); every write in one
  transaction and audited (``enterprise.policy_*``) with the old and new values.
- An edit carries the ``version`` the form was loaded with; a stale one is refused
  (``StaleEdit``), never overwritten.
- Conditions are written as rows (a kind and a value in words, the same words the Excel
  sheet uses: ``parse_condition``); a bad row is refused with ``conditions-N`` naming it.
  Each structured kind at most once a policy (so a sheet's one column per kind holds it
  exactly); text conditions as many as needed.
- 免申即享 (``no_apply``) only with at least one condition and no text condition.
- Publishing sets ``published_at`` and ``content_hash`` (what an enterprise is told: title,
  benefit, amount text, conditions in words); publishing, a published policy's changed
  conditions or validity, taking it back and expiring it recompute its stored matches on
  commit (``matches.match_policy_task``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from shishi.core import audit, uploads
from shishi.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.inputs import has_control
from shishi.enterprise import industry, permissions
from shishi.enterprise.matches import match_policy_task
from shishi.enterprise.matching import Condition, describe
from shishi.enterprise.models import (
    Benefit,
    ConditionKind,
    Level,
    Policy,
    PolicyCondition,
    PolicyStatus,
)
from shishi.enterprise.size import Size
from shishi.orgs.models import Unit

OFFICE_ONLY = "只有专班可以维护惠企政策库"
STREET_KINDS = (Unit.Kind.STREET, Unit.Kind.TOWNSHIP)
COMMON_QUALIFICATIONS = (
    "高新技术企业",
    "专精特新中小企业",
    "科技型中小企业",
    "专精特新“小巨人”企业",
    "创新型中小企业",
)
MAX_CONDITIONS = 30
MAX_TEXT_CONDITION = 500
MAX_QUALIFICATION = 50  # Qualification.name
MAX_NUMBER = Decimal("100000000000")  # 万元: far above any real figure, within the columns
SOURCE_EXTENSIONS = {
    ".pdf": "PDF",
    ".doc": "Word",
    ".docx": "Word",
    ".wps": "Word",
    ".jpg": "image",
    ".jpeg": "image",
    ".png": "image",
    ".webp": "image",
}
SOURCE_MAX_PIXELS = 60_000_000
# Items of a list value: 、，； (or the half-width comma and semicolon) and line breaks.
_SPLIT = re.compile("[\u3001\uff0c\uff1b,;\n\r]+")
SIZE_WORDS = {
    **{str(s.label): s.value for s in Size},
    **{str(s.label).removesuffix("型"): s.value for s in Size},
    **{s.value: s.value for s in Size},
}
STRUCTURED_KINDS = [k for k in ConditionKind if k != ConditionKind.TEXT]


def may_keep_library(actor: Any, jurisdiction_id: int) -> bool:
    """The district's office; ``None`` is the system (the console's commands), never a
    request (a view passes ``request.user``, an anonymous user included)."""
    return actor is None or permissions.is_office(actor, jurisdiction_id)


def _require_office(actor: Any, jurisdiction_id: int) -> None:
    if not may_keep_library(actor, jurisdiction_id):
        raise PermissionDenied(OFFICE_ONLY)


def source_max_bytes() -> int:
    return int(getattr(settings, "SHISHI_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


# --- conditions in words -------------------------------------------------------------------


def street_units(jurisdiction_id: int) -> dict[str, int]:
    """The district's streets and townships (``orgs.Unit``), name → id."""
    return dict(
        Unit.objects.filter(jurisdiction_id=jurisdiction_id, kind__in=STREET_KINDS)
        .order_by("name")
        .values_list("name", "pk")
    )


def _items(raw: str) -> list[str]:
    text = unicodedata.normalize("NFC", str(raw or ""))
    out: list[str] = []
    for part in _SPLIT.split(text):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


def _number(raw: str, *, whole: bool) -> Decimal:
    text = unicodedata.normalize("NFKC", str(raw or "")).strip().replace(",", "")
    if not text:
        raise ValueError("请填写数值")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"“{text[:20]}”不是数字") from None
    if not value.is_finite():
        raise ValueError(f"“{text[:20]}”不是数字")
    if value < 0:
        raise ValueError("不能为负数")
    if value > MAX_NUMBER:
        raise ValueError("数值过大")
    if whole and value != value.to_integral_value():
        raise ValueError("应为整数")
    return value


def _plain(value: Decimal) -> int | float | str:
    """A number as JSON holds it: an int when whole, else a decimal string."""
    if value == value.to_integral_value():
        return int(value)
    return format(value.normalize(), "f")


def parse_condition(kind: str, raw: str, streets: dict[str, int]) -> dict[str, Any]:
    """A condition's ``params`` from its value in words (a form row or a sheet cell);
    ``ValueError`` with the reason for the person who wrote it."""
    if kind not in ConditionKind.values:
        raise ValueError("请选择条件类别")
    if kind in (ConditionKind.INDUSTRY_ANY, ConditionKind.INDUSTRY_NONE):
        codes: list[str] = []
        for item in _items(raw):
            code = industry.normalize(item)  # ValueError names the code
            if code not in codes:
                codes.append(code)
        if not codes:
            raise ValueError("请填写行业代码，如I65、C13（可不写门类字母）")
        return {"codes": codes}
    if kind == ConditionKind.SIZE_IN:
        sizes: list[str] = []
        for item in _items(raw):
            size = SIZE_WORDS.get(item)
            if size is None:
                raise ValueError(f"企业规模“{item[:20]}”不对，应为大型、中型、小型、微型")
            if size not in sizes:
                sizes.append(size)
        if not sizes:
            raise ValueError("请填写企业规模：大型、中型、小型、微型")
        order = [s.value for s in Size]
        return {"sizes": sorted(sizes, key=order.index)}
    if kind == ConditionKind.STREET_IN:
        ids: list[int] = []
        for item in _items(raw):
            if item not in streets:
                raise ValueError(f"本区没有名为“{item[:30]}”的街道（乡镇）")
            if streets[item] not in ids:
                ids.append(streets[item])
        if not ids:
            raise ValueError("请填写街道名称")
        return {"streets": ids}
    if kind in (ConditionKind.QUALIFICATION_ALL, ConditionKind.QUALIFICATION_ANY):
        names = _items(raw)
        if not names:
            raise ValueError("请填写资质名称，如高新技术企业")
        for name in names:
            if len(name) > MAX_QUALIFICATION or has_control(name):
                raise ValueError(f"资质名称“{name[:20]}…”过长（最多{MAX_QUALIFICATION}字）")
        return {"names": names}
    if kind in (
        ConditionKind.YEARS_MIN,
        ConditionKind.YEARS_MAX,
        ConditionKind.EMPLOYEES_MIN,
        ConditionKind.EMPLOYEES_MAX,
    ):
        return {"value": _plain(_number(raw, whole=True))}
    if kind in (ConditionKind.REVENUE_MIN, ConditionKind.REVENUE_MAX, ConditionKind.TAX_MIN):
        return {"value": _plain(_number(raw, whole=False))}
    # One line: a sheet's 其他条件 cell holds several text conditions, a line each.
    text = " ".join(unicodedata.normalize("NFC", str(raw or "")).split())
    if not text:
        raise ValueError("请填写条件内容")
    if len(text) > MAX_TEXT_CONDITION or has_control(text):
        raise ValueError(f"条件内容最多{MAX_TEXT_CONDITION}字")
    return {"text": text}


def condition_words(kind: str, params: dict[str, Any], street_names: dict[int, str]) -> str:
    """A condition's value in the words ``parse_condition`` reads (form rows, sheet cells)."""
    if kind in (ConditionKind.INDUSTRY_ANY, ConditionKind.INDUSTRY_NONE):
        return "、".join(str(c) for c in params.get("codes") or [])
    if kind == ConditionKind.SIZE_IN:
        labels = {s.value: str(s.label) for s in Size}
        return "、".join(labels.get(s, s) for s in params.get("sizes") or [])
    if kind == ConditionKind.STREET_IN:
        return "、".join(street_names.get(int(s), str(s)) for s in params.get("streets") or [])
    if kind in (ConditionKind.QUALIFICATION_ALL, ConditionKind.QUALIFICATION_ANY):
        return "、".join(str(n) for n in params.get("names") or [])
    if kind == ConditionKind.TEXT:
        return str(params.get("text") or "")
    value = params.get("value")
    return "" if value is None else str(value)


@dataclass(frozen=True)
class ConditionRow:
    kind: str
    value: str


def check_conditions(
    rows: Sequence[ConditionRow], streets: dict[str, int]
) -> tuple[list[Condition], dict[str, str]]:
    """The rows as conditions, and an error per bad row (``conditions-N``, N from 0) or on
    ``conditions`` for the whole. Blank rows (no kind and no value) are left out."""
    out: list[Condition] = []
    errors: dict[str, str] = {}
    seen: dict[str, int] = {}
    for n, row in enumerate(rows):
        kind, value = (row.kind or "").strip(), str(row.value or "")
        if not kind and not value.strip():
            continue
        try:
            params = parse_condition(kind, value, streets)
        except ValueError as exc:
            errors[f"conditions-{n}"] = str(exc)
            continue
        if kind != ConditionKind.TEXT:
            if kind in seen:
                label = ConditionKind(kind).label
                errors[f"conditions-{n}"] = (
                    f"“{label}”已在第{seen[kind] + 1}行填写，每类条件只填一行"
                )
                continue
            seen[kind] = n
        out.append(Condition(kind, params))
    if len(out) > MAX_CONDITIONS:
        errors["conditions"] = f"一项政策最多{MAX_CONDITIONS}个条件"
    return out, errors


def no_apply_problem(conditions: Sequence[Condition]) -> str:
    """Why 免申即享 cannot be set on these conditions, or ""."""
    if not conditions:
        return "免申即享的政策须至少有一个结构化条件，系统才能判定哪些企业符合"
    if any(c.kind == ConditionKind.TEXT for c in conditions):
        return "有文字条件（需人工核实）的政策不能设为免申即享：请把条件都改为结构化条件"
    return ""


def content_hash(
    title: str,
    benefit: str,
    amount_text: str,
    conditions: Sequence[Condition],
    street_names: dict[int, str],
) -> str:
    """sha256 of what an enterprise is told: title, benefit, amount text, conditions."""
    told = {
        "title": title,
        "benefit": benefit,
        "amount_text": amount_text,
        "conditions": [describe(c, street_names) for c in conditions],
    }
    return hashlib.sha256(json.dumps(told, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


# --- the policy's own fields ---------------------------------------------------------------


@dataclass
class PolicyInput:
    """What the form (or a sheet row) gives for a policy. Dates already parsed."""

    title: str
    level: str
    benefit: str
    doc_number: str = ""
    issuer: str = ""
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    amount_text: str = ""
    guide: str = ""
    materials: str = ""
    contact: str = ""
    source_url: str = ""
    no_apply: bool = False
    conditions: list[ConditionRow] = field(default_factory=list)
    source_file: Any = None  # an UploadedFile, or None to keep the current one
    remove_source_file: bool = False


LIMITS = {
    "title": (300, "政策名称"),
    "doc_number": (100, "文号"),
    "issuer": (200, "发文单位"),
    "amount_text": (500, "支持标准"),
    "contact": (200, "咨询电话和部门"),
    "guide": (20000, "申报指南"),
    "materials": (20000, "申报材料"),
}
MULTILINE = {"guide", "materials", "amount_text"}


def _clean_text(name: str, value: str, errors: dict[str, str]) -> str:
    limit, label = LIMITS[name]
    # Line breaks as "\n" whatever sent them (a browser's textarea sends "\r\n"), so a sheet
    # round trip compares equal.
    text = unicodedata.normalize("NFC", str(value or "")).replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip()
    bare = text.replace("\n", "").replace("\r", "").replace("\t", "") if name in MULTILINE else text
    if len(text) > limit:
        errors[name] = f"{label}最多{limit}字（现有{len(text)}字）"
    elif has_control(bare):
        errors[name] = f"{label}含有不可见的控制字符，请删去后再保存"
    return text


@dataclass(frozen=True)
class Checked:
    fields: dict[str, Any]
    conditions: list[Condition]


def check_policy(
    jurisdiction_id: int, data: PolicyInput, *, streets: dict[str, int] | None = None
) -> Checked:
    """The fields and conditions to write, or ``ValidationFailed`` with every problem
    (``streets``: the district's, when the caller has read them already)."""
    errors: dict[str, str] = {}
    values = {name: _clean_text(name, getattr(data, name), errors) for name in LIMITS}
    if not values["title"] and "title" not in errors:
        errors["title"] = "请填写政策名称"
    if data.level not in Level.values:
        errors["level"] = "请选择层级：国家级、省级、市级、区级"
    if data.benefit not in Benefit.values:
        errors["benefit"] = "请选择支持方式：资金补贴、税费减免、贷款贴息、奖励、服务"
    if data.valid_from and data.valid_until and data.valid_until < data.valid_from:
        errors["valid_until"] = "有效期至不能早于有效期自"
    url = (data.source_url or "").strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors["source_url"] = "原文链接应为以http://或https://开头的网址"
        if len(url) > 500:
            errors["source_url"] = "原文链接最多500个字符"
    if streets is None:
        streets = street_units(jurisdiction_id)
    conditions, condition_errors = check_conditions(data.conditions, streets)
    errors.update(condition_errors)
    if data.no_apply and not condition_errors:
        problem = no_apply_problem(conditions)
        if problem:
            errors["no_apply"] = problem
    if data.source_file is not None:
        problem = source_file_problem(data.source_file)
        if problem:
            errors["source_file"] = problem
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    fields = {
        **values,
        "level": data.level,
        "benefit": data.benefit,
        "valid_from": data.valid_from,
        "valid_until": data.valid_until,
        "source_url": url,
        "no_apply": bool(data.no_apply),
    }
    return Checked(fields, conditions)


def source_file_problem(upload: Any) -> str:
    """Why an uploaded source document cannot be kept, or "": a PDF, Word file or image by
    its name and its first bytes, within ``SHISHI_MAX_UPLOAD_BYTES``."""
    name = uploads.display_name(getattr(upload, "name", ""), 255)
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    kind = SOURCE_EXTENSIONS.get(ext)
    if kind is None:
        return "原文文件应为PDF、Word（.doc/.docx/.wps）或图片（.jpg/.png/.webp）"
    size = int(getattr(upload, "size", 0) or 0)
    limit = source_max_bytes()
    if size > limit:
        return f"原文文件不能超过{limit // 1024 // 1024}MB"
    if size == 0:
        return "原文文件是空的"
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if kind == "PDF" and not head.startswith(b"%PDF-"):
        return "文件不是有效的PDF"
    if kind == "Word":
        ok = head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0")
        if not ok:
            return "文件不是有效的Word文档"
    if kind == "image":
        found, too_large = uploads.inspect_photo(upload, max_pixels=SOURCE_MAX_PIXELS)
        if not found:
            return "文件不是有效的图片（JPEG、PNG或WebP）"
        if too_large:
            return "图片像素过多，请缩小后再上传"
    return ""


# --- writes ------------------------------------------------------------------------------


def _write_conditions(policy: Policy, conditions: Sequence[Condition]) -> None:
    PolicyCondition.objects.filter(policy=policy).delete()
    PolicyCondition.objects.bulk_create(
        PolicyCondition(policy=policy, kind=c.kind, params=c.params, order=n)
        for n, c in enumerate(conditions)
    )


def _conditions_of(policy: Policy) -> list[Condition]:
    return [
        Condition(c.kind, dict(c.params))
        for c in PolicyCondition.objects.filter(policy=policy).order_by("order", "id")
    ]


def _street_names(jurisdiction_id: int) -> dict[int, str]:
    return {pk: name for name, pk in street_units(jurisdiction_id).items()}


def _hash_of(policy: Policy, conditions: Sequence[Condition]) -> str:
    return content_hash(
        policy.title,
        policy.benefit,
        policy.amount_text,
        conditions,
        _street_names(policy.jurisdiction_id),
    )


def _rematch_on_commit(policy_id: int) -> None:
    transaction.on_commit(lambda: match_policy_task.enqueue(policy_id))


def _store_source(policy: Policy, upload: Any) -> str:
    name = uploads.storage_name(getattr(upload, "name", "") or "policy")
    upload.seek(0)
    return uploads.store(f"enterprise/policies/{policy.pk}/{name}", upload, max_length=300)


def _conditions_json(conditions: Sequence[Condition]) -> list[dict[str, Any]]:
    return [{"kind": c.kind, "params": c.params} for c in conditions]


def create_policy(jurisdiction_id: int, data: PolicyInput, *, actor: Any) -> Policy:
    """A new draft policy of the district's library."""
    _require_office(actor, jurisdiction_id)
    checked = check_policy(jurisdiction_id, data)
    with uploads.atomic_with_files():
        policy = Policy.objects.create(
            jurisdiction_id=jurisdiction_id, status=PolicyStatus.DRAFT, **checked.fields
        )
        _write_conditions(policy, checked.conditions)
        if data.source_file is not None:
            policy.source_file.name = _store_source(policy, data.source_file)
            policy.save(update_fields=["source_file", "updated_at"])
        audit.record(
            actor=actor,
            action="enterprise.policy_create",
            target=policy,
            changes={
                **{k: [None, v] for k, v in checked.fields.items()},
                "conditions": [None, _conditions_json(checked.conditions)],
                "source_file": [None, policy.source_file.name or ""],
            },
            jurisdiction_id=jurisdiction_id,
        )
    return policy


def _locked(policy: Policy, version: int | None) -> Policy:
    row = Policy.objects.select_for_update().filter(pk=policy.pk).first()
    if row is None:
        raise NotFound("没有找到这项政策")
    if version is not None and row.version != version:
        raise StaleEdit("这项政策已被他人修改，请看过当前内容后再改")
    return row


def update_policy(policy: Policy, data: PolicyInput, *, version: int, actor: Any) -> Policy:
    """Change a policy's fields and conditions (any status). A published policy whose
    conditions or validity changed is matched again; its ``content_hash`` follows what an
    enterprise is told."""
    _require_office(actor, policy.jurisdiction_id)
    checked = check_policy(policy.jurisdiction_id, data)
    with uploads.atomic_with_files():
        row = _locked(policy, version)
        before = {k: getattr(row, k) for k in checked.fields}
        old_conditions = _conditions_of(row)
        changes = audit.diff(before, checked.fields)
        conditions_changed = _conditions_json(old_conditions) != _conditions_json(
            checked.conditions
        )
        if conditions_changed:
            changes["conditions"] = [
                _conditions_json(old_conditions),
                _conditions_json(checked.conditions),
            ]
        old_file = row.source_file.name or ""
        if data.source_file is not None:
            row.source_file.name = _store_source(row, data.source_file)
        elif data.remove_source_file:
            row.source_file.name = ""
        if (row.source_file.name or "") != old_file:
            changes["source_file"] = [old_file, row.source_file.name or ""]
        if not changes:
            return row
        for k, v in checked.fields.items():
            setattr(row, k, v)
        if conditions_changed:
            _write_conditions(row, checked.conditions)
        if row.status == PolicyStatus.PUBLISHED:
            row.content_hash = _hash_of(row, checked.conditions)
        row.version += 1
        row.save()
        audit.record(
            actor=actor,
            action="enterprise.policy_update",
            target=row,
            changes=changes,
            jurisdiction_id=row.jurisdiction_id,
        )
        if row.status == PolicyStatus.PUBLISHED and (
            conditions_changed or "valid_from" in changes or "valid_until" in changes
        ):
            _rematch_on_commit(row.pk)
    return row


def _set_status(
    policy: Policy, status: str, *, version: int | None, actor: Any, action: str
) -> Policy:
    _require_office(actor, policy.jurisdiction_id)
    with transaction.atomic():
        row = _locked(policy, version)
        if row.status == status:
            return row
        changes: dict[str, Any] = {"status": [row.status, status]}
        if status == PolicyStatus.PUBLISHED:
            conditions = _conditions_of(row)
            if row.no_apply:
                problem = no_apply_problem(conditions)
                if problem:
                    raise ValidationFailed(problem, {"no_apply": problem})
            row.published_at = timezone.now()
            row.content_hash = _hash_of(row, conditions)
            changes["content_hash"] = [None, row.content_hash]
        row.status = status
        row.version += 1
        row.save()
        audit.record(
            actor=actor,
            action=action,
            target=row,
            changes=changes,
            jurisdiction_id=row.jurisdiction_id,
        )
        _rematch_on_commit(row.pk)  # published: find its enterprises; else drop its matches
    return row


def publish_policy(policy: Policy, *, version: int | None = None, actor: Any) -> Policy:
    """Draft (or expired) → published: ``published_at``, ``content_hash``, matched on commit."""
    return _set_status(
        policy,
        PolicyStatus.PUBLISHED,
        version=version,
        actor=actor,
        action="enterprise.policy_publish",
    )


def unpublish_policy(policy: Policy, *, version: int | None = None, actor: Any) -> Policy:
    """Back to draft: off the public pages, its stored matches dropped on commit."""
    return _set_status(
        policy,
        PolicyStatus.DRAFT,
        version=version,
        actor=actor,
        action="enterprise.policy_unpublish",
    )


def expire_policy(policy: Policy, *, version: int | None = None, actor: Any) -> Policy:
    """Marked expired (已失效): off the public pages, its stored matches dropped on commit."""
    return _set_status(
        policy,
        PolicyStatus.EXPIRED,
        version=version,
        actor=actor,
        action="enterprise.policy_expire",
    )
