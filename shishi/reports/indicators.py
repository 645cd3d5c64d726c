"""Programme indicators (数据统计): the office's definitions, their writes and their values.

An indicator sums one source over the programme (``reports.models.Indicator``):

- **target actuals**: the actual values (``Target.actual``) of the chosen live targets. The
  value as of a past day is, per target, the value of the latest progress update on or
  before that day that carried one (``ProgressUpdate.target_actuals``, rejected updates
  left out; 0 for a target without one); as of today or later it is the target's actual
  value now, as the ledger shows it (set by progress, an import or the office's edit).
  A period's value is the change over it: the value as of its end less the value as of
  the day before its start.
- **a cycle figure**: the figure's values in the units' submitted submissions, summed over
  the submissions of periods that end within the period (a week counts in the month it
  ends in), and, cumulative, of periods that end by its end.

``indicator_values(programme, period_start=…, period_end=…)`` reads every indicator of the
programme in a fixed number of queries (about five, none per item), whatever the number of
items, targets or updates.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from shishi.board.panels import Panel
from shishi.core import audit
from shishi.core.errors import NotFound, StaleEdit, ValidationFailed
from shishi.ledger.models import Item, Programme, ProgressUpdate, Review, Target
from shishi.orgs.permissions import scope_for
from shishi.reports import permissions
from shishi.reports.documents import data
from shishi.reports.models import CycleFigure, Indicator, Submission, SubmissionFigure

Source = Indicator.Source
MAX_VALUE = Decimal("1e16")


# --- reads -----------------------------------------------------------------------------------


def programme_indicators(programme: Programme) -> list[Indicator]:
    """The programme's indicators in their order (with their cycle figure)."""
    return list(
        Indicator.objects.filter(programme=programme)
        .select_related("figure__cycle")
        .order_by("order", "pk")
    )


def access_indicator(user: Any, pk: int) -> Indicator:
    """The indicator for its district's office, else ``NotFound``."""
    found = Indicator.objects.select_related("programme", "figure__cycle").filter(pk=pk).first()
    if found is None or not permissions.is_office(user, found.programme.jurisdiction_id):
        raise NotFound("没有找到这个指标")
    return found


def access_office_programme(user: Any, pk: int) -> Programme:
    """The programme for its district's office (who defines its indicators), else NotFound."""
    programme = Programme.objects.select_related("jurisdiction").filter(pk=pk).first()
    if programme is None or not permissions.is_office(user, programme.jurisdiction_id):
        raise NotFound("没有找到这个实事项目计划")
    return programme


def can_read_panel(user: Any, programme: Programme) -> bool:
    """Whoever may read the programme's board reads its indicators (units too)."""
    return scope_for(user).can_read_jurisdiction(programme.jurisdiction_id)


def figure_choices(programme: Programme) -> list[CycleFigure]:
    """The cycle figures an indicator of the programme may sum (its cycles' figures)."""
    return list(
        CycleFigure.objects.filter(cycle__programme=programme)
        .select_related("cycle")
        .order_by("cycle__name", "order", "pk")
    )


def item_numbers(indicator: Indicator) -> str:
    """The chosen items' numbers as the form shows them ("1.2, 3.4")."""
    numbers = indicator.items.order_by("seq", "number").values_list("number", flat=True)
    return ", ".join(numbers)


def _number(value: Decimal | None) -> data.Number:
    value = value or Decimal(0)
    return int(value) if value == value.to_integral_value() else float(value)


def _decimal(text: Any) -> Decimal | None:
    try:
        value = Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


@dataclass(frozen=True)
class Values:
    """One indicator's values over a period (Decimals, for pages and tests)."""

    indicator: Indicator
    this_period: Decimal
    cumulative: Decimal

    @property
    def share(self) -> Decimal | None:
        """The cumulative value as a percentage of the target value (None without one)."""
        target = self.indicator.target_value
        if not target:
            return None
        return (self.cumulative / target * 100).quantize(Decimal("0.1"))


@dataclass
class _Chosen:
    """The indicators' targets: indicator id → target ids, each target's actual value now,
    and the query that chose them (a subquery for the progress history: no id lists)."""

    by_indicator: dict[int, set[int]]
    live: dict[int, Decimal]
    query: Any  # QuerySet[Target] | None


