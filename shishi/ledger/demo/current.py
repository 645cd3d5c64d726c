"""This year's demo programmes: items entered by the office, then a year of progress posted
by the units (or by the office for units without a login) through ``record_progress``.

Each item has a *shape* — how it stands today against its planned rate (序时进度) — and its
history is drawn back from that: an update every two weeks from its start, rates following
the planned line, target actuals and investment in step, milestones ticked off as they are
passed. The shapes follow the board's rules (``board/schedule.py``: 10 points behind is
yellow, more than 30 or past the deadline is red, no update for 14 days is yellow), so the
board shows mostly green and yellow with a few reds whose progress text says why.

The updates of the last days (``RECENT_DAYS``; ``BACKLOG_DAYS`` for one item in four, so
that the queue has older entries too) by unit editors are returned, not posted:
``seed_demo`` posts them after the office has published the rest, so they wait in the
office's review queue.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shishi.ledger import services
from shishi.ledger.models import Item, Milestone, Programme
from shishi.ledger.services import MilestoneInput, TargetInput
from shishi.orgs import services as org_services
from shishi.orgs.models import Jurisdiction

RECENT_DAYS = 7  # unit updates this recent stay pending for the office's review
BACKLOG_DAYS = 21  # … and for one item in four, the office is behind with its review
REPORT_EVERY = 14  # days between two reports of an item
HUNDRED = Decimal(100)

# How an item stands today (see the module docstring).
DONE = "done"  # finished, on or before its deadline
ON = "on"  # on schedule (within a few points of the plan)
AHEAD = "ahead"  # 10+ points ahead of the plan
BEHIND = "behind"  # 12–24 points behind: yellow
LATE = "late"  # more than 30 points behind, stalled for weeks: red, with a reason
OVERDUE = "overdue"  # deadline passed, not finished: red, with a reason
ONGOING = "ongoing"  # 长期坚持: no planned rate, steady reports


@dataclass
class DemoItem:
    """One item of a demo programme, as the office enters it, and how it stands today."""

    category: str
    name: str
    lead: str
    leaders: tuple[str, ...]
    deadline: str  # as the office writes it; the programme's year is implied
    shape: str = ON
    content: str = ""
    measures: str = ""
    partners: tuple[str, ...] = ()
    start: str = "03-01"  # MM-DD of the programme year
    planned_wan: Decimal | None = None  # 万元
    targets: tuple[tuple[str, str, str], ...] = ()  # (name, value, unit)
    milestones: tuple[tuple[str, str, int | None], ...] = ()  # (title, "MM-DD", planned rate)
    steps: tuple[str, ...] = ()  # what the unit reports along the way, oldest first
    reason: str = ""  # why a red or yellow item is behind: its latest progress text
    final: str = ""  # the latest progress text of a finished item


@dataclass
class Report:
    """One progress update still to post."""

    day: dt.date
    rate: Decimal | None  # None: a partner unit's note
    text: str
    actuals: dict[str, Decimal] = field(default_factory=dict)
    invested: Decimal | None = None


@dataclass
class PendingUpdate:
    """A unit's recent update, posted by ``post_pending`` after the office has published."""

    item_id: int
    author: Any
    report: Report
    milestones: list[tuple[int, dt.date]] = field(default_factory=list)


GENERIC_STEPS = (
    "完成现场踏查和需求摸底，制定实施方案",
    "召开专题推进会，明确责任分工和时间节点",
    "完成前期手续，组织实施",
    "按计划推进，完成阶段性任务",
    "集中攻坚，加快推进进度",
    "主体任务基本完成，组织自查",
)
FILLERS = (
    "持续推进，完成本期计划任务",
    "召开调度会，协调解决推进中的问题",
    "按计划推进，现场督导检查",
    "加快推进，按周调度工作进展",
)
PARTNER_NOTES = (
    "已派员参加现场协调会，配合解决施工中的管线迁改问题。",
    "已完成职责范围内的配套审批手续，相关材料已报牵头单位。",
    "已组织人员入户宣传，配合做好居民解释工作。",
)
STALLED = "本期无新增进展。"


# --- the planned line ---------------------------------------------------------------------


