"""Every write of the enterprise register, one enterprise at a time (the sheet import writes
in bulk: ``register_sheet``): save an enterprise, its qualifications and its contacts, and
reveal a contact's full phone or e-mail.

Each checks that the actor keeps the district's register (its programme office, or the city
office over it), validates (the USCC by its GB 32100 check character, the industry code by
GB/T 4754-2017, figures not negative, the street one of the district's), refuses a stale
version, derives the size (大中小微) from the industry and the figures, and writes an audit
event with the old and new values. Phones are kept encrypted with a keyed hash beside them;
they never go into an audit event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NoReturn

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from shishi.core import audit, masking
from shishi.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.fields import PersonalNumber, personal_number
from shishi.core.uscc import normalize_uscc
from shishi.enterprise import industry, permissions, register_sheet
from shishi.enterprise.models import (
    Contact,
    Enterprise,
    Qualification,
    SheetImport,
    SheetKind,
    SheetStatus,
)
from shishi.enterprise.register_sheet import size_of
from shishi.orgs.models import Jurisdiction, Unit, User

NOT_OFFICE = "只有专班可以维护企业名录"
STALE = "这家企业的信息已被他人修改，请刷新后再改"
TRACKED = (
    "uscc",
    "name",
    "industry_code",
    "founded_on",
    "employees",
    "revenue",
    "total_assets",
    "tax_paid",
    "address",
    "street_id",
    "size",
)
_MAX_AMOUNT = Decimal("99999999999999.99")


def refuse(field: str, message: str) -> NoReturn:
    raise ValidationFailed(message, {field: message})


@dataclass(frozen=True)
class EnterpriseInput:
    """An enterprise as a form gives it; figures ``None`` when not known."""

    name: str
    uscc: str = ""
    industry_code: str = ""
    founded_on: dt.date | None = None
    employees: int | None = None
    revenue: Decimal | None = None
    total_assets: Decimal | None = None
    tax_paid: Decimal | None = None
    address: str = ""
    street_id: int | None = None
    qualifications: tuple[str, ...] | None = None  # None: leave them as they are


def check_office(actor: Any, jurisdiction_id: int) -> None:
    if not permissions.is_office(actor, jurisdiction_id):
        raise PermissionDenied(NOT_OFFICE)


def _clean(jurisdiction_id: int, data: EnterpriseInput) -> dict[str, Any]:
    """The fields as stored, or ``ValidationFailed`` naming each bad one."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    name = " ".join((data.name or "").split())
    if not name:
        errors["name"] = "请填写企业名称"
    elif len(name) > 200:
        errors["name"] = "企业名称过长（最多200字）"
    values["name"] = name
    try:
        values["uscc"] = normalize_uscc(data.uscc)
    except ValueError as exc:
        errors["uscc"] = str(exc)
    code = (data.industry_code or "").strip()
    values["industry_code"] = ""
    if code:
        try:
            values["industry_code"] = industry.normalize(code)
        except ValueError as exc:
            errors["industry_code"] = str(exc)
    if data.founded_on is not None and data.founded_on > timezone.localdate():
        errors["founded_on"] = "成立日期不能晚于今天"
    values["founded_on"] = data.founded_on
    if data.employees is not None and not 0 <= data.employees <= 10_000_000:
        errors["employees"] = "从业人员应为0或正整数"
    values["employees"] = data.employees
    for field, label in (
        ("revenue", "营业收入"),
        ("total_assets", "资产总额"),
        ("tax_paid", "纳税额"),
    ):
        value = getattr(data, field)
        if value is not None and (not value.is_finite() or value < 0 or value > _MAX_AMOUNT):
            errors[field] = f"{label}应为不小于0的数（万元）"
        values[field] = (
            value.quantize(Decimal("0.01")) if value is not None and field not in errors else value
        )
    address = " ".join((data.address or "").split())
    if len(address) > 300:
        errors["address"] = "注册地址过长（最多300字）"
    values["address"] = address
    if (
        data.street_id is not None
        and not Unit.objects.filter(
            pk=data.street_id,
            jurisdiction_id=jurisdiction_id,
            kind__in=(Unit.Kind.STREET, Unit.Kind.TOWNSHIP),
        ).exists()
    ):
        errors["street_id"] = "请选择本区的街道（镇）"
    values["street_id"] = data.street_id
    if data.qualifications is not None:
        too_long = [q for q in data.qualifications if len(q) > 50]
        if too_long:
            errors["qualifications"] = f"资质名称过长：{too_long[0][:20]}…（最多50字）"
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)
    values["size"] = size_of(
        values["industry_code"], values["employees"], values["revenue"], values["total_assets"]
    )
    return values