def _chosen_targets(indicators: Sequence[Indicator]) -> _Chosen:
    """The live targets of the indicators that sum target actuals (two queries for all)."""
    by_targets = [i for i in indicators if i.source == Source.TARGETS]
    chosen = _Chosen({i.pk: set() for i in by_targets}, {}, None)
    if not by_targets:
        return chosen
    chosen_items: dict[int, set[int]] = defaultdict(set)
    links = Indicator.items.through.objects.filter(indicator_id__in=[i.pk for i in by_targets])
    for indicator_id, item_id in links.values_list("indicator_id", "item_id"):
        chosen_items[indicator_id].add(item_id)
    query = Q()
    for indicator in by_targets:
        q = Q()
        if indicator.target_pattern:
            q &= Q(name__icontains=indicator.target_pattern)
        if chosen_items[indicator.pk]:
            q &= Q(item_id__in=chosen_items[indicator.pk])
        if q:  # an indicator without pattern or items chooses nothing
            query |= q
    if not query:
        return chosen
    programme_ids = {i.programme_id for i in by_targets}
    chosen.query = Target.objects.filter(query, item__programme_id__in=programme_ids)
    rows = chosen.query.values_list("pk", "item_id", "name", "actual")
    for target_id, item_id, name, actual in rows:
        if actual is not None:
            chosen.live[target_id] = actual
        for indicator in by_targets:
            items = chosen_items[indicator.pk]
            pattern = indicator.target_pattern.casefold()
            if not (pattern or items):
                continue
            if pattern and pattern not in name.casefold():
                continue
            if items and item_id not in items:
                continue
            chosen.by_indicator[indicator.pk].add(target_id)
    return chosen


def _actuals_as_of(
    chosen: _Chosen, days: Sequence[dt.date], today: dt.date
) -> list[dict[int, Decimal]]:
    """For each day: target id → its actual value as of that day (see the module doc)."""
    out: list[dict[int, Decimal]] = [chosen.live if day >= today else {} for day in days]
    past = [i for i, day in enumerate(days) if day < today]
    if not past or chosen.query is None:
        return out
    keys = {str(pk) for ids in chosen.by_indicator.values() for pk in ids}
    if not keys:
        return out
    last = max(days[i] for i in past)
    updates = (
        # By the chosen targets' items only (their programme's): a second condition on the
        # programme let PostgreSQL AND two indexes once per item (40 s for 10,000 items).
        ProgressUpdate.objects.filter(
            reported_on__lte=last, item_id__in=chosen.query.values("item_id")
        )
        .exclude(review=Review.REJECTED)
        .order_by("reported_on", "pk")
        .values_list("reported_on", "target_actuals")
    )
    for reported_on, actuals in updates.iterator(chunk_size=5000):
        if not actuals:
            continue
        for key, text in actuals.items():
            if key not in keys:
                continue
            value = _decimal(text)
            if value is None:
                continue
            for i in past:
                if reported_on <= days[i]:
                    out[i][int(key)] = value
    return out


def _figure_sums(
    figure_ids: set[int], period_start: dt.date, period_end: dt.date
) -> dict[int, tuple[Decimal, Decimal]]:
    """figure id → (sum over the period's submissions, sum up to its end)."""
    if not figure_ids:
        return {}
    rows = (
        SubmissionFigure.objects.filter(
            figure_id__in=figure_ids,
            submission__status=Submission.Status.SUBMITTED,
            submission__period__end__lte=period_end,
        )
        .values("figure_id")
        .annotate(
            total=Sum("value"),
            this=Sum("value", filter=Q(submission__period__end__gte=period_start)),
        )
        .values_list("figure_id", "this", "total")
    )
    return {fid: (this or Decimal(0), total or Decimal(0)) for fid, this, total in rows}


def values_of(
    programme: Programme,
    indicators: Sequence[Indicator],
    *,
    period_start: dt.date,
    period_end: dt.date,
    today: dt.date | None = None,
) -> list[Values]:
    """The indicators' values over ``period_start``–``period_end`` and as of its end."""
    today = today or timezone.localdate()
    chosen = _chosen_targets(indicators)
    before, at_end = _actuals_as_of(
        chosen, [period_start - dt.timedelta(days=1), period_end], today
    )
    figures = _figure_sums(
        {i.figure_id for i in indicators if i.source == Source.FIGURE and i.figure_id},
        period_start,
        period_end,
    )
    out = []
    for indicator in indicators:
        if indicator.source == Source.TARGETS:
            ids = chosen.by_indicator.get(indicator.pk, set())
            total = sum((at_end.get(t, Decimal(0)) for t in ids), Decimal(0))
            earlier = sum((before.get(t, Decimal(0)) for t in ids), Decimal(0))
            out.append(Values(indicator, total - earlier, total))
        else:
            this, total = figures.get(indicator.figure_id or 0, (Decimal(0), Decimal(0)))
            out.append(Values(indicator, this, total))
    return out


