"""Change requests (调整申请): a lead unit asks the office to change its item's own fields;
the office approves (the change is applied through ``update_item``) or rejects it.

One pending request per item at a time: a second one is refused until the first is decided
or withdrawn, so the office never weighs two requests that move the same deadline, and the
item page shows one open request. What a request asks for is kept as JSON (ids for units
and people, ISO dates, money as a string in 元) with the values it had when filed
(``before``); approval refuses a request whose fields changed since (stale).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from shishi.core import audit, uploads
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.ledger import permissions
from shishi.ledger.models import ChangeRequest, ChangeRequestFile, Item
from shishi.ledger.parsing import parse_deadline
from shishi.ledger.selectors.changes import field_label
from shishi.ledger.services import notices
from shishi.ledger.services.items import update_item
from shishi.ledger.services.progress import (
    NAME_LENGTH,
    TYPE_LENGTH,
    check_uploads,
    item_file_bytes,
    store_upload,
)
from shishi.orgs.models import Person, Unit
from shishi.orgs.permissions import scope_for

Status = ChangeRequest.Status

NOT_REQUESTER = "只有牵头单位的填报人员可以提交调整申请（专班可直接编辑事项）"
NOT_REVIEWER = "只有专班可以审批调整申请"
ONE_PENDING = "该事项已有待审批的调整申请，请等专班审批或撤回后再提交"
TEXT_FIELDS = {"name": 300, "content": 20000, "measures": 20000, "deadline_text": 100}
MAX_INVESTMENT = Decimal("1e14")
MAX_REASON = 2000
MAX_ID = 2**63 - 1


# --- values as JSON ------------------------------------------------------------------------


def current_values(item: Item, fields: Sequence[str]) -> dict[str, Any]:
    """The item's values of ``fields`` in the JSON form a request stores."""
    out: dict[str, Any] = {}
    for field in fields:
        if field == "partner_units":
            out[field] = sorted(u.pk for u in item.partner_units.all())
        elif field == "sponsor_leaders":
            out[field] = sorted(p.pk for p in item.sponsor_leaders.all())
        elif field in ("due_date", "start_date"):
            value = getattr(item, field)
            out[field] = value.isoformat() if value else None
        elif field == "planned_investment":
            out[field] = _money_json(item.planned_investment)
        else:
            out[field] = getattr(item, field)
    return out


def _comparable(field: str, value: Any) -> Any:
    """A current value as a cleaned request value would be (text trimmed, \n newlines)."""
    if field in TEXT_FIELDS and isinstance(value, str):
        return value.replace("\r\n", "\n").strip()
    return value


def _money_json(value: Decimal | None) -> str | None:
    return None if value is None else format(value.quantize(Decimal("0.01")), "f")


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError("日期格式应为 YYYY-MM-DD") from None


def _ids(value: Any) -> list[int]:
    if value is None:
        return []
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple | set | frozenset):
        raise ValueError("应为编号列表")
    out = set()
    for v in value:
        pk = getattr(v, "pk", v)
        if isinstance(pk, bool) or not isinstance(pk, int | str):
            raise ValueError("应为编号列表")
        try:
            number = int(pk)
        except ValueError:
            raise ValueError("应为编号列表") from None
        if not 1 <= number <= MAX_ID:
            raise ValueError("编号不存在")
        out.add(number)
    return sorted(out)


def _clean(item: Item, field: str, value: Any) -> Any:
    """One requested value as stored JSON; ``ValueError`` says what is wrong with it."""
    year = item.programme.year
    if field in TEXT_FIELDS:
        if not isinstance(value, str):
            raise ValueError("应为文字")
        text = value.replace("\r\n", "\n").strip()
        if "\x00" in text:
            raise ValueError("不能包含空字符")
        if len(text) > TEXT_FIELDS[field]:
            raise ValueError(f"不能超过{TEXT_FIELDS[field]}个字")
        if field == "name" and not text:
            raise ValueError("项目名称不能为空")
        if field == "deadline_text":
            if not text:
                raise ValueError("请填写新的完成时限")
            parse_deadline(text, year)  # raises ValueError with the reason
        return text
    if field == "due_date":
        date = _date(value)
        if date is None:
            raise ValueError("请填写新的截止日期")
        return date.isoformat()
    if field == "start_date":
        date = _date(value)
        return date.isoformat() if date else None
    if field == "planned_investment":
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise ValueError("应为金额（元）")
        try:
            money = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError("应为金额（元）") from None
        if not money.is_finite() or money < 0 or money >= MAX_INVESTMENT:
            raise ValueError("金额应为不小于0的数")
        return _money_json(money)
    if field == "lead_unit_id":
        ids = _ids([value])
        if not Unit.objects.filter(pk=ids[0], jurisdiction_id=item.jurisdiction_id).exists():
            raise ValueError("单位不存在或不属于本辖区")
        return ids[0]
    if field == "partner_units":
        ids = _ids(value)
        found = Unit.objects.filter(pk__in=ids, jurisdiction_id=item.jurisdiction_id).count()
        if found != len(ids):
            raise ValueError("单位不存在或不属于本辖区")
        return ids
    if field == "sponsor_leaders":
        ids = _ids(value)
        found = Person.objects.filter(pk__in=ids, jurisdiction_id=item.jurisdiction_id).count()
        if found != len(ids):
            raise ValueError("包保领导不存在或不属于本辖区")
        return ids
    raise ValueError("不能申请调整此项")  # pragma: no cover - REQUESTABLE_FIELDS only


