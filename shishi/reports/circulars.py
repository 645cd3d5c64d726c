"""Circulars (通报) of a period: its lagging and overdue items and its late and missing units.

The items are the board's as of the period's end, taken from ``compiling.gather_report`` (the
same rows and the same order as the compiled report's 滞后事项: overdue first), split into
overdue (past their due date, not done) and lagging (behind the planned rate). The units are
the period's submissions that first reached the office after ``Period.due_at`` (late) or not
at all once the due time has passed (missing). With the office's text, the circular is written
as .docx and .xlsx (``documents.files.write_circular_files``) and kept as a
``CircularVersion`` with its data snapshot, as compiled reports keep ``ReportVersion``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django.utils import timezone

from shishi.board.schedule import ScheduleStatus
from shishi.board.selectors.common import board_rows
from shishi.core import audit, uploads
from shishi.core.errors import NotFound, StaleEdit, ValidationFailed
from shishi.ledger.models import Item
from shishi.reports import compiling, permissions, services
from shishi.reports.documents.data import CircularData, LateUnit
from shishi.reports.documents.files import write_circular_files
from shishi.reports.models import Circular, CircularVersion, Period, Submission

MAX_TEXT = 20_000


def circular_of(period: Period) -> Circular:
    """The period's circular (made, empty, on first use)."""
    circular, _ = Circular.objects.get_or_create(
        period=period, defaults={"jurisdiction_id": period.cycle.jurisdiction_id}
    )
    return circular


def access_version(user: Any, pk: int) -> CircularVersion:
    """A compiled circular, or NotFound (missing, or not the user's office)."""
    version = (
        CircularVersion.objects.select_related("circular__period__cycle").filter(pk=pk).first()
    )
    if version is None or not permissions.is_office(user, version.circular.jurisdiction_id):
        raise NotFound("没有找到这份通报")
    return version


def versions(circular: Circular) -> list[CircularVersion]:
    return list(circular.versions.select_related("created_by").order_by("-seq"))


def save_text(
    circular: Circular, text: str, *, actor: Any, expected_version: int | None
) -> Circular:
    """Keep the office's text (the next compilation writes it)."""
    permissions.require_office(actor, circular.jurisdiction_id)
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        message = f"通报正文最多{MAX_TEXT}个字"
        raise ValidationFailed(message, {"text": message})
    with uploads.atomic_with_files():
        locked = Circular.objects.select_for_update().get(pk=circular.pk)
        if expected_version is not None and locked.version != expected_version:
            raise StaleEdit("通报正文已被他人修改，请刷新后再改")
        before = locked.text
        locked.text = text
        locked.version += 1
        locked.save(update_fields=["text", "version", "updated_at"])
        audit.record(
            actor=actor,
            action="reports.edit_circular",
            target=locked,
            changes={"text": [before, text]},
            jurisdiction_id=locked.jurisdiction_id,
        )
    return locked


def _overdue_numbers(period: Period, today: dt.date) -> set[str]:
    """The numbers of the items overdue on the period's last day (the board as of then)."""
    cycle = period.cycle
    on = period.end if period.end < today else None
    ids = (
        board_rows(cycle.programme, on, today)
        .qs.filter(status=ScheduleStatus.OVERDUE.value)
        .values_list("item_id", flat=True)
    )
    return set(Item.objects.filter(pk__in=list(ids)).values_list("number", flat=True))


def late_units(period: Period, *, now: dt.datetime | None = None) -> list[LateUnit]:
    """The units late with this period's report, and (once it is due) those that sent none."""
    now = now or timezone.now()
    due = period.due_at
    out = []
    rows = (
        Submission.objects.filter(period=period)
        .order_by("unit__name")
        .values_list("unit__name", "first_submitted_at")
    )
    for unit, first in rows:
        if first is None and due <= now:
            out.append(LateUnit(unit=unit, due=due, submitted=None, note="截至编制时未报送"))
        elif first is not None and first > due:
            out.append(LateUnit(unit=unit, due=due, submitted=first))
    return sorted(out, key=lambda u: (not u.missing, u.unit))


def gather_circular(
    period: Period, *, text: str = "", today: dt.date | None = None
) -> CircularData:
    """The circular's data: the board's lagging and overdue items as of the period's end (as
    the compiled report lists them) and the period's late and missing units."""
    today = today or timezone.localdate()
    cycle = period.cycle
    report = compiling.gather_report(cycle, period, today=today)
    overdue_numbers = _overdue_numbers(period, today)
    overdue = [row for row in report.lagging if row.number in overdue_numbers]
    lagging = [row for row in report.lagging if row.number not in overdue_numbers]
    return CircularData(
        title=f"关于{period.label}为民办实事工作推进情况的通报",
        number=f"{cycle.name.removeprefix('为民办实事')}通报 {report.number}",
        issuer=report.issuer,
        date=today,
        period_label=period.label,
        text=text,
        lagging=lagging,
        overdue=overdue,
        late_units=late_units(period),
    )


def compile_circular(
    period: Period, *, actor: Any, today: dt.date | None = None
) -> CircularVersion:
    """Compile the period's circular now and keep it (its .docx, .xlsx and data) as a version."""
    cycle = period.cycle
    if actor is not None:
        permissions.require_office(actor, cycle.jurisdiction_id)
    circular = circular_of(period)
    data = gather_circular(period, text=circular.text, today=today)
    with tempfile.TemporaryDirectory() as folder:
        template = services.template_copy(period.cycle, Path(folder))
        docx_path, xlsx_path = write_circular_files(
            data, Path(folder) / "circular.docx", template=template
        )
        with uploads.atomic_with_files():
            locked = Circular.objects.select_for_update().get(pk=circular.pk)
            seq = services.next_seq(locked.versions.all())
            version = CircularVersion(
                circular=locked, seq=seq, data=data.to_dict(), created_by=actor
            )
            stem = f"circulars/{cycle.code}-{period.key}-v{seq}"
            services.keep_files(version, stem, docx_path, xlsx_path)
            audit.record(
                actor=actor,
                action="reports.compile_circular",
                target=version,
                changes={
                    "seq": [None, seq],
                    "period": [None, period.key],
                    "lagging": [None, len(data.lagging)],
                    "overdue": [None, len(data.overdue)],
                    "late_units": [None, len(data.late_units)],
                },
                jurisdiction_id=cycle.jurisdiction_id,
            )
    return version