def indicator_values(
    programme: Programme,
    *,
    period_start: dt.date,
    period_end: dt.date,
    today: dt.date | None = None,
) -> list[data.Indicator]:
    """The programme's indicators for a compiled report: this period's value (the change
    over it) and the cumulative value as of its end, with the target value."""
    indicators = programme_indicators(programme)
    if not indicators:
        return []
    rows = values_of(
        programme, indicators, period_start=period_start, period_end=period_end, today=today
    )
    return [
        data.Indicator(
            name=v.indicator.name,
            unit=v.indicator.unit,
            this_period=_number(v.this_period),
            cumulative=_number(v.cumulative),
            target=None if v.indicator.target_value is None else _number(v.indicator.target_value),
        )
        for v in rows
    ]


# --- writes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorInput:
    """What the office fills in for an indicator; ``item_numbers`` as typed ("1.2, 3.4")."""

    name: str
    unit: str = ""
    target_value: Decimal | None = None
    order: int = 0
    source: str = Source.TARGETS
    target_pattern: str = ""
    item_numbers: str = ""
    figure_id: int | None = None


_NUMBER_SEPARATORS = re.compile(r"[\s,;\uff0c\u3001\uff1b]+")  # and full-width ，、；


def _split_numbers(text: str) -> list[str]:
    return [n for n in _NUMBER_SEPARATORS.split(text) if n]


def _validate(
    programme: Programme, given: IndicatorInput, *, exclude_pk: int | None = None
) -> tuple[list[int], dict[str, str]]:
    """The chosen item ids and the errors, by field."""
    errors: dict[str, str] = {}
    name = given.name.strip()
    if not name:
        errors["name"] = "请填写指标名称"
    elif len(name) > 100:
        errors["name"] = "指标名称不能超过100个字"
    else:
        same = Indicator.objects.filter(programme=programme, name=name)
        if exclude_pk is not None:
            same = same.exclude(pk=exclude_pk)
        if same.exists():
            errors["name"] = f"本年度计划已有指标“{name}”"
    if len(given.unit.strip()) > 20:
        errors["unit"] = "计量单位不能超过20个字"
    if given.target_value is not None and not (
        given.target_value.is_finite() and Decimal(0) <= given.target_value < MAX_VALUE
    ):
        errors["target_value"] = "目标值应为不小于0的数"
    if not 0 <= given.order <= 32767:
        errors["order"] = "排序应为0到32767之间的整数"
    item_ids: list[int] = []
    if given.source == Source.TARGETS:
        numbers = _split_numbers(given.item_numbers)
        if not given.target_pattern.strip() and not numbers:
            errors["target_pattern"] = "请填写目标名称包含的文字，或限定事项编号"
        if len(given.target_pattern.strip()) > 100:
            errors["target_pattern"] = "目标名称不能超过100个字"
        if numbers:
            found = dict(
                Item.objects.filter(programme=programme, number__in=numbers).values_list(
                    "number", "pk"
                )
            )
            unknown = [n for n in numbers if n not in found]
            if unknown:
                errors["item_numbers"] = f"本年度计划没有编号为{'、'.join(unknown[:5])}的事项"
            item_ids = sorted(set(found.values()))
    elif given.source == Source.FIGURE:
        figure = (
            CycleFigure.objects.filter(pk=given.figure_id, cycle__programme=programme).first()
            if given.figure_id
            else None
        )
        if figure is None:
            errors["figure"] = "请选择本年度计划报送机制中的数据项"
    else:
        errors["source"] = "请选择数据来源"
    return item_ids, errors


def _state(indicator: Indicator) -> dict[str, Any]:
    return {
        "name": indicator.name,
        "unit": indicator.unit,
        "target_value": indicator.target_value,
        "order": indicator.order,
        "source": indicator.source,
        "target_pattern": indicator.target_pattern,
        "figure_id": indicator.figure_id,
    }


def _apply(indicator: Indicator, given: IndicatorInput) -> None:
    indicator.name = given.name.strip()
    indicator.unit = given.unit.strip()
    indicator.target_value = given.target_value
    indicator.order = given.order
    indicator.source = given.source
    by_targets = given.source == Source.TARGETS
    indicator.target_pattern = given.target_pattern.strip() if by_targets else ""
    indicator.figure_id = None if by_targets else given.figure_id


def _fail(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)


def _unique_name(exc: IntegrityError, name: str) -> ValidationFailed:
    message = f"本年度计划已有指标“{name}”"
    return ValidationFailed(message, {"name": message})