def _set_qualifications(
    enterprise: Enterprise, names: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    wanted = {n.strip() for n in names if n and n.strip()}
    have = set(enterprise.qualifications.values_list("name", flat=True))
    Qualification.objects.filter(enterprise=enterprise, name__in=have - wanted).delete()
    Qualification.objects.bulk_create(
        [Qualification(enterprise=enterprise, name=n) for n in sorted(wanted - have)]
    )
    return sorted(have), sorted(wanted)


def save_enterprise(
    jurisdiction: Jurisdiction,
    data: EnterpriseInput,
    *,
    actor: Any,
    enterprise: Enterprise | None = None,
    expected_version: int | None = None,
) -> Enterprise:
    """Create (``enterprise`` None) or edit an enterprise of ``jurisdiction``'s register.

    Guarantees: only the district's office; every field validated (``ValidationFailed``
    naming it); an edit with a version other than the stored one is refused (``StaleEdit``),
    never overwritten; the USCC unique in the district; ``size`` derived from the industry
    and the figures on every save (empty when it cannot be told); one audit event with the
    changed fields' old and new values.
    """
    check_office(actor, jurisdiction.pk)
    if enterprise is not None and enterprise.jurisdiction_id != jurisdiction.pk:
        raise NotFound("没有这家企业")
    values = _clean(jurisdiction.pk, data)
    with transaction.atomic():
        clash = Enterprise.objects.filter(jurisdiction=jurisdiction, uscc=values["uscc"])
        if enterprise is not None:
            clash = clash.exclude(pk=enterprise.pk)
        if clash.exists():
            refuse("uscc", f"本区企业名录中已有统一社会信用代码为{values['uscc']}的企业")
        if enterprise is None:
            locked = Enterprise(jurisdiction=jurisdiction, **values)
            locked.save()
            old: dict[str, Any] = {}
            action = "enterprise.create"
        else:
            locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
            if expected_version is None or locked.version != expected_version:
                raise StaleEdit(STALE)
            old = {f: getattr(locked, f) for f in TRACKED}
            for f, v in values.items():
                setattr(locked, f, v)
            locked.version += 1
            locked.save()
            action = "enterprise.update"
        changes = audit.diff(old, {f: getattr(locked, f) for f in TRACKED})
        if data.qualifications is not None:
            before, after = _set_qualifications(locked, data.qualifications)
            if before != after:
                changes["qualifications"] = [before, after]
        audit.record(
            actor=actor,
            action=action,
            target=locked,
            changes=changes,
            jurisdiction_id=jurisdiction.pk,
        )
    if enterprise is not None:
        enterprise.refresh_from_db()
        return enterprise
    return locked


# --- contacts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactInput:
    name: str
    phone: str = ""
    email: str = ""
    username: str = ""  # a login for the contact (sees this enterprise only)
    is_primary: bool = False


def _clean_contact(data: ContactInput) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = " ".join((data.name or "").split())
    if not name:
        errors["name"] = "请填写联系人姓名"
    elif len(name) > 50:
        errors["name"] = "联系人姓名过长（最多50字）"
    phone: PersonalNumber | str = ""
    if (data.phone or "").strip():
        try:
            phone = personal_number("phone", data.phone)
        except ValueError as exc:
            errors["phone"] = str(exc)
    email = (data.email or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = "电子邮箱格式不对"
    user = None
    username = (data.username or "").strip()
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            errors["username"] = f"没有用户名为“{username[:30]}”的账号"
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)
    return {
        "name": name,
        "phone": phone,
        "email": email,
        "user": user,
        "is_primary": data.is_primary,
    }


def _contact_changes(contact: Contact) -> dict[str, Any]:
    # Never the phone or the e-mail themselves: whether they are set.
    return {
        "name": contact.name,
        "phone_set": bool(contact.phone),
        "email_set": bool(contact.email),
        "user_id": contact.user_id,
        "is_primary": contact.is_primary,
    }


def add_contact(enterprise: Enterprise, data: ContactInput, *, actor: Any) -> Contact:
    """A new contact of ``enterprise`` (office only); the first one is the primary."""
    check_office(actor, enterprise.jurisdiction_id)
    values = _clean_contact(data)
    with transaction.atomic():
        first = not enterprise.contacts.exists()
        if values["is_primary"] and not first:
            enterprise.contacts.update(is_primary=False)
        contact = Contact.objects.create(
            enterprise=enterprise, **dict(values, is_primary=values["is_primary"] or first)
        )
        audit.record(
            actor=actor,
            action="enterprise.contact_add",
            target=enterprise,
            changes=audit.diff({}, _contact_changes(contact)),
            jurisdiction_id=enterprise.jurisdiction_id,
        )
    return contact


def update_contact(contact: Contact, data: ContactInput, *, actor: Any) -> Contact:
    """Edit a contact (office only). An empty phone field keeps the stored number unless
    ``data.phone`` is the single character "-" (clears it)."""
    enterprise = contact.enterprise
    check_office(actor, enterprise.jurisdiction_id)
    clear_phone = (data.phone or "").strip() == "-"
    values = _clean_contact(
        ContactInput(
            name=data.name,
            phone="" if clear_phone else data.phone,
            email=data.email,
            username=data.username,
            is_primary=data.is_primary,
        )
    )
    with transaction.atomic():
        old = _contact_changes(contact)
        if values["is_primary"]:
            enterprise.contacts.exclude(pk=contact.pk).update(is_primary=False)
        contact.name = values["name"]
        if values["phone"] or clear_phone:
            contact.phone = values["phone"]
        contact.email = values["email"]
        contact.user = values["user"]
        contact.is_primary = values["is_primary"]
        contact.save()
        audit.record(
            actor=actor,
            action="enterprise.contact_update",
            target=enterprise,
            changes=dict(audit.diff(old, _contact_changes(contact)), contact_id=contact.pk),
            jurisdiction_id=enterprise.jurisdiction_id,
        )
    return contact


def remove_contact(contact: Contact, *, actor: Any) -> None:
    enterprise = contact.enterprise
    check_office(actor, enterprise.jurisdiction_id)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="enterprise.contact_remove",
            target=enterprise,
            changes={"contact_id": contact.pk, "name": [contact.name, None]},
            jurisdiction_id=enterprise.jurisdiction_id,
        )
        contact.delete()