def _clean_changes(item: Item, changes: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    if not isinstance(changes, Mapping):
        message = "调整内容应为 {字段: 新值}"
        raise ValidationFailed(message, {"changes": message})
    for field, value in changes.items():
        if field not in permissions.REQUESTABLE_FIELDS:
            errors[str(field)] = "不能申请调整此项"
            continue
        try:
            cleaned[field] = _clean(item, field, value)
        except ValueError as exc:
            errors[field] = str(exc)
    if (
        not errors
        and "deadline_text" in cleaned
        and "due_date" in cleaned
        and parse_deadline(cleaned["deadline_text"], item.programme.year).due_date
        != dt.date.fromisoformat(cleaned["due_date"])
    ):
        errors["due_date"] = "截止日期与完成时限不一致"
    if errors:
        raise ValidationFailed("；".join(f"{k}：{v}" for k, v in errors.items()), errors)
    return cleaned


# --- the unit files, withdraws ------------------------------------------------------------


def file_change_request(
    item: Item,
    *,
    actor: Any,
    changes: Mapping[str, Any],
    reason: str,
    files: Sequence[UploadedFile] = (),
) -> ChangeRequest:
    """File a change request for ``item`` (an editor of its lead unit).

    Only the fields of ``permissions.REQUESTABLE_FIELDS``, each validated as an edit would
    be; fields asked at their current value are dropped, and a request with nothing left is
    refused. The reason is required. Files are checked as progress attachments are.
    """
    if not permissions.can_request_change(actor, item):
        raise PermissionDenied(NOT_REQUESTER)
    cleaned = _clean_changes(item, changes)
    before = current_values(item, list(cleaned))
    asked = {f: v for f, v in cleaned.items() if v != _comparable(f, before[f])}
    errors: dict[str, str] = {}
    if not asked and cleaned:
        errors["changes"] = "申请的内容与当前值相同，没有要调整的内容"
    elif not asked:
        errors["changes"] = "请填写要调整的内容"
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "请填写申请理由"
    elif len(reason) > MAX_REASON or "\x00" in reason:
        errors["reason"] = f"申请理由不能超过{MAX_REASON}个字，且不能包含空字符"
    for key, message in check_uploads(files, "files").items():
        errors.setdefault(key, message)
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)
    with uploads.atomic_with_files():
        # Lock the item so two filings cannot both pass the one-pending check (or the quota).
        Item.objects.select_for_update().filter(pk=item.pk).order_by("pk").values_list("pk").first()
        if ChangeRequest.objects.filter(item=item, status=Status.PENDING).exists():
            raise ValidationFailed(ONE_PENDING, {"changes": ONE_PENDING})
        quota = uploads.quota_error(item_file_bytes(item.pk), files)
        if quota:
            raise ValidationFailed(quota, {"files": quota})
        request = ChangeRequest.objects.create(
            jurisdiction_id=item.jurisdiction_id,
            item=item,
            unit_id=item.lead_unit_id,
            requested_by=actor if getattr(actor, "pk", None) else None,
            changes=asked,
            before={f: before[f] for f in asked},
            reason=reason,
        )
        for f in files:
            name = uploads.display_name(f.name, NAME_LENGTH)
            ctype = uploads.media_type(f.content_type, TYPE_LENGTH) or ""
            stored = ChangeRequestFile(
                request=request, name=name, content_type=ctype, size=f.size or 0
            )
            stored.file.name = store_upload(stored, f, name)
            stored.save()
        audit.record(
            actor=actor,
            action="item.change_request",
            target=item,
            changes={
                "change_request": [None, request.pk],
                "request_reason": [None, reason],
                **{f"asked:{f}": [before[f], v] for f, v in asked.items()},
            },
            jurisdiction_id=item.jurisdiction_id,
        )
        notices.change_request_filed(request, item)
    return request


