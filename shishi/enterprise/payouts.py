"""免申即享 payouts (兑现): the benefit given without applying, tracked to the end.

- ``list_payouts``: for a published ``no_apply`` policy, one ``Payout`` (``listed``) per
  eligible enterprise of its stored matches; idempotent (``payout_once``: an enterprise
  already listed keeps its row, whatever its status).
- ``export_payouts``: the sheet for the paying department (Excel by xlsxwriter, or CSV) of
  the payouts not yet decided — USCC, name, policy, 文号, amount text, the contact masked —
  and the ``listed`` ones marked ``handed``.
- ``record_paid`` (amount in 万元, date, paying department) and ``record_refused`` (a note
  required), each with the form's ``version``: a stale one is refused, never overwritten.

The district's office only; every write audited.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import xlsxwriter
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shishi.core import audit, bulk
from shishi.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from shishi.enterprise import permissions
from shishi.enterprise.models import (
    Contact,
    Match,
    Payout,
    PayoutStatus,
    Policy,
    PolicyStatus,
    Verdict,
)

OPEN = (PayoutStatus.LISTED.value, PayoutStatus.HANDED.value)  # not decided yet
HEADER = ["统一社会信用代码", "企业名称", "政策名称", "文号", "支持标准", "联系人", "联系电话"]
MAX_AMOUNT = Decimal("99999999999999.99")


def _require_office(actor: Any, policy: Policy) -> None:
    if not permissions.is_office(actor, policy.jurisdiction_id):
        raise PermissionDenied("只有本区专班可以办理免申即享兑现")


def list_payouts(policy: Policy, *, actor: Any) -> int:
    """List the policy's eligible enterprises (stored matches) for payout; how many new
    rows. Only a published 免申即享 policy."""
    _require_office(actor, policy)
    if not policy.no_apply:
        raise ValidationFailed("这项政策不是免申即享政策", {"policy": "不是免申即享政策"})
    if policy.status != PolicyStatus.PUBLISHED:
        raise ValidationFailed("政策尚未发布或已失效", {"policy": "政策尚未发布或已失效"})
    with transaction.atomic():
        locked = Policy.objects.select_for_update().get(pk=policy.pk)
        before = Payout.objects.filter(policy_id=locked.pk).count()
        now = timezone.now()
        ids = (
            Match.objects.filter(policy_id=locked.pk, verdict=Verdict.ELIGIBLE)
            .order_by("enterprise_id")
            .values_list("enterprise_id", flat=True)
        )
        bulk.upsert_many(
            Payout,
            ("policy_id", "enterprise_id", "status", "department", "note", "version",
             "created_at", "updated_at"),
            ((locked.pk, pk, PayoutStatus.LISTED.value, "", "", 1, now, now)
             for pk in ids.iterator()),
            conflict=(),
            update=(),
        )  # fmt: skip
        made = Payout.objects.filter(policy_id=locked.pk).count() - before
        if made:
            audit.record(
                actor=actor,
                action="enterprise.payouts_listed",
                target=locked,
                changes={"payouts": [before, before + made]},
                jurisdiction_id=locked.jurisdiction_id,
            )
    return made


# --- the sheet for the paying department ---------------------------------------------------------


def _contact_masked(contacts: dict[int, Contact], enterprise_id: int) -> tuple[str, str]:
    contact = contacts.get(enterprise_id)
    if contact is None:
        return "", ""
    name = contact.name[:1] + "*" * max(0, len(contact.name) - 1) if contact.name else ""
    return name, str(contact.phone) if contact.phone else ""


def _rows(policy: Policy, payouts: Sequence[Payout]) -> list[list[str]]:
    contacts: dict[int, Contact] = {}
    for c in Contact.objects.filter(enterprise_id__in=[p.enterprise_id for p in payouts]).order_by(
        "enterprise_id", "-is_primary", "pk"
    ):
        contacts.setdefault(c.enterprise_id, c)
    return [
        [
            p.enterprise.uscc,
            p.enterprise.name,
            policy.title,
            policy.doc_number,
            policy.amount_text,
            *_contact_masked(contacts, p.enterprise_id),
        ]
        for p in payouts
    ]


def _safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


@dataclass(frozen=True)
class Sheet:
    content: bytes
    filename: str
    content_type: str
    rows: int
    handed: int


def export_payouts(policy: Policy, *, actor: Any, fmt: str = "xlsx") -> Sheet:
    """The undecided payouts of ``policy`` as a sheet; the listed ones become handed."""
    _require_office(actor, policy)
    if fmt not in ("xlsx", "csv"):
        raise ValidationFailed("格式只能是 xlsx 或 csv", {"format": "格式只能是 xlsx 或 csv"})
    with transaction.atomic():
        payouts = list(
            Payout.objects.select_for_update()
            .filter(policy_id=policy.pk, status__in=OPEN)
            .select_related("enterprise")
            .order_by("enterprise__name", "pk")
        )
        if not payouts:
            raise ValidationFailed(
                "没有待兑现的企业：请先生成兑现清单", {"policy": "没有待兑现的企业"}
            )
        rows = _rows(policy, payouts)
        listed = [p.pk for p in payouts if p.status == PayoutStatus.LISTED]
        now = timezone.now()
        handed = Payout.objects.filter(pk__in=listed, status=PayoutStatus.LISTED).update(
            status=PayoutStatus.HANDED, version=F("version") + 1, updated_at=now
        )
        audit.record(
            actor=actor,
            action="enterprise.payouts_exported",
            target=policy,
            changes={"rows": [None, len(rows)], "handed": [None, handed], "format": [None, fmt]},
            jurisdiction_id=policy.jurisdiction_id,
        )
    stamp = timezone.localdate().strftime("%Y%m%d")
    name = f"payouts-{policy.pk}-{stamp}.{fmt}"
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(HEADER)
        writer.writerows([[_safe(c) for c in row] for row in rows])
        content = ("\ufeff" + text.getvalue()).encode("utf-8")  # Excel reads the BOM as UTF-8
        return Sheet(content, name, "text/csv; charset=utf-8", len(rows), handed)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("兑现清单")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, HEADER, bold)
    for n, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            sheet.write_string(n, col, value)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 2, 30)
    sheet.set_column(3, 4, 20)
    book.close()
    return Sheet(
        buffer.getvalue(),
        name,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        len(rows),
        handed,
    )


# --- paid or refused ----------------------------------------------------------------------------


def access_payout(user: Any, pk: int) -> Payout:
    payout = Payout.objects.select_related("policy", "enterprise").filter(pk=pk).first()
    if payout is None or not permissions.is_office(user, payout.policy.jurisdiction_id):
        raise NotFound("兑现记录不存在或无权查看")
    return payout


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed("金额应为数字（万元）", {"amount": "金额应为数字（万元）"}) from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        raise ValidationFailed("金额应大于0（万元）", {"amount": "金额应大于0（万元）"})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed("金额最多两位小数（万元）", {"amount": "金额最多两位小数（万元）"})
    return amount


def _decide(
    payout: Payout, *, actor: Any, expected_version: int | None, values: dict[str, Any]
) -> Payout:
    _require_office(actor, payout.policy)
    with transaction.atomic():
        locked = Payout.objects.select_for_update().get(pk=payout.pk)
        if expected_version is None or locked.version != expected_version:
            raise StaleEdit("这条兑现记录已被他人修改，请查看最新内容后再提交")
        old = {k: getattr(locked, k) for k in values}
        for key, value in values.items():
            setattr(locked, key, value)
        locked.version += 1
        locked.save(update_fields=[*values, "version", "updated_at"])
        audit.record(
            actor=actor,
            action="enterprise.payout",
            target=locked,
            changes=audit.diff(old, values),
            jurisdiction_id=locked.policy.jurisdiction_id,
        )
    return locked


def record_paid(
    payout: Payout,
    *,
    actor: Any,
    amount: Any,
    paid_on: dt.date | None,
    department: str,
    note: str = "",
    expected_version: int | None,
) -> Payout:
    """The payout paid: amount (万元, > 0), the date (not in the future), the paying
    department."""
    errors: dict[str, str] = {}
    try:
        value = _amount(amount)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if paid_on is None:
        errors["paid_on"] = "请填写兑现日期"
    elif paid_on > timezone.localdate():
        errors["paid_on"] = "兑现日期不能晚于今天"
    department = (department or "").strip()
    if not department:
        errors["department"] = "请填写兑现部门"
    elif len(department) > 100:
        errors["department"] = "兑现部门最多100字"
    if len((note or "").strip()) > 300:
        errors["note"] = "说明最多300字"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors)
    return _decide(
        payout,
        actor=actor,
        expected_version=expected_version,
        values={
            "status": PayoutStatus.PAID.value,
            "amount": value,
            "paid_on": paid_on,
            "department": department,
            "note": (note or "").strip(),
        },
    )


def record_refused(
    payout: Payout, *, actor: Any, note: str, expected_version: int | None
) -> Payout:
    """The payout refused, with the reason (required)."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("不予兑现须写明原因", {"note": "不予兑现须写明原因"})
    if len(note) > 300:
        raise ValidationFailed("说明最多300字", {"note": "说明最多300字"})
    return _decide(
        payout,
        actor=actor,
        expected_version=expected_version,
        values={
            "status": PayoutStatus.REFUSED.value,
            "amount": None,
            "paid_on": None,
            "note": note,
        },
    )