# --- personal data ------------------------------------------------------------------------


def viewer_of(user: Any, enterprise: Enterprise) -> masking.Viewer:
    """How ``user`` stands to ``enterprise``'s contacts' numbers (``core.masking``)."""
    if permissions.is_office(user, enterprise.jurisdiction_id):
        return masking.Viewer.OFFICE
    if enterprise.pk in permissions.contact_enterprise_ids(user):
        return masking.Viewer.OWNER
    return masking.Viewer.STAFF


def reveal_contact(contact: Contact, *, field: str, actor: Any) -> str:
    """A contact's full phone or e-mail for the district's office or the enterprise's own
    contact; each view is an audit event (``pii.show``: who, which enterprise, which field —
    never the value). ``PermissionDenied`` for anyone else."""
    enterprise = contact.enterprise
    if not permissions.may_see_enterprise(actor, enterprise):
        raise NotFound("没有这家企业")
    if field not in ("phone", "email"):
        raise ValidationFailed("没有这一项", {"field": "没有这一项"})
    value = contact.phone if field == "phone" else contact.email
    return masking.display(
        value or "",
        viewer=viewer_of(actor, enterprise),
        kind=field,
        show=True,
        actor=actor,
        target=enterprise,
        field=f"contact.{contact.pk}.{field}",
    )


