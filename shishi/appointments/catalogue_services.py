"""The office's writes to the catalogue: a service's settings and eligibility rules, its
staff, the ledger target it feeds, and the matters list. Office only; each write validates,
runs in one transaction and is audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.db import IntegrityError, transaction

from shishi.appointments import eligibility, feed, permissions
from shishi.appointments.catalogue_selectors import OFFICE_ONLY, unit_users
from shishi.appointments.models import AgeFrom, Match, Matter, Service, Staff, Where
from shishi.core import audit
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.core.inputs import has_control
from shishi.ledger.models import Target
from shishi.orgs.models import Unit

MAX_PER_STAFF_DAY = 200


def _require_office(actor: Any, jurisdiction_id: int) -> None:
    if not permissions.is_office(actor, jurisdiction_id):
        raise PermissionDenied(OFFICE_ONLY)


def _text(value: str, limit: int) -> str | None:
    text = (value or "").strip()
    if not text or len(text) > limit or has_control(text):
        return None
    return text


@dataclass
class ServiceInput:
    name: str
    unit_id: int | None
    where: str
    bring: str
    per_staff_day: int | None
    is_active: bool
    age_from: str
    match: str
    rules: list[dict[str, Any]]
    target_id: int | None = None


def update_service(service: Service, data: ServiceInput, *, actor: Any) -> Service:
    """Change a service's settings; its rules are checked (``eligibility.check_rules``) and a
    changed target link recounts the new target at once (on commit)."""
    _require_office(actor, service.jurisdiction_id)
    errors: dict[str, str] = {}
    name = _text(data.name, 100)
    if name is None:
        errors["name"] = "请填写名称（最多100个字）"
    if (
        data.unit_id is None
        or not Unit.objects.filter(
            pk=data.unit_id, jurisdiction_id=service.jurisdiction_id
        ).exists()
    ):
        errors["unit"] = "请选择本区的单位"
    if data.where not in Where.values:
        errors["where"] = "请选择服务地点"
    if len(data.bring or "") > 2000:
        errors["bring"] = "需携带材料不能超过2000字"
    if data.per_staff_day is None or not 1 <= data.per_staff_day <= MAX_PER_STAFF_DAY:
        errors["per_staff_day"] = f"每人每工作日可服务次数应在1到{MAX_PER_STAFF_DAY}之间"
    if data.age_from not in AgeFrom.values:
        errors["age_from"] = "请选择年龄起算方式"
    if data.match not in Match.values:
        errors["match"] = "请选择条件关系"
    problems = eligibility.check_rules(data.rules)
    if problems:
        errors["rules"] = "；".join(problems)
    if (
        data.target_id is not None
        and not Target.objects.filter(
            pk=data.target_id, item__programme__jurisdiction_id=service.jurisdiction_id
        ).exists()
    ):
        errors["target"] = "请选择本区台账事项的目标"
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    assert name is not None
    fields = {
        "name": name,
        "unit_id": data.unit_id,
        "where": data.where,
        "bring": (data.bring or "").strip(),
        "per_staff_day": data.per_staff_day,
        "is_active": data.is_active,
        "age_from": data.age_from,
        "match": data.match,
        "rules": data.rules,
        "target_id": data.target_id,
    }
    with transaction.atomic():
        row = Service.objects.select_for_update().get(pk=service.pk)
        before = {k: getattr(row, k) for k in fields}
        changes = audit.diff(before, fields)
        if not changes:
            return row
        for k, v in fields.items():
            setattr(row, k, v)
        row.save()
        audit.record(
            actor=actor,
            action="appointments.update_service",
            target=row,
            changes=changes,
            jurisdiction_id=row.jurisdiction_id,
        )
        if "target_id" in changes:
            feed.enqueue_feed(row)
    return row


def add_staff(service: Service, user_id: int | None, *, actor: Any) -> Staff:
    """Make one of the unit's people a staff member of the service (again active if they
    were one)."""
    _require_office(actor, service.jurisdiction_id)
    if user_id is None or user_id not in {u.pk for u in unit_users(service.unit_id)}:
        message = "请从提供单位的人员中选择"
        raise ValidationFailed(message, {"user": message})
    with transaction.atomic():
        staff, created = Staff.objects.get_or_create(service=service, user_id=user_id)
        if not created and staff.is_active:
            message = "此人已是服务人员"
            raise ValidationFailed(message, {"user": message})
        if not created:
            staff.is_active = True
            staff.save(update_fields=["is_active", "updated_at"])
        audit.record(
            actor=actor,
            action="appointments.add_staff",
            target=service,
            changes={"staff": [None, staff.user.get_username()]},
            jurisdiction_id=service.jurisdiction_id,
        )
    return staff


def set_staff_active(staff: Staff, active: bool, *, actor: Any) -> Staff:
    service = staff.service
    _require_office(actor, service.jurisdiction_id)
    if staff.is_active == active:
        return staff
    with transaction.atomic():
        staff.is_active = active
        staff.save(update_fields=["is_active", "updated_at"])
        audit.record(
            actor=actor,
            action="appointments.staff_active",
            target=service,
            changes={f"staff:{staff.user.get_username()}": [not active, active]},
            jurisdiction_id=service.jurisdiction_id,
        )
    return staff


# --- the matters list --------------------------------------------------------------------


def _matter_name(name: str) -> str:
    text = _text(name, 50)
    if text is None:
        message = "请填写事项名称（最多50个字）"
        raise ValidationFailed(message, {"name": message})
    return text


def _duplicate() -> ValidationFailed:
    message = "已有同名的事项"
    return ValidationFailed(message, {"name": message})


def add_matter(jurisdiction_id: int, name: str, *, actor: Any) -> Matter:
    _require_office(actor, jurisdiction_id)
    text = _matter_name(name)
    if Matter.objects.filter(jurisdiction_id=jurisdiction_id, name=text).exists():
        raise _duplicate()
    try:
        with transaction.atomic():
            last = (
                Matter.objects.filter(jurisdiction_id=jurisdiction_id)
                .order_by("-order")
                .values_list("order", flat=True)
                .first()
            )
            matter = Matter.objects.create(
                jurisdiction_id=jurisdiction_id,
                name=text,
                order=0 if last is None else last + 1,
            )
            audit.record(
                actor=actor,
                action="appointments.add_matter",
                target=matter,
                changes={"name": [None, text]},
                jurisdiction_id=jurisdiction_id,
            )
    except IntegrityError as exc:
        raise _duplicate() from exc
    return matter


def rename_matter(matter: Matter, name: str, *, actor: Any) -> Matter:
    _require_office(actor, matter.jurisdiction_id)
    text = _matter_name(name)
    if text == matter.name:
        return matter
    if (
        Matter.objects.filter(jurisdiction_id=matter.jurisdiction_id, name=text)
        .exclude(pk=matter.pk)
        .exists()
    ):
        raise _duplicate()
    with transaction.atomic():
        old = matter.name
        matter.name = text
        matter.save(update_fields=["name", "updated_at"])
        audit.record(
            actor=actor,
            action="appointments.rename_matter",
            target=matter,
            changes={"name": [old, text]},
            jurisdiction_id=matter.jurisdiction_id,
        )
    return matter


def move_matter(matter: Matter, direction: Literal["up", "down"], *, actor: Any) -> None:
    """One place up or down the list (the list renumbered 0, 1, 2 …)."""
    _require_office(actor, matter.jurisdiction_id)
    with transaction.atomic():
        rows = list(
            Matter.objects.select_for_update()
            .filter(jurisdiction_id=matter.jurisdiction_id)
            .order_by("order", "id")
        )
        index = next(i for i, m in enumerate(rows) if m.pk == matter.pk)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(rows):
            return
        rows[index], rows[other] = rows[other], rows[index]
        for n, m in enumerate(rows):
            if m.order != n:
                Matter.objects.filter(pk=m.pk).update(order=n)
        audit.record(
            actor=actor,
            action="appointments.move_matter",
            target=matter,
            changes={"position": [index + 1, other + 1]},
            jurisdiction_id=matter.jurisdiction_id,
        )


def set_matter_active(matter: Matter, active: bool, *, actor: Any) -> Matter:
    """Deactivate (no longer offered on new visits; kept on the visits that chose it) or
    reactivate a matter."""
    _require_office(actor, matter.jurisdiction_id)
    if matter.is_active == active:
        return matter
    with transaction.atomic():
        matter.is_active = active
        matter.save(update_fields=["is_active", "updated_at"])
        audit.record(
            actor=actor,
            action="appointments.matter_active",
            target=matter,
            changes={"is_active": [not active, active]},
            jurisdiction_id=matter.jurisdiction_id,
        )
    return matter