def withdraw_change_request(request: ChangeRequest, *, actor: Any) -> ChangeRequest:
    """The requesting unit takes back its pending request."""
    if not scope_for(actor).edits_unit(request.unit_id):
        raise PermissionDenied("只有提出申请的单位可以撤回")
    with transaction.atomic():
        _lock_pending(request)
        request.status = Status.WITHDRAWN
        request.decided_by = actor if getattr(actor, "pk", None) else None
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        audit.record(
            actor=actor,
            action="item.change_request_withdraw",
            target=request.item,
            changes={"change_request": [request.pk, None]},
            jurisdiction_id=request.jurisdiction_id,
        )
    return request


# --- the office decides -------------------------------------------------------------------


def _lock_pending(request: ChangeRequest) -> None:
    status = (
        ChangeRequest.objects.select_for_update()
        .filter(pk=request.pk)
        .values_list("status", flat=True)
        .first()
    )
    if status != Status.PENDING:
        label = Status(status).label if status else ""
        raise ValidationFailed(f"该调整申请已处理（{label}），不能再操作")


def _update_kwargs(item: Item, changes: Mapping[str, Any]) -> dict[str, Any]:
    """A request's stored JSON as ``update_item``'s arguments."""
    out: dict[str, Any] = {}
    for field, value in changes.items():
        if field == "partner_units":
            out[field] = list(
                Unit.objects.filter(pk__in=value, jurisdiction_id=item.jurisdiction_id)
            )
        elif field == "sponsor_leaders":
            out[field] = list(
                Person.objects.filter(pk__in=value, jurisdiction_id=item.jurisdiction_id)
            )
        elif field in ("due_date", "start_date"):
            out[field] = _date(value)
        elif field == "planned_investment":
            out[field] = None if value is None else Decimal(value)
        else:
            out[field] = value
    return out


def approve_change_request(request: ChangeRequest, *, actor: Any, comment: str = "") -> Item:
    """Apply the request through ``update_item`` as the office's act on the unit's request.

    Refused (``StaleEdit``) when a field it names changed since it was filed: the office
    then rejects it or edits the item itself.
    """
    if not permissions.can_review(actor, request.jurisdiction_id):
        raise PermissionDenied(NOT_REVIEWER)
    comment = (comment or "").strip()
    with transaction.atomic():
        _lock_pending(request)
        item = (
            Item.objects.select_for_update(of=("self",))
            .select_related("programme", "jurisdiction")
            .get(pk=request.item_id)
        )
        now = current_values(item, list(request.changes))
        moved = [f for f in request.changes if now.get(f) != request.before.get(f)]
        if moved:
            names = "、".join(field_label(f) for f in moved)
            raise StaleEdit(
                f"申请提交后事项的{names}已被修改，此申请已过时：请驳回并请单位重新申请，"
                "或直接编辑事项"
            )
        update_item(
            item,
            actor=actor,
            expected_version=item.version,
            on_request=request,
            **_update_kwargs(item, request.changes),
        )
        _decide(request, Status.APPROVED, item, actor=actor, comment=comment)
    return item


def _decide(request: ChangeRequest, status: str, item: Item, *, actor: Any, comment: str) -> None:
    """Record the office's decision on the request, and its audit event on the item."""
    request.status = status
    request.decided_by = actor if getattr(actor, "pk", None) else None
    request.decided_at = timezone.now()
    request.comment = comment
    request.save(update_fields=["status", "decided_by", "decided_at", "comment", "updated_at"])
    action = (
        "item.change_request_approve" if status == Status.APPROVED else "item.change_request_reject"
    )
    audit.record(
        actor=actor,
        action=action,
        target=item,
        changes={"change_request": [None, request.pk], "comment": [None, comment]},
        jurisdiction_id=request.jurisdiction_id,
    )
    notices.change_request_decided(request, item, approved=status == Status.APPROVED)


def reject_change_request(request: ChangeRequest, *, actor: Any, comment: str) -> ChangeRequest:
    """Turn the request down; the comment, required, is what the unit reads."""
    if not permissions.can_review(actor, request.jurisdiction_id):
        raise PermissionDenied(NOT_REVIEWER)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed("请填写驳回理由", {"comment": "请填写驳回理由"})
    with transaction.atomic():
        _lock_pending(request)
        _decide(request, Status.REJECTED, request.item, actor=actor, comment=comment)
    return request