def planned(
    start: dt.date, due: dt.date | None, knots: Sequence[tuple[dt.date, int]], on: dt.date
) -> Decimal | None:
    """The planned rate at ``on``: linear through (start, 0), the milestones' planned rates
    and (due, 100), as the board draws it (``board.schedule.planned_rate``)."""
    if due is None:
        return None
    points = sorted([(start, 0), *knots, (due, 100)])
    if on <= points[0][0]:
        return Decimal(0)
    top = 0
    prev_day, prev_rate = points[0]
    for day, rate in points[1:]:
        rate = max(rate, top)
        top = rate
        if on <= day:
            span = (day - prev_day).days or 1
            share = Decimal((on - prev_day).days) / Decimal(span)
            return Decimal(prev_rate) + (Decimal(rate) - Decimal(prev_rate)) * share
        prev_day, prev_rate = day, rate
    return HUNDRED


def _whole(value: Decimal) -> Decimal:
    return value.quantize(Decimal("1"), rounding=ROUND_HALF_UP)


# --- the history of one item --------------------------------------------------------------


def _final_rate(
    spec: DemoItem, plan_now: Decimal | None, due: dt.date | None, today: dt.date, n: int
) -> tuple[str, Decimal, dt.date]:
    """The shape that fits today (early in the year nobody is 30 points behind yet), the
    rate it ends at and the day of its latest report."""
    shape = spec.shape
    lag = dt.timedelta(days=n % 5)
    last = today - lag
    if plan_now is None:
        return ONGOING, Decimal(min(95, 40 + n * 7 % 50)), last
    if due is not None and due <= today and shape in (ON, AHEAD, BEHIND, LATE, DONE):
        # The deadline has passed: a finished item finished a little before it.
        return DONE, HUNDRED, min(due - dt.timedelta(days=3 + n % 9), last)
    if shape == OVERDUE and not (due is not None and due < today):
        shape = LATE
    if shape == DONE and plan_now >= 60:
        return DONE, HUNDRED, today - dt.timedelta(days=6 + n % 20)
    if shape == LATE and plan_now > 45:
        return LATE, _whole(plan_now - 33 - n % 9), last
    if shape == OVERDUE:
        return OVERDUE, Decimal(80 + n % 4 * 5), last
    if shape in (BEHIND, LATE) and plan_now > 20:
        return BEHIND, _whole(plan_now - 12 - n % 10), last
    if shape in (AHEAD, DONE) and plan_now < 88:
        return AHEAD, _whole(plan_now + 11 + n % 6), last
    # On the line or a little above it: a little below, and the pace of the last weeks would
    # forecast a missed deadline.
    return ON, min(Decimal(99), _whole(plan_now + n % 5)), last


