"""The office's writes of demand categories (诉求分类): add and edit, with their time limits
and dispatch rules (the workflow's writes are ``demands.services``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from shishi.core import audit
from shishi.core.errors import NotFound, ValidationFailed
from shishi.demands import permissions
from shishi.demands.models import Category, DispatchRule
from shishi.orgs.models import Unit

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
# (field, lowest, highest): a time limit of 0 would make every demand late at once.
LIMITS = (
    ("accept_hours_urgent", 1, 72),
    ("accept_workdays", 1, 30),
    ("resolve_hours_urgent", 1, 720),
    ("resolve_workdays", 1, 365),
)
FIELDS = (
    "name",
    "code",
    "parent_id",
    "lead_unit_id",
    "accept_hours_urgent",
    "accept_workdays",
    "resolve_hours_urgent",
    "resolve_workdays",
    "auto_dispatch",
    "open311",
    "order",
    "is_active",
)


@dataclass
class CategoryInput:
    name: str
    code: str
    parent_id: int | None = None
    lead_unit_id: int | None = None
    accept_hours_urgent: int = 1
    accept_workdays: int = 1
    resolve_hours_urgent: int = 24
    resolve_workdays: int = 7
    auto_dispatch: bool = False
    open311: bool = False
    order: int = 0
    is_active: bool = True


def _check(jurisdiction_id: int, data: CategoryInput, found: Category | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = (data.name or "").strip()
    if not name:
        errors["name"] = "请填写分类名称"
    elif len(name) > 100:
        errors["name"] = "名称不超过100字"
    code = (data.code or "").strip().lower()
    if not CODE_RE.match(code):
        errors["code"] = "代码用小写字母、数字、-或_，不超过40个字符"
    elif (
        Category.objects.filter(jurisdiction_id=jurisdiction_id, code=code)
        .exclude(pk=found.pk if found else 0)
        .exists()
    ):
        errors["code"] = "本区已有这个代码"
    if data.parent_id is not None:
        parents = dict(
            Category.objects.filter(jurisdiction_id=jurisdiction_id).values_list("pk", "parent_id")
        )
        if data.parent_id not in parents:
            errors["parent"] = "上级分类须是本区的"
        elif found is not None:
            seen: set[int] = set()
            at: int | None = data.parent_id
            while at is not None and at not in seen:
                if at == found.pk:
                    errors["parent"] = "上级分类不能是它自己或它的下级"
                    break
                seen.add(at)
                at = parents.get(at)
    if (
        data.lead_unit_id is not None
        and not Unit.objects.filter(pk=data.lead_unit_id, jurisdiction_id=jurisdiction_id).exists()
    ):
        errors["lead_unit"] = "承办单位须是本区的"
    for field, lo, hi in LIMITS:
        value = getattr(data, field)
        if not isinstance(value, int) or not lo <= value <= hi:
            errors[field] = f"应在{lo}到{hi}之间"
    if data.auto_dispatch and data.lead_unit_id is None:
        errors["auto_dispatch"] = "自动派单须先选默认承办单位"
    if not 0 <= data.order <= 32767:
        errors["order"] = "排序应在0到32767之间"
    return errors


def save_category(
    jurisdiction_id: int,
    data: CategoryInput,
    *,
    actor: Any,
    category: Category | None = None,
) -> Category:
    """Add a category to the district, or change one of its own."""
    permissions.require_office(actor, jurisdiction_id)
    if category is not None and category.jurisdiction_id != jurisdiction_id:
        raise ValidationFailed("分类不属于这个区")
    errors = _check(jurisdiction_id, data, category)
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    values = {f: getattr(data, f) for f in FIELDS}
    values["name"] = data.name.strip()
    values["code"] = data.code.strip().lower()
    with transaction.atomic():
        if category is None:
            target = Category.objects.create(jurisdiction_id=jurisdiction_id, **values)
            changes = {f: [None, v] for f, v in values.items()}
            action = "demands.add_category"
        else:
            target = Category.objects.select_for_update().get(pk=category.pk)
            changes = {
                f: [getattr(target, f), v] for f, v in values.items() if getattr(target, f) != v
            }
            for f, v in values.items():
                setattr(target, f, v)
            target.save()
            action = "demands.edit_category"
        audit.record(
            actor=actor,
            action=action,
            target=target,
            changes=changes,
            jurisdiction_id=jurisdiction_id,
        )
    return target


STREET_KINDS = (Unit.Kind.STREET, Unit.Kind.TOWNSHIP)


def add_rule(category: Category, *, street_id: Any, unit_id: Any, actor: Any) -> DispatchRule:
    """A dispatch rule of the category: its demands from ``street_id`` (a street or township
    of the district) go to ``unit_id`` at once."""
    permissions.require_office(actor, category.jurisdiction_id)
    district = category.jurisdiction_id
    errors: dict[str, str] = {}
    street = Unit.objects.filter(pk=_int(street_id), jurisdiction_id=district).first()
    if street is None or street.kind not in STREET_KINDS:
        errors["street"] = "请选择本区的街道（乡镇）"
    unit = Unit.objects.filter(pk=_int(unit_id), jurisdiction_id=district).first()
    if unit is None:
        errors["unit"] = "承办单位须是本区的"
    if (
        street is not None
        and DispatchRule.objects.filter(category=category, street=street).exists()
    ):
        errors["street"] = "这个街道已有派单规则，请先删除原规则"
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    assert street is not None and unit is not None
    with transaction.atomic():
        rule = DispatchRule.objects.create(category=category, street=street, unit=unit)
        audit.record(
            actor=actor,
            action="demands.add_dispatch_rule",
            target=category,
            changes={"rule": [None, f"{street.name} → {unit.name}"]},
            jurisdiction_id=district,
        )
    return rule


def remove_rule(category: Category, rule_id: int, *, actor: Any) -> None:
    permissions.require_office(actor, category.jurisdiction_id)
    with transaction.atomic():
        rule = (
            DispatchRule.objects.select_for_update()
            .select_related("street", "unit")
            .filter(pk=rule_id, category=category)
            .first()
        )
        if rule is None:
            raise NotFound("没有这条派单规则")
        said = f"{rule.street.name} → {rule.unit.name}"
        rule.delete()
        audit.record(
            actor=actor,
            action="demands.remove_dispatch_rule",
            target=category,
            changes={"rule": [said, None]},
            jurisdiction_id=category.jurisdiction_id,
        )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
