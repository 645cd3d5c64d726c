"""Every write of the working-day calendar: what an office does, checked, in one transaction,
audited (``core.audit.record``), and then seen by every process (``CalendarStamp``).

Who may do what is in ``workdays.permissions``; what the days mean in ``workdays.calendar``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from shishi.core import audit
from shishi.core.errors import NotFound, PermissionDenied, ValidationFailed
from shishi.orgs.models import Jurisdiction
from shishi.workdays import calendar, package, permissions
from shishi.workdays.importing import NAME_MAX, Problem, check_day, parse_schedule
from shishi.workdays.models import CalendarStamp, DayKind, LocalDay, ScheduleDay, ScheduleYear

MAX_RANGE_DAYS = 31
FIRST_YEAR, LAST_YEAR = 2000, 2100


class ImportRefused(ValidationFailed):
    """A schedule file with problems: nothing was written; ``problems`` names each one by
    row, column and reason."""

    def __init__(self, problems: list[Problem]) -> None:
        shown = "；".join(str(p) for p in problems[:5])
        more = f"（共{len(problems)}处）" if len(problems) > 5 else ""
        super().__init__(f"文件未导入：{shown}{more}", {"file": shown})
        self.problems = problems


def _changed() -> None:
    """Tell every process the calendar changed (inside the caller's transaction)."""
    token = uuid.uuid4().hex
    if not CalendarStamp.objects.filter(pk=1).update(token=token):  # made by a migration
        CalendarStamp.objects.update_or_create(pk=1, defaults={"token": token})
    calendar.clear_cache()
    transaction.on_commit(calendar.clear_cache)


def check_year(year: int) -> None:
    """Refuse a year outside the calendar's range (a form's, a URL's or a service's)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(f"年度应在{FIRST_YEAR}到{LAST_YEAR}之间", {"year": "年度不对"})


def _require_office(actor: Any, jurisdiction: Jurisdiction) -> None:
    if not permissions.can_manage_calendar(actor, jurisdiction):
        raise PermissionDenied("只有本辖区的专班可以管理工作日历")


def _days_json(days: Iterable[Any]) -> list[dict[str, str]]:
    return [
        {"date": d.date.isoformat(), "kind": str(d.kind), "name": d.name}
        for d in sorted(days, key=lambda d: d.date)
    ]


def _schedule(jurisdiction: Jurisdiction, year: int, *, seed: bool) -> ScheduleYear:
    """The entered schedule of the year, locked; made now if there is none, from the
    package's days when ``seed`` and the package knows the year (so that the office corrects
    the package rather than starting from nothing)."""
    found = (
        ScheduleYear.objects.select_for_update()
        .filter(jurisdiction=jurisdiction, year=year)
        .first()
    )
    if found is not None:
        return found
    schedule = ScheduleYear.objects.create(jurisdiction=jurisdiction, year=year)
    known = package.package_year(year) if seed else None
    if known is not None:
        ScheduleDay.objects.bulk_create(
            ScheduleDay(
                schedule=schedule,
                date=d,
                kind=DayKind.WORK if d in known.work else DayKind.OFF,
                name=known.names[d],
            )
            for d in sorted(known.off | known.work)
        )
    return schedule


def _dates(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def add_holiday(
    jurisdiction: Jurisdiction,
    year: int,
    *,
    actor: Any,
    name: str,
    first_day: dt.date,
    last_day: dt.date | None = None,
    workdays: Iterable[dt.date] = (),
    notice: str = "",
) -> ScheduleYear:
    """Enter one holiday of the State Council's schedule as its notice states it: the days
    off from ``first_day`` to ``last_day`` (weekends inside included) and its make-up working
    days (Saturdays or Sundays). All in ``year``, none already in the year's schedule; a year
    the package knows is copied from it first when the office starts entering it, so the
    entry replaces the package's year with the office's own."""
    permissions.require_schedule_right(actor, jurisdiction)
    check_year(year)
    name = (name or "").strip()
    last_day = last_day or first_day
    workdays = sorted(set(workdays))
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "请填写节日名称（如春节）"
    elif len(name) > NAME_MAX:
        errors["name"] = f"名称过长（不超过{NAME_MAX}字）"
    if first_day.year != year:
        errors["first_day"] = f"日期应在{year}年内"
    if last_day < first_day:
        errors["last_day"] = "结束日期不能早于开始日期"
    elif last_day.year != year:
        errors["last_day"] = f"日期应在{year}年内"
    elif (last_day - first_day).days >= MAX_RANGE_DAYS:
        errors["last_day"] = f"一个假期不超过{MAX_RANGE_DAYS}天"
    for day in workdays:
        reason = check_day(day, DayKind.WORK, year)
        if not reason and first_day <= day <= last_day:
            reason = f"{day.isoformat()}在放假期间内"
        if reason:
            errors["workdays"] = reason
            break
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)
    notice = (notice or "").strip()[:200]
    with transaction.atomic():
        schedule = _schedule(jurisdiction, year, seed=True)
        taken = dict(ScheduleDay.objects.filter(schedule=schedule).values_list("date", "name"))
        off_days = _dates(first_day, last_day)
        clash = [d for d in [*off_days, *workdays] if d in taken]
        if clash:
            shown = "、".join(f"{d.isoformat()}（{taken[d]}）" for d in clash[:5])
            field = "workdays" if clash[0] in workdays else "first_day"
            raise ValidationFailed(
                f"这些日期已录入：{shown}；请先删除再录入", {field: f"已录入：{shown}"}
            )
        new = [
            ScheduleDay(schedule=schedule, date=d, kind=DayKind.OFF, name=name) for d in off_days
        ]
        new += [
            ScheduleDay(schedule=schedule, date=d, kind=DayKind.WORK, name=name) for d in workdays
        ]
        ScheduleDay.objects.bulk_create(new)
        changes: dict[str, Any] = {"added": [None, _days_json(new)]}
        _record_schedule_change(schedule, changes, notice, actor, "workdays.add_holiday")
    return schedule


def remove_schedule_day(jurisdiction: Jurisdiction, year: int, day: dt.date, *, actor: Any) -> None:
    """Take one day out of the entered schedule of ``year`` (the year stays entered)."""
    permissions.require_schedule_right(actor, jurisdiction)
    with transaction.atomic():
        row = (
            ScheduleDay.objects.select_related("schedule")
            .filter(schedule__jurisdiction=jurisdiction, schedule__year=year, date=day)
            .first()
        )
        if row is None:
            raise NotFound(f"{year}年的录入中没有{day.isoformat()}")
        schedule = row.schedule
        before = _days_json([row])
        row.delete()
        audit.record(
            actor=actor,
            action="workdays.remove_day",
            target=schedule,
            changes={"removed": [before, None]},
            jurisdiction_id=jurisdiction.pk,
        )
        _changed()


def clear_schedule(jurisdiction: Jurisdiction, year: int, *, actor: Any) -> None:
    """Remove the office's entry of ``year``: the package's data (or weekends only) applies
    again."""
    permissions.require_schedule_right(actor, jurisdiction)
    with transaction.atomic():
        schedule = (
            ScheduleYear.objects.select_for_update()
            .filter(jurisdiction=jurisdiction, year=year)
            .first()
        )
        if schedule is None:
            raise NotFound(f"{year}年没有录入的放假安排")
        before = _days_json(schedule.days.all())
        audit.record(
            actor=actor,
            action="workdays.clear_schedule",
            target=schedule,
            changes={"days": [before, None], "notice": [schedule.notice, None]},
            jurisdiction_id=jurisdiction.pk,
        )
        schedule.delete()
        _changed()


def import_schedule(
    jurisdiction: Jurisdiction,
    year: int,
    data: bytes,
    filename: str,
    *,
    actor: Any,
    notice: str = "",
) -> ScheduleYear:
    """Replace the entered schedule of ``year`` with a sheet's days (format in
    ``workdays.importing``). All or nothing: a file with any bad row writes nothing and is
    refused with ``ImportRefused`` naming each row, column and reason."""
    permissions.require_schedule_right(actor, jurisdiction)
    check_year(year)
    parsed = parse_schedule(data, filename, year)
    if parsed.problems:
        raise ImportRefused(parsed.problems)
    notice = (notice or "").strip()[:200]
    with transaction.atomic():
        schedule = _schedule(jurisdiction, year, seed=False)
        old = list(schedule.days.all())
        ScheduleDay.objects.filter(schedule=schedule).delete()
        new = [
            ScheduleDay(schedule=schedule, date=r.date, kind=r.kind, name=r.name)
            for r in parsed.rows
        ]
        ScheduleDay.objects.bulk_create(new)
        changes: dict[str, Any] = {
            "days": [_days_json(old), _days_json(new)],
            "file": [None, filename[:200]],
        }
        _record_schedule_change(schedule, changes, notice, actor, "workdays.import_schedule")
    return schedule


def add_local_days(
    jurisdiction: Jurisdiction,
    *,
    actor: Any,
    kind: str,
    name: str,
    first_day: dt.date,
    last_day: dt.date | None = None,
) -> list[LocalDay]:
    """Add the jurisdiction's own days off (``off``) or duty days (``work``) from
    ``first_day`` to ``last_day``; they win over the national calendar there (and, for a
    city, in its districts unless a district has its own day on that date)."""
    _require_office(actor, jurisdiction)
    name = (name or "").strip()
    last_day = last_day or first_day
    errors: dict[str, str] = {}
    if kind not in DayKind.values:
        errors["kind"] = "请选择放假或上班"
    if not name:
        errors["name"] = "请填写事由"
    elif len(name) > NAME_MAX:
        errors["name"] = f"事由过长（不超过{NAME_MAX}字）"
    if last_day < first_day:
        errors["last_day"] = "结束日期不能早于开始日期"
    elif (last_day - first_day).days >= MAX_RANGE_DAYS:
        errors["last_day"] = f"一次不超过{MAX_RANGE_DAYS}天"
    elif not FIRST_YEAR <= first_day.year <= last_day.year <= LAST_YEAR:
        errors["first_day"] = f"日期应在{FIRST_YEAR}到{LAST_YEAR}年之间"
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)
    days = _dates(first_day, last_day)
    with transaction.atomic():
        taken = dict(
            LocalDay.objects.select_for_update()
            .filter(jurisdiction=jurisdiction, date__in=days)
            .values_list("date", "name")
        )
        if taken:
            shown = "、".join(f"{d.isoformat()}（{n}）" for d, n in sorted(taken.items())[:5])
            raise ValidationFailed(
                f"这些日期已有本地安排：{shown}；请先删除再添加", {"first_day": f"已有：{shown}"}
            )
        new = LocalDay.objects.bulk_create(
            LocalDay(jurisdiction=jurisdiction, date=d, kind=kind, name=name) for d in days
        )
        audit.record(
            actor=actor,
            action="workdays.add_local_days",
            target=jurisdiction,
            changes={"local_days": [None, _days_json(new)]},
            jurisdiction_id=jurisdiction.pk,
        )
        _changed()
    return new


def remove_local_day(jurisdiction: Jurisdiction, day: dt.date, *, actor: Any) -> None:
    """Remove one of the jurisdiction's local days: the national calendar applies again."""
    _require_office(actor, jurisdiction)
    with transaction.atomic():
        row = LocalDay.objects.filter(jurisdiction=jurisdiction, date=day).first()
        if row is None:
            raise NotFound(f"{day.isoformat()}没有本地安排")
        before = _days_json([row])
        row.delete()
        audit.record(
            actor=actor,
            action="workdays.remove_local_day",
            target=jurisdiction,
            changes={"local_days": [before, None]},
            jurisdiction_id=jurisdiction.pk,
        )
        _changed()


def _record_schedule_change(
    schedule: ScheduleYear, changes: dict[str, Any], notice: str, actor: Any, action: str
) -> None:
    """The notice number (when given and new), the audit event, the caches told."""
    if notice and notice != schedule.notice:
        changes["notice"] = [schedule.notice, notice]
        schedule.notice = notice
        schedule.save(update_fields=["notice", "updated_at"])
    audit.record(
        actor=actor,
        action=action,
        target=schedule,
        changes=changes,
        jurisdiction_id=schedule.jurisdiction_id,
    )
    _changed()