def history(
    spec: DemoItem,
    *,
    start: dt.date,
    due: dt.date | None,
    knots: Sequence[tuple[dt.date, int]],
    targets: Sequence[tuple[str, Decimal]],
    planned_investment: Decimal | None,
    today: dt.date,
    n: int,
) -> tuple[str, list[Report]]:
    """The item's shape today and its reports, oldest first; rates never go down."""
    plan_now = planned(start, due, knots, today)
    shape, final, last = _final_rate(spec, plan_now, due, today, n)
    first = start + dt.timedelta(days=7 + n % 7)
    if first > last:
        return shape, []
    days = []
    day = first
    while day < last - dt.timedelta(days=REPORT_EVERY // 2):
        days.append(day)
        day += dt.timedelta(days=REPORT_EVERY)
    days.append(last)
    stall_from = last - dt.timedelta(days=42) if shape in (LATE, OVERDUE) else None
    # A stalled item reached its rate when it stalled; the others reach it at their last report.
    plan_last = planned(start, due, knots, stall_from or last) or Decimal(0)
    steps = spec.steps or GENERIC_STEPS
    reports: list[Report] = []
    previous = Decimal(0)
    last_step = -1
    for i, day in enumerate(days):
        if i == len(days) - 1:
            rate = final
        elif plan_now is None:  # 长期坚持: steady growth to where it stands
            rate = _whole(final * Decimal(i + 1) / Decimal(len(days)))
        else:
            reached = day if stall_from is None else min(day, stall_from)
            share = (planned(start, due, knots, reached) or Decimal(0)) / max(plan_last, Decimal(1))
            rate = _whole(min(final * share, final))
        rate = max(rate, previous, Decimal(2))
        if rate >= HUNDRED and i < len(days) - 1:
            rate = Decimal(99)
        stalled = stall_from is not None and day > stall_from and i < len(days) - 1
        if i == len(days) - 1 and shape in (LATE, OVERDUE, BEHIND) and spec.reason:
            text = spec.reason
        elif i == len(days) - 1 and shape == DONE:
            text = spec.final or "已全部完成，组织验收并整理佐证材料"
        elif stalled:
            text = STALLED + (spec.reason or "")
        else:
            step = min(len(steps) - 1, i * len(steps) // len(days))
            text = steps[step] if step != last_step else FILLERS[(n + i) % len(FILLERS)]
            last_step = step
        actuals = {name: _actual(value, rate) for name, value in targets}
        if actuals:
            text += "；" + "，".join(
                f"累计完成{name}{_number(actuals[name])}{unit}"
                for name, value, unit in _units(spec, targets)
            )
        text = text.rstrip("。；") + "。"
        invested = None
        if planned_investment is not None:
            invested = (planned_investment * rate / HUNDRED * Decimal("0.96")).quantize(
                Decimal("10000")
            )
        reports.append(Report(day, rate, text, actuals, invested))
        previous = rate
    return shape, reports


def _actual(value: Decimal, rate: Decimal) -> Decimal:
    if rate >= HUNDRED:
        return value
    exact = value * rate / HUNDRED
    # Counted things (个, 处, 人) are counted in whole numbers; lengths keep a decimal.
    whole = value == value.to_integral_value()
    return exact.quantize(Decimal("1") if whole else Decimal("0.1"), rounding=ROUND_HALF_UP)


def _number(value: Decimal) -> str:
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _units(
    spec: DemoItem, targets: Sequence[tuple[str, Decimal]]
) -> list[tuple[str, Decimal, str]]:
    units = {t[0]: t[2] for t in spec.targets}
    return [(name, value, units.get(name, "")) for name, value in targets]


# --- posting ------------------------------------------------------------------------------


_PHOTO: bytes | None = None


def evidence_photo(name: str) -> SimpleUploadedFile:
    """A small site photo (a plain JPEG) attached when an item reaches 100 %."""
    global _PHOTO
    if _PHOTO is None:
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (320, 240), (196, 210, 222)).save(buffer, "JPEG", quality=70)
        _PHOTO = buffer.getvalue()
    return SimpleUploadedFile(name, _PHOTO, content_type="image/jpeg")


def post(item_id: int, report: Report, *, author: Any) -> None:
    item = Item.objects.select_related("lead_unit").get(pk=item_id)
    if report.rate is None:
        services.record_progress(
            item, actor=author, text=report.text, reported_on=report.day, as_note=True
        )
        return
    by_name = {t.name: t.pk for t in item.targets.all()} if report.actuals else {}
    attachments = [evidence_photo(f"{item.number}-验收.jpg")] if report.rate >= HUNDRED else []
    services.record_progress(
        item,
        actor=author,
        text=report.text,
        rate=report.rate,
        reported_on=report.day,
        target_actuals={by_name[k]: v for k, v in report.actuals.items()} or None,
        done_investment=report.invested,
        attachments=attachments,
    )


def tick_milestones(milestones: list[tuple[int, dt.date]], *, author: Any) -> None:
    for milestone_id, done_on in milestones:
        milestone = Milestone.objects.select_related("item").get(pk=milestone_id)
        services.complete_milestone(milestone, actor=author, done_date=done_on)


def post_pending(pending: Sequence[PendingUpdate]) -> None:
    """The units' updates of the last days: posted now, they wait for the office's review."""
    for update in sorted(pending, key=lambda u: (u.report.day, u.item_id)):
        post(update.item_id, update.report, author=update.author)
        tick_milestones(update.milestones, author=update.author)


# --- a programme --------------------------------------------------------------------------


def seed_current_year(
    jurisdiction: Jurisdiction,
    items: Sequence[DemoItem],
    *,
    actor: Any,
    editors: Mapping[str, Any] | None = None,
    name: str | None = None,
) -> tuple[Programme, list[PendingUpdate]]:
    """This year's programme of ``jurisdiction`` with its items and their history.

    ``editors[unit name]`` is the unit editor who reports on the unit's items (else the
    office ``actor`` reports for it). Idempotent: an existing programme with items is left
    as it is (and nothing is pending).
    """
    editors = editors or {}
    today = timezone.localdate()
    year = today.year
    programme = services.ensure_programme(jurisdiction, year, actor=actor, name=name)
    if programme.items.exists():
        return programme, []
    categories: dict[str, Any] = {}
    created: list[tuple[int, DemoItem, Item]] = []
    for n, spec in enumerate(items, start=1):
        if spec.category not in categories:
            categories[spec.category] = services.ensure_category(
                programme, spec.category, actor=actor, order=len(categories) + 1
            )
        lead = org_services.ensure_unit(jurisdiction, spec.lead, kind="bureau", actor=actor)
        item = services.create_item(
            programme,
            actor=actor,
            number=str(n),
            seq=n,
            name=spec.name,
            category=categories[spec.category],
            lead_unit=lead,
            content=spec.content,
            measures=spec.measures,
            deadline_text=spec.deadline,
            start_date=dt.date.fromisoformat(f"{year}-{spec.start}"),
            sponsor_leaders=[org_services.ensure_person(jurisdiction, p) for p in spec.leaders],
            partner_units=[org_services.ensure_unit(jurisdiction, u) for u in spec.partners],
            planned_investment=spec.planned_wan * 10000 if spec.planned_wan else None,
            targets=[TargetInput(t[0], Decimal(t[1]), t[2]) for t in spec.targets],
            milestones=[
                MilestoneInput(
                    title,
                    dt.date.fromisoformat(f"{year}-{md}"),
                    planned_rate=Decimal(rate) if rate is not None else None,
                )
                for title, md, rate in spec.milestones
            ],
        )
        created.append((n, spec, item))

    # Reports in date order across the programme, as they came in over the year.
    queue: list[tuple[dt.date, int, Any, Report, list[tuple[int, dt.date]]]] = []
    pending: list[PendingUpdate] = []
    for n, spec, item in created:
        editor = editors.get(spec.lead)
        author = editor or actor
        milestones = list(item.milestones.order_by("due_date", "order"))
        knots = [(m.due_date, int(m.planned_rate)) for m in milestones if m.planned_rate]
        assert item.start_date is not None
        shape, reports = history(
            spec,
            start=item.start_date,
            due=None if item.is_ongoing else item.due_date,
            knots=knots,
            targets=[(t.name, t.value) for t in item.targets.all()],
            planned_investment=item.planned_investment,
            today=today,
            n=n,
        )
        ticks = _milestone_ticks(milestones, reports, item, shape)
        backlog = BACKLOG_DAYS if n % 4 == 0 else RECENT_DAYS
        unreviewed = today - dt.timedelta(days=backlog)
        for report in reports:
            done_now = [(pk, on) for pk, on, when in ticks if when == report.day]
            if editor is not None and report.day > unreviewed:
                pending.append(PendingUpdate(item.pk, editor, report, done_now))
            else:
                queue.append((report.day, item.pk, author, report, done_now))
        # A partner unit with a login adds a note half-way (kept internal, never published).
        for k, partner in enumerate(spec.partners):
            partner_editor = editors.get(partner)
            if partner_editor is not None and len(reports) > 2:
                day = reports[len(reports) // 2].day + dt.timedelta(days=1 + k)
                note = Report(day, None, PARTNER_NOTES[(n + k) % len(PARTNER_NOTES)])
                queue.append((day, item.pk, partner_editor, note, []))
    for _day, item_id, author, report, done_now in sorted(queue, key=lambda q: q[:2]):
        post(item_id, report, author=author)
        tick_milestones(done_now, author=author)
    return programme, pending


def _milestone_ticks(
    milestones: Sequence[Milestone], reports: Sequence[Report], item: Item, shape: str
) -> list[tuple[int, dt.date, dt.date]]:
    """Which milestones are done, on which day, reported with which update.

    A milestone is done with the first report on or after its date whose rate reaches its
    planned rate (or, without one, its share of the item's milestones); a red item's last
    milestone before today stays open.
    """
    out: list[tuple[int, dt.date, dt.date]] = []
    count = len(milestones)
    for index, milestone in enumerate(milestones):
        needed = (
            milestone.planned_rate
            if milestone.planned_rate is not None
            else HUNDRED * (index + 1) / count
        )
        for report in reports:
            reached = report.rate is not None and report.rate >= needed
            if reached and report.day >= milestone.due_date - dt.timedelta(days=10):
                done_on = min(report.day, milestone.due_date + dt.timedelta(days=index % 3 * 4))
                out.append((milestone.pk, done_on, report.day))
                break
    if shape in (LATE, OVERDUE) and out:
        out.pop()
    return out
