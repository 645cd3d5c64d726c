"""The ledger as an import finds it, and what a sheet's row changes in it.

``load_existing`` reads the district's units and people and the programme's items, links
and targets once per plan; ``diff_item`` fills a planned item's ``changes`` with (old, new)
for each field the sheet changes. Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shishi.ledger.excel import reading
from shishi.ledger.excel.plan_types import PlannedItem, format_targets, targets_key
from shishi.ledger.models import Category, Item, Programme, Target
from shishi.ledger.parsing import clean_text
from shishi.ledger.services import TargetInput
from shishi.orgs.models import Jurisdiction, Person, Unit

ITEM_VALUES = (
    "pk",
    "number",
    "version",
    "progress_version",
    "seq",
    "name",
    "content",
    "measures",
    "deadline_text",
    "due_date",
    "is_ongoing",
    "lead_unit_id",
    "category_id",
    "completion_rate",
    "lifecycle",
    "progress_text",
    "remarks",
    "planned_investment",
    "done_investment",
)


@dataclass
class Existing:
    """The jurisdiction's names and the programme's items, loaded once per plan."""

    programme: Programme | None
    units: dict[str, int]  # clean name → pk
    unit_names: dict[int, str]  # pk → clean name
    people: dict[str, int]
    person_names: dict[int, str]
    categories: dict[int, str] = field(default_factory=dict)  # pk → clean name
    items: dict[str, dict[str, Any]] = field(default_factory=dict)  # number → values
    leaders: dict[int, list[str]] = field(default_factory=dict)  # item pk → sorted names
    partners: dict[int, list[str]] = field(default_factory=dict)
    targets: dict[int, list[tuple[str, Decimal, str]]] = field(default_factory=dict)


def load_existing(jurisdiction: Jurisdiction, year: int, *, with_targets: bool) -> Existing:
    programme = Programme.objects.filter(jurisdiction=jurisdiction, year=year).first()
    unit_names = {
        pk: clean_text(n)
        for pk, n in Unit.objects.filter(jurisdiction=jurisdiction).values_list("pk", "name")
    }
    person_names = {
        pk: clean_text(n)
        for pk, n in Person.objects.filter(jurisdiction=jurisdiction).values_list("pk", "name")
    }
    existing = Existing(
        programme=programme,
        units={n: pk for pk, n in unit_names.items()},
        unit_names=unit_names,
        people={n: pk for pk, n in person_names.items()},
        person_names=person_names,
    )
    if programme is None:
        return existing
    existing.categories = {
        pk: reading.compact(n)
        for pk, n in Category.objects.filter(programme=programme).values_list("pk", "name")
    }
    for values in Item.objects.filter(programme=programme).values(*ITEM_VALUES):
        existing.items[values["number"]] = values
    leader_links = Item.sponsor_leaders.through.objects.filter(item__programme=programme)
    for item_id, person_id in leader_links.values_list("item_id", "person_id"):
        existing.leaders.setdefault(item_id, []).append(person_names[person_id])
    partner_links = Item.partner_units.through.objects.filter(item__programme=programme)
    for item_id, unit_id in partner_links.values_list("item_id", "unit_id"):
        existing.partners.setdefault(item_id, []).append(unit_names[unit_id])
    for names in (*existing.leaders.values(), *existing.partners.values()):
        names.sort()
    if with_targets:
        rows = (
            Target.objects.filter(item__programme=programme)
            .order_by("item_id", "order", "id")
            .values_list("item_id", "name", "value", "unit")
        )
        for item_id, name, value, unit in rows:
            existing.targets.setdefault(item_id, []).append((name, value.normalize(), unit))
    return existing


def diff_item(item: PlannedItem, existing: Existing, present: set[str]) -> None:
    """Fill ``item.changes`` with (old, new) for each field the sheet changes."""
    old = item.old
    changes: dict[str, tuple[Any, Any]] = {}

    def text_change(key: str, new_value: str) -> None:
        before = clean_text(old[key])
        if before != new_value:
            changes[key] = (before, new_value)

    if old["seq"] != item.seq:
        changes["seq"] = (old["seq"], item.seq)
    text_change("name", item.name)
    if "category" in present or "__separators__" in present:
        old_category = existing.categories.get(old["category_id"], "")
        if old_category != item.category:
            changes["category"] = (old_category, item.category)
    if "content" in present:
        text_change("content", item.content)
    if "measures" in present:
        text_change("measures", item.measures)
    if item.deadline is not None:
        text_change("deadline_text", item.deadline.text)
    if "lead_unit" in present:
        old_unit = existing.unit_names.get(old["lead_unit_id"], "")
        if old_unit != item.lead_unit:
            changes["lead_unit"] = (old_unit, item.lead_unit)
    if "partner_units" in present or item.partner_units:
        old_partners = existing.partners.get(old["pk"], [])
        if old_partners != sorted(item.partner_units):
            changes["partner_units"] = (old_partners, sorted(item.partner_units))
    if "leaders" in present:
        old_leaders = existing.leaders.get(old["pk"], [])
        if old_leaders != sorted(item.sponsor_leaders):
            changes["sponsor_leaders"] = (old_leaders, sorted(item.sponsor_leaders))
    if item.completion_rate is not None and old["completion_rate"] != item.completion_rate:
        changes["completion_rate"] = (old["completion_rate"], item.completion_rate)
    if item.progress_text is not None:
        text_change("progress_text", item.progress_text)
    if "remarks" in present:
        text_change("remarks", item.remarks)
    if "planned_investment" in present and old["planned_investment"] != item.planned_investment:
        changes["planned_investment"] = (old["planned_investment"], item.planned_investment)
    if item.done_investment is not None and old["done_investment"] != item.done_investment:
        changes["done_investment"] = (old["done_investment"], item.done_investment)
    if "target" in present:
        old_targets = existing.targets.get(old["pk"], [])
        if old_targets != targets_key(item.targets):
            before = format_targets(TargetInput(n, v, u) for n, v, u in old_targets)
            changes["targets"] = (before, format_targets(item.targets))
    item.changes = changes
    item.action = "update" if changes else "unchanged"