def create_indicator(programme: Programme, given: IndicatorInput, *, actor: Any) -> Indicator:
    """Add an indicator to the programme (the district's office only); audited."""
    permissions.require_office(actor, programme.jurisdiction_id)
    item_ids, errors = _validate(programme, given)
    _fail(errors)
    indicator = Indicator(programme=programme)
    _apply(indicator, given)
    try:
        with transaction.atomic():
            indicator.save()
            indicator.items.set(item_ids if indicator.source == Source.TARGETS else [])
            audit.record(
                actor=actor,
                action="reports.indicator_create",
                target=indicator,
                changes={k: [None, v] for k, v in _state(indicator).items()}
                | {"items": [None, item_ids]},
                jurisdiction_id=programme.jurisdiction_id,
            )
    except IntegrityError as exc:  # the same name, saved at the same moment
        raise _unique_name(exc, indicator.name) from exc
    return indicator


def update_indicator(
    indicator: Indicator, given: IndicatorInput, *, actor: Any, expected_version: int | None
) -> Indicator:
    """Change an indicator; ``expected_version`` the version the form was opened with (a
    change saved since is a ``StaleEdit``, 409)."""
    programme = indicator.programme
    permissions.require_office(actor, programme.jurisdiction_id)
    item_ids, errors = _validate(programme, given, exclude_pk=indicator.pk)
    _fail(errors)
    try:
        with transaction.atomic():
            locked = Indicator.objects.select_for_update().filter(pk=indicator.pk).first()
            if locked is None:
                raise NotFound("这个指标已被删除")
            if expected_version is not None and locked.version != expected_version:
                raise StaleEdit("这个指标已被他人修改，请看过当前内容后再保存")
            before = _state(locked)
            items_before = sorted(locked.items.values_list("pk", flat=True))
            _apply(locked, given)
            locked.version += 1
            locked.save()
            new_items = item_ids if locked.source == Source.TARGETS else []
            locked.items.set(new_items)
            changes = audit.diff(before, _state(locked))
            if items_before != new_items:
                changes["items"] = [items_before, new_items]
            audit.record(
                actor=actor,
                action="reports.indicator_update",
                target=locked,
                changes=changes,
                jurisdiction_id=programme.jurisdiction_id,
            )
    except IntegrityError as exc:
        raise _unique_name(exc, given.name.strip()) from exc
    return locked


def delete_indicator(indicator: Indicator, *, actor: Any, expected_version: int | None) -> None:
    """Remove an indicator (compiled versions keep their figures); audited."""
    programme = indicator.programme
    permissions.require_office(actor, programme.jurisdiction_id)
    with transaction.atomic():
        locked = Indicator.objects.select_for_update().filter(pk=indicator.pk).first()
        if locked is None:
            return  # already gone: what was asked holds
        if expected_version is not None and locked.version != expected_version:
            raise StaleEdit("这个指标已被他人修改，请刷新后再删除")
        audit.record(
            actor=actor,
            action="reports.indicator_delete",
            target=locked,
            changes={k: [v, None] for k, v in _state(locked).items()},
            jurisdiction_id=programme.jurisdiction_id,
        )
        locked.delete()


def office_programmes(user: Any) -> list[Programme]:
    """The programmes whose indicators the user may define (their district's office)."""
    scope = scope_for(user)
    qs = Programme.objects.select_related("jurisdiction").order_by("-year", "pk")
    if not scope.is_superuser:
        qs = qs.filter(jurisdiction_id__in=scope.office_covered_ids())
    return list(qs)


# --- the board's panel -----------------------------------------------------------------------


@dataclass(frozen=True)
class BoardValues:
    """The panel's figures: the week of ``as_of`` up to it, and cumulative as of it."""

    week_start: dt.date
    as_of: dt.date
    rows: list[Values]


def board_values(
    user: Any, programme: Programme, as_of: dt.date | None, *, today: dt.date | None = None
) -> BoardValues:
    """Values for the board's panel (anyone who may read the board)."""
    if not can_read_panel(user, programme):
        raise NotFound("计划不存在或无权查看")
    today = today or timezone.localdate()
    day = min(as_of or today, today)
    week_start = day - dt.timedelta(days=day.weekday())
    indicators = programme_indicators(programme)
    rows = values_of(programme, indicators, period_start=week_start, period_end=day, today=today)
    return BoardValues(week_start, day, rows)


def board_panel(user: Any, programme: Programme, as_of: dt.date | None) -> Panel | None:
    """The board's 数据统计 panel (``board.panels``): one query; none without indicators.
    The values load in a fragment (``reports:indicator_panel``) so the board stays fast."""
    names = list(
        Indicator.objects.filter(programme=programme)
        .order_by("order", "pk")
        .values_list("name", flat=True)
    )
    if not names:
        return None
    context = {
        "names": names,
        "as_of": as_of,
        "can_edit": permissions.is_office(user, programme.jurisdiction_id),
    }
    return Panel("reports/indicators_panel.html", context)