# --- the import wizard --------------------------------------------------------------------


def _max_upload() -> int:
    return int(getattr(settings, "SHISHI_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


def upload_register(jurisdiction: Jurisdiction, upload: UploadedFile, *, actor: Any) -> SheetImport:
    """Keep an uploaded register sheet and preview it (office only): the batch's ``summary``
    holds the counts, every bad cell and a sample of the changes; nothing of the register
    is written. A sheet with errors is kept as ``failed``."""
    check_office(actor, jurisdiction.pk)
    name = (upload.name or "").strip()
    if not name.lower().endswith(".xlsx"):
        refuse("file", "请上传 .xlsx 格式的Excel文件（旧版 .xls 请先另存为 .xlsx）")
    if (upload.size or 0) > _max_upload():
        refuse("file", f"文件过大，上限为 {_max_upload() // 1024 // 1024} MB")
    data = b"".join(upload.chunks())
    sha256 = hashlib.sha256(data).hexdigest()
    upload.seek(0)
    try:
        plan, _ = register_sheet.import_file(data, jurisdiction, actor=actor, write=False)
    except register_sheet.SheetRefused as exc:
        refuse("file", exc.message)
    summary = plan.summary()
    with transaction.atomic():
        batch = SheetImport(
            jurisdiction=jurisdiction,
            kind=SheetKind.ENTERPRISES,
            original_name=name[-255:],
            sha256=sha256,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
            status=SheetStatus.PREVIEWED if plan.ok else SheetStatus.FAILED,
            summary=summary,
        )
        batch.file.save(f"register-{sha256[:16]}.xlsx", upload, save=False)
        batch.save()
        audit.record(
            actor=actor,
            action="enterprise.import_upload",
            target=batch,
            changes={
                "original_name": [None, batch.original_name],
                "sha256": [None, sha256],
                "rows": [None, summary["total"]],
                "errors": [None, summary["error_count"]],
            },
            jurisdiction_id=jurisdiction.pk,
        )
    return batch


def confirm_register(batch: SheetImport, *, actor: Any) -> register_sheet.Result:
    """Write a previewed sheet (office only), read and checked again from the kept file —
    all or nothing. ``ValidationFailed`` when it now has errors or the register changed
    meanwhile (nothing written); a batch already applied is refused (``StaleEdit``)."""
    check_office(actor, batch.jurisdiction_id)
    if batch.status != SheetStatus.PREVIEWED:
        raise StaleEdit("这个批次已经处理过了，请重新上传")
    try:
        with batch.file.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError):
        refuse("file", "上传的文件已不存在，请重新上传")
    try:
        with transaction.atomic():
            locked = SheetImport.objects.select_for_update().get(pk=batch.pk)
            if locked.status != SheetStatus.PREVIEWED:
                raise StaleEdit("这个批次已经处理过了，请重新上传")
            plan, result = register_sheet.import_file(
                data, batch.jurisdiction, actor=actor, source=batch.original_name
            )
            summary = plan.summary()
            if result is None:
                SheetImport.objects.filter(pk=batch.pk).update(
                    status=SheetStatus.FAILED, summary=summary, updated_at=timezone.now()
                )
            else:
                summary["applied"] = True
                SheetImport.objects.filter(pk=batch.pk).update(
                    status=SheetStatus.APPLIED,
                    summary=summary,
                    confirmed_by=actor,
                    finished_at=timezone.now(),
                    updated_at=timezone.now(),
                )
    except register_sheet.SheetRefused as exc:
        refuse("file", exc.message)
    except register_sheet.StaleRegister as exc:
        refuse("file", str(exc))
    batch.refresh_from_db()
    if result is None:
        refuse("file", f"表格有{summary['error_count']}处错误，未导入任何内容")
    assert result is not None
    return result
