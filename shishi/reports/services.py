"""Every write of feedback cycles, periods and submissions (see ``reports.models``)."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from shishi.core import audit, bulk, uploads
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.ledger.models import Item, Lifecycle, Programme, Target
from shishi.ledger.services import record_progress
from shishi.orgs.models import Unit
from shishi.reports import compiling, permissions
from shishi.reports import periods as period_rules
from shishi.reports.documents import docx
from shishi.reports.documents.files import write_report_files
from shishi.reports.models import (
    CompiledReport,
    Cycle,
    CycleFigure,
    CycleSection,
    Period,
    ReportVersion,
    Submission,
    SubmissionFigure,
    SubmissionItem,
    SubmissionSection,
)

Status = Submission.Status


def due_rule(cycle: Cycle) -> period_rules.DueRule:
    weekday = cycle.due_weekday if cycle.cadence == period_rules.Cadence.WEEKLY else None
    return period_rules.DueRule(weekday=weekday, workdays=cycle.due_workdays, at=cycle.due_time)


def period_for(cycle: Cycle, key: str) -> period_rules.Period:
    """The cycle's period written ``key`` (``PeriodError``, for the user, when it has none)."""
    period = period_rules.parse_period(key, period_rules.Cadence(cycle.cadence))
    if (
        cycle.cadence == period_rules.Cadence.ONCE
        and cycle.once_on
        and period.start != cycle.once_on
    ):
        raise period_rules.PeriodError(f"一次性报送“{cycle.name}”只有{cycle.once_on:%Y-%m-%d}一期")
    return period


# --- opening a period ------------------------------------------------------------------------


@dataclass
class Opened:
    period: Period
    created: int  # submissions opened by this call


def open_period(cycle: Cycle, key: str, *, actor: Any = None) -> Opened:
    """Open the cycle's period ``key``: the period row (its dates and due time fixed now) and
    one submission per unit of the cycle that has none yet, prefilled from the unit's items
    and its last submission. Idempotent: a second call opens only units added since.

    ``actor`` None is the scheduler; a person must be the district's office."""
    if actor is not None:
        permissions.require_office(actor, cycle.jurisdiction_id)
    try:
        rule = period_for(cycle, key)
    except period_rules.PeriodError as exc:
        raise ValidationFailed(str(exc), {"period": str(exc)}) from exc
    due = period_rules.due_at(rule, due_rule(cycle), jurisdiction=cycle.jurisdiction_id)
    with transaction.atomic():
        period, made = Period.objects.get_or_create(
            cycle=cycle,
            key=rule.key,
            defaults={
                "label": rule.label,
                "start": rule.start,
                "end": rule.end,
                "due_at": due,
            },
        )
        unit_ids = set(cycle.units.values_list("pk", flat=True))
        have = set(period.submissions.values_list("unit_id", flat=True))
        missing = sorted(unit_ids - have)
        created = _open_submissions(cycle, period, missing) if missing else 0
        if made or created:
            audit.record(
                actor=actor,
                action="reports.open_period",
                target=period,
                changes={"key": [None, period.key], "submissions": [None, created]},
                jurisdiction_id=cycle.jurisdiction_id,
            )
    return Opened(period, created)


def _previous_submissions(cycle: Cycle, period: Period, unit_ids: Sequence[int]) -> dict[int, int]:
    """unit id → its latest submission of an earlier period of the cycle."""
    rows = (
        Submission.objects.filter(
            period__cycle=cycle, period__start__lt=period.start, unit_id__in=unit_ids
        )
        .order_by("unit_id", "-period__start")
        .values_list("unit_id", "pk")
    )
    latest: dict[int, int] = {}
    for unit_id, pk in rows:
        latest.setdefault(unit_id, pk)
    return latest


def _open_submissions(cycle: Cycle, period: Period, unit_ids: Sequence[int]) -> int:
    previous = _previous_submissions(cycle, period, unit_ids)
    last_text = dict(
        SubmissionItem.objects.filter(submission_id__in=previous.values()).values_list(
            "item_id", "text"
        )
    )
    last_sections = {
        (sub_id, section_id): text
        for sub_id, section_id, text in SubmissionSection.objects.filter(
            submission_id__in=previous.values()
        ).values_list("submission_id", "section_id", "text")
    }
    # Written with the project's bulk writer (``core.bulk``): Django's bulk_create spends
    # most of the time of 1,000 units' 10,000 rows compiling SQL.
    now = timezone.now()
    sub_ids = bulk.reserve_ids(Submission, len(unit_ids))
    by_unit = dict(zip(unit_ids, sub_ids, strict=True))
    bulk.insert_many(
        Submission,
        ("id", "jurisdiction_id", "period_id", "unit_id", "created_at", "updated_at"),
        ((by_unit[u], cycle.jurisdiction_id, period.pk, u, now, now) for u in unit_ids),
    )
    if cycle.asks_items:
        items = (
            Item.objects.filter(programme_id=cycle.programme_id, lead_unit_id__in=unit_ids)
            .exclude(lifecycle=Lifecycle.CLOSED_OUT)
            .order_by("lead_unit_id", "seq", "number")
            .values_list("pk", "lead_unit_id", "completion_rate", "progress_text")
        )
        actuals: dict[int, dict[str, str]] = {}
        targets = Target.objects.filter(
            item__programme_id=cycle.programme_id,
            item__lead_unit_id__in=unit_ids,
            actual__isnull=False,
        ).values_list("item_id", "pk", "actual")
        for item_id, target_id, actual in targets:
            actuals.setdefault(item_id, {})[str(target_id)] = str(actual)
        rows = []
        for item_id, unit_id, rate, text in items:
            text = last_text.get(item_id, text or "")
            given = actuals.get(item_id, {})
            rows.append((by_unit[unit_id], item_id, rate, text, given, rate, text, given))
        bulk.insert_many(
            SubmissionItem,
            ("submission_id", "item_id", "rate", "text", "target_actuals", "base_rate",
             "base_text", "base_actuals"),
            rows,
        )  # fmt: skip
    sections = list(cycle.sections.values_list("pk", flat=True))
    bulk.insert_many(
        SubmissionSection,
        ("submission_id", "section_id", "text"),
        (
            (sub_id, section_id, last_sections.get((previous.get(unit_id, 0), section_id), ""))
            for unit_id, sub_id in by_unit.items()
            for section_id in sections
        ),
    )
    figures = list(cycle.figures.values_list("pk", flat=True))
    bulk.insert_many(
        SubmissionFigure,
        ("submission_id", "figure_id"),
        ((sub_id, f) for sub_id in sub_ids for f in figures),
    )
    return len(sub_ids)


# --- drafting ----------------------------------------------------------------------------------


@dataclass
class RowInput:
    rate: Decimal | None
    text: str
    target_actuals: dict[str, str] = field(default_factory=dict)
    reason: str = ""


@dataclass
class Draft:
    rows: Mapping[int, RowInput] = field(default_factory=dict)  # item id → what was typed
    sections: Mapping[int, str] = field(default_factory=dict)  # section id → text
    figures: Mapping[int, Decimal | None] = field(default_factory=dict)  # figure id → value


def _lock(submission: Submission, expected_version: int | None) -> Submission:
    locked = (
        Submission.objects.select_for_update().select_related("period__cycle").get(pk=submission.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit("这份报送已被他人修改，请刷新后再改")
    return locked


def _bump(submission: Submission, **changes: Any) -> None:
    for name, value in changes.items():
        setattr(submission, name, value)
    submission.version += 1
    submission.save(update_fields=[*changes, "version", "updated_at"])


def save_draft(
    submission: Submission, draft: Draft, *, actor: Any, expected_version: int | None
) -> Submission:
    """Keep what the unit typed (nothing reaches the items until it is submitted)."""
    if not permissions.can_draft(actor, submission):
        raise PermissionDenied("这份报送已报送或不属于你的单位，不能修改")
    errors: dict[str, str] = {}
    for item_id, typed in draft.rows.items():
        if typed.rate is not None and not Decimal(0) <= typed.rate <= Decimal(100):
            errors[f"rows-{item_id}-rate"] = "完成率应在0到100之间"
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    with transaction.atomic():
        locked = _lock(submission, expected_version)
        if not permissions.can_draft(actor, locked):
            raise PermissionDenied("这份报送已报送，不能修改")
        rows = {r.item_id: r for r in locked.rows.all()}
        changed_rows = []
        for item_id, given in draft.rows.items():
            row = rows.get(item_id)
            if row is None:
                continue
            row.rate, row.text = given.rate, given.text.strip()
            row.target_actuals, row.reason = dict(given.target_actuals), given.reason.strip()
            changed_rows.append(row)
        SubmissionItem.objects.bulk_update(
            changed_rows, ["rate", "text", "target_actuals", "reason"], batch_size=1000
        )
        sections = [
            SubmissionSection(pk=pk, text=draft.sections[section_id].strip())
            for pk, section_id in locked.sections.values_list("pk", "section_id")
            if section_id in draft.sections
        ]
        SubmissionSection.objects.bulk_update(sections, ["text"])
        figures = [
            SubmissionFigure(pk=pk, value=draft.figures[figure_id])
            for pk, figure_id in locked.figures.values_list("pk", "figure_id")
            if figure_id in draft.figures
        ]
        SubmissionFigure.objects.bulk_update(figures, ["value"])
        _bump(locked)
    return locked


# --- submitting, signing off, returning ---------------------------------------------------------


def submit(
    submission: Submission,
    *,
    actor: Any,
    expected_version: int | None,
    files: Mapping[int, Sequence[UploadedFile]] | None = None,
    now: dt.datetime | None = None,
) -> Submission:
    """The unit sends its report on: to its head for sign-off when the cycle asks for it and
    the sender is no head, else to the office (the item rows are posted then)."""
    if not permissions.can_draft(actor, submission):
        raise PermissionDenied("这份报送已报送或不属于你的单位")
    with transaction.atomic():
        locked = _lock(submission, expected_version)
        cycle = locked.period.cycle
        if locked.status == Status.AWAITING_SIGN_OFF and not permissions.can_sign_off(
            actor, locked
        ):
            raise ValidationFailed("已提交单位负责人审核，等待审核报送")
        if cycle.needs_sign_off and not permissions.can_sign_off(actor, locked):
            _bump(locked, status=Status.AWAITING_SIGN_OFF)
            audit.record(
                actor=actor,
                action="reports.submit_for_sign_off",
                target=locked,
                changes={"status": [submission.status, Status.AWAITING_SIGN_OFF]},
                jurisdiction_id=locked.jurisdiction_id,
            )
            return locked
        return _send_to_office(locked, actor=actor, files=files or {}, now=now)


def sign_off(
    submission: Submission,
    *,
    actor: Any,
    expected_version: int | None,
    files: Mapping[int, Sequence[UploadedFile]] | None = None,
    now: dt.datetime | None = None,
) -> Submission:
    """The unit's head approves the report and it goes to the office (审核后报送)."""
    if not permissions.can_sign_off(actor, submission):
        raise PermissionDenied("只有单位负责人可以审核报送")
    with transaction.atomic():
        locked = _lock(submission, expected_version)
        if locked.status == Status.SUBMITTED:
            raise ValidationFailed("这份报送已报送")
        return _send_to_office(locked, actor=actor, files=files or {}, now=now)


def _send_to_office(
    locked: Submission,
    *,
    actor: Any,
    files: Mapping[int, Sequence[UploadedFile]],
    now: dt.datetime | None,
) -> Submission:
    now = now or timezone.now()
    posted = _post_rows(locked, actor=actor, files=files, day=timezone.localdate(now))
    before = locked.status
    changes: dict[str, Any] = {
        "status": Status.SUBMITTED,
        "submitted_at": now,
        "submitted_by": actor,
        "signed_off_by": actor if permissions.can_sign_off(actor, locked) else None,
    }
    if locked.first_submitted_at is None:
        changes["first_submitted_at"] = now
    _bump(locked, **changes)
    audit.record(
        actor=actor,
        action="reports.submit",
        target=locked,
        changes={
            "status": [before, Status.SUBMITTED],
            "late": [None, locked.is_late],
            "items_posted": [None, posted],
        },
        jurisdiction_id=locked.jurisdiction_id,
    )
    return locked


def _post_rows(
    locked: Submission,
    *,
    actor: Any,
    files: Mapping[int, Sequence[UploadedFile]],
    day: dt.date,
) -> int:
    """Post each changed row through the ledger's ``record_progress`` (its rules, its audit
    events); all or nothing, naming the rows that fail."""
    rows = list(locked.rows.select_related("item").order_by("id"))
    errors: dict[str, str] = {}
    posted = 0
    for row in rows:
        if not row.changed and not files.get(row.item_id):
            continue
        item = row.item
        rate = row.rate if row.rate != item.completion_rate else None
        actuals = {int(k): Decimal(str(v)) for k, v in row.target_actuals.items() if v != ""}
        try:
            with transaction.atomic():
                update = record_progress(
                    item,
                    actor=actor,
                    text=row.text,
                    rate=rate,
                    reported_on=day,
                    target_actuals=actuals or None,
                    attachments=files.get(row.item_id, ()),
                    reason=row.reason,
                )
        except ValidationFailed as exc:
            for name, message in (exc.errors or {"text": str(exc)}).items():
                field_name = name.replace("target_", "target-")  # the form's row field
                errors[f"rows-{row.item_id}-{field_name}"] = f"{item.number} {item.name}：{message}"
            continue
        row.update = update
        row.base_rate = row.rate if row.rate is not None else row.base_rate
        row.base_text, row.base_actuals = row.text, dict(row.target_actuals)
        posted += 1
    if errors:
        raise ValidationFailed(
            "有事项未能报送，请改正后再报送：" + "；".join(errors.values()), errors
        )
    SubmissionItem.objects.bulk_update(
        [r for r in rows if r.update_id], ["update", "base_rate", "base_text", "base_actuals"]
    )
    return posted


def return_submission(
    submission: Submission, *, actor: Any, comment: str, expected_version: int | None
) -> Submission:
    """Send the report back with a comment: the office returns a submitted report
    (退回修改), the unit's head a report awaiting sign-off. The unit's text is kept."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed("请填写退回意见", {"comment": "请填写退回意见"})
    with transaction.atomic():
        locked = _lock(submission, expected_version)
        by_office = locked.status == Status.SUBMITTED and permissions.is_office(
            actor, locked.jurisdiction_id
        )
        by_head = locked.status == Status.AWAITING_SIGN_OFF and permissions.can_sign_off(
            actor, locked
        )
        if not (by_office or by_head):
            raise PermissionDenied("只能退回已报送的报送（专班）或待审核的报送（单位负责人）")
        before = locked.status
        _bump(locked, status=Status.RETURNED, return_comment=comment, returned_at=timezone.now())
        audit.record(
            actor=actor,
            action="reports.return",
            target=locked,
            changes={"status": [before, Status.RETURNED], "comment": [None, comment]},
            jurisdiction_id=locked.jurisdiction_id,
        )
    return locked


# --- compiled reports ------------------------------------------------------------------------


def template_copy(cycle: Cycle, folder: Path) -> Path | None:
    """The cycle's Word template copied into ``folder`` (storage need not be a file system),
    or None when it has none: the documents then follow GB/T 9704."""
    if not cycle.docx_template:
        return None
    target = folder / ("template" + Path(cycle.docx_template.name).suffix.lower())
    with cycle.docx_template.open("rb") as source:
        target.write_bytes(source.read())
    return target


def report_of(period: Period) -> CompiledReport:
    """The period's compiled report (made, empty, on first use)."""
    report, _ = CompiledReport.objects.get_or_create(
        period=period, defaults={"jurisdiction_id": period.cycle.jurisdiction_id}
    )
    return report


def save_office_texts(
    report: CompiledReport, texts: Mapping[str, str], *, actor: Any, expected_version: int | None
) -> CompiledReport:
    """Keep the office's introduction and section texts (a recompilation keeps them)."""
    permissions.require_office(actor, report.jurisdiction_id)
    with transaction.atomic():
        locked = CompiledReport.objects.select_for_update().get(pk=report.pk)
        if expected_version is not None and locked.version != expected_version:
            raise StaleEdit("报告内容已被他人修改，请刷新后再改")
        before = dict(locked.office_texts)
        locked.office_texts = {k: v.strip() for k, v in texts.items() if v.strip()}
        locked.version += 1
        locked.save(update_fields=["office_texts", "version", "updated_at"])
        audit.record(
            actor=actor,
            action="reports.edit_report",
            target=locked,
            changes={"office_texts": [before, locked.office_texts]},
            jurisdiction_id=locked.jurisdiction_id,
        )
    return locked


def next_seq(versions: Any) -> int:
    """The next version number of a compiled document (its parent row locked by the caller)."""
    return int(versions.aggregate(m=Max("seq"))["m"] or 0) + 1


def keep_files(version: Any, stem: str, docx_path: Path, xlsx_path: Path) -> None:
    """Store a compiled document's .docx and .xlsx as ``stem``.docx/.xlsx on ``version`` and
    save it, inside the caller's ``uploads.atomic_with_files`` (a rollback removes them)."""
    with docx_path.open("rb") as docx_file, xlsx_path.open("rb") as xlsx_file:
        version.docx.name = uploads.store(f"{stem}.docx", File(docx_file), max_length=200)
        version.xlsx.name = uploads.store(f"{stem}.xlsx", File(xlsx_file), max_length=200)
    version.save()


def compile_report(period: Period, *, actor: Any, today: dt.date | None = None) -> ReportVersion:
    """Compile the period's report now: gather the figures (as of the period's end), write
    the .docx and its .xlsx annex, keep both with the data snapshot as a new version."""
    cycle = period.cycle
    if actor is not None:
        permissions.require_office(actor, cycle.jurisdiction_id)
    report = report_of(period)
    data = compiling.gather_report(cycle, period, office_texts=report.office_texts, today=today)
    with tempfile.TemporaryDirectory() as folder:
        template = template_copy(cycle, Path(folder))
        docx_path, xlsx_path = write_report_files(
            data, Path(folder) / "report.docx", template=template
        )
        with uploads.atomic_with_files():
            locked = CompiledReport.objects.select_for_update().get(pk=report.pk)
            seq = next_seq(locked.versions.all())
            version = ReportVersion(report=locked, seq=seq, data=data.to_dict(), created_by=actor)
            keep_files(version, f"reports/{cycle.code}-{period.key}-v{seq}", docx_path, xlsx_path)
            audit.record(
                actor=actor,
                action="reports.compile",
                target=version,
                changes={"seq": [None, seq], "period": [None, period.key]},
                jurisdiction_id=cycle.jurisdiction_id,
            )
    return version


# --- defining cycles -----------------------------------------------------------------------


@dataclass
class CycleInput:
    """What the office fills in to define a cycle (or an ad-hoc one-off request)."""

    programme_id: int
    code: str
    name: str
    cadence: str
    due_time: dt.time
    unit_ids: list[int]
    due_weekday: int | None = None
    due_workdays: int = 0
    once_on: dt.date | None = None
    asks_items: bool = True
    needs_sign_off: bool = True
    instructions: str = ""
    remind_before_hours: str = "24,2"
    remind_after_workdays: str = "1,2,3"
    is_active: bool = True
    sections: list[str] = field(default_factory=list)  # titles, in order
    figures: list[tuple[str, str]] = field(default_factory=list)  # (name, unit), in order
    template: UploadedFile | None = None  # the office's Word template (.docx or .dotx)
    clear_template: bool = False


def _numbers_list(text: str, name: str, errors: dict[str, str]) -> str:
    parts = [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        errors[name] = "请填写以逗号分隔的数字，如 24,2"
        return text
    if any(v < 0 for v in values) or len(values) > 10:
        errors[name] = "请填写不超过10个非负数"
    return ",".join(parts)


def _check_cycle(jurisdiction_id: int, data: CycleInput, cycle: Cycle | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = "请填写名称"
    clash = Cycle.objects.filter(jurisdiction_id=jurisdiction_id, code=data.code)
    if cycle is not None:
        clash = clash.exclude(pk=cycle.pk)
    if clash.exists():
        errors["code"] = f"代码“{data.code}”已被本区其他反馈机制使用"
    if data.cadence not in period_rules.Cadence.__members__.values():
        errors["cadence"] = "请选择周期"
    if data.cadence == period_rules.Cadence.WEEKLY and data.due_weekday is None:
        errors["due_weekday"] = "按周报送请选择每周报送日"
    if data.cadence == period_rules.Cadence.ONCE and data.once_on is None:
        errors["once_on"] = "一次性报送请填写报送日期"
    if not data.unit_ids:
        errors["units"] = "请选择报送单位"
    if Programme.objects.filter(pk=data.programme_id, jurisdiction_id=jurisdiction_id).count() != 1:
        errors["programme"] = "请选择本区的实事项目计划"
    data.remind_before_hours = _numbers_list(
        data.remind_before_hours, "remind_before_hours", errors
    )
    data.remind_after_workdays = _numbers_list(
        data.remind_after_workdays, "remind_after_workdays", errors
    )
    titles = [t.strip() for t in data.sections if t.strip()]
    if len(set(titles)) != len(titles):
        errors["sections"] = "栏目名称不能重复"
    if any(len(t) > 100 for t in titles):
        errors["sections"] = "栏目名称最多100个字"
    if any(len(n) > 100 or len(u) > 20 for n, u in data.figures):
        errors["figures"] = "数据项名称最多100个字，计量单位最多20个字"
    if data.template is not None:
        message = _template_problem(data.template)
        if message:
            errors["template"] = message
    return errors


def _template_problem(upload: UploadedFile) -> str:
    """Why an uploaded file cannot be the cycle's Word template, or ''."""
    name = upload.name or ""
    if Path(name).suffix.lower() not in (".docx", ".dotx"):
        return "模板应是Word文档（.docx或.dotx）"
    limit = settings.SHISHI_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        return f"模板不能超过 {limit // (1024 * 1024)} MB"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("template" + Path(name).suffix.lower())
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        upload.seek(0)
        try:
            docx.check_template(path)
        except docx.DocumentError as exc:
            return str(exc)
    return ""


def save_cycle(
    jurisdiction_id: int,
    data: CycleInput,
    *,
    actor: Any,
    cycle: Cycle | None = None,
    expected_version: int | None = None,
) -> Cycle:
    """Define a cycle, or change one: its cadence and due rule apply to periods opened from
    now on (an opened period keeps its due time); sections and figures that already hold
    answers are kept (removing them is refused)."""
    permissions.require_office(actor, jurisdiction_id)
    errors = _check_cycle(jurisdiction_id, data, cycle)
    unit_ids = set(
        Unit.objects.filter(jurisdiction_id=jurisdiction_id, pk__in=data.unit_ids).values_list(
            "pk", flat=True
        )
    )
    if set(data.unit_ids) - unit_ids:
        errors["units"] = "报送单位须是本区的单位"
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    fields = {
        "programme_id": data.programme_id,
        "code": data.code,
        "name": data.name.strip(),
        "cadence": data.cadence,
        "due_weekday": data.due_weekday if data.cadence == period_rules.Cadence.WEEKLY else None,
        "due_workdays": data.due_workdays,
        "due_time": data.due_time,
        "once_on": data.once_on if data.cadence == period_rules.Cadence.ONCE else None,
        "asks_items": data.asks_items,
        "needs_sign_off": data.needs_sign_off,
        "instructions": data.instructions.strip(),
        "remind_before_hours": data.remind_before_hours,
        "remind_after_workdays": data.remind_after_workdays,
        "is_active": data.is_active,
    }
    with uploads.atomic_with_files():
        if cycle is None:
            saved = Cycle.objects.create(jurisdiction_id=jurisdiction_id, **fields)
            before: dict[str, Any] = {}
        else:
            saved = Cycle.objects.select_for_update().get(pk=cycle.pk)
            if expected_version is not None and saved.version != expected_version:
                raise StaleEdit("这个反馈机制已被他人修改，请刷新后再改")
            before = {name: getattr(saved, name) for name in fields}
            for name, value in fields.items():
                setattr(saved, name, value)
            saved.version += 1
            saved.save()
        if data.template is not None:
            saved.docx_template.name = uploads.store(
                f"reports/templates/{saved.code}{Path(data.template.name or '').suffix.lower()}",
                data.template,
                max_length=200,
            )
            saved.save(update_fields=["docx_template"])
        elif data.clear_template and saved.docx_template:
            saved.docx_template = ""
            saved.save(update_fields=["docx_template"])
        saved.units.set(unit_ids)
        _sync_sections(saved, [t.strip() for t in data.sections if t.strip()])
        _sync_figures(saved, [(n.strip(), u.strip()) for n, u in data.figures if n.strip()])
        changes = {
            name: [audit.jsonable(before.get(name)), audit.jsonable(value)]
            for name, value in fields.items()
            if before.get(name) != value
        }
        audit.record(
            actor=actor,
            action="reports.define_cycle" if cycle is None else "reports.change_cycle",
            target=saved,
            changes={
                **changes,
                "units": [None, len(unit_ids)],
                "template": [None, saved.docx_template.name or ""],
            },
            jurisdiction_id=jurisdiction_id,
        )
    return saved


def _sync_sections(cycle: Cycle, titles: list[str]) -> None:
    existing = {s.title: s for s in cycle.sections.all()}
    for gone in set(existing) - set(titles):
        if SubmissionSection.objects.filter(section=existing[gone]).exclude(text="").exists():
            raise ValidationFailed(
                f"栏目“{gone}”已有单位报送的内容，不能删除", {"sections": f"不能删除“{gone}”"}
            )
        existing[gone].delete()
    for order, title in enumerate(titles, start=1):
        section = existing.get(title) or CycleSection(cycle=cycle, title=title)
        section.order = order
        section.save()


def _sync_figures(cycle: Cycle, figures: list[tuple[str, str]]) -> None:
    existing = {f.name: f for f in cycle.figures.all()}
    names = [n for n, _u in figures]
    for gone in set(existing) - set(names):
        if SubmissionFigure.objects.filter(figure=existing[gone], value__isnull=False).exists():
            raise ValidationFailed(
                f"数据项“{gone}”已有单位报送的数值，不能删除", {"figures": f"不能删除“{gone}”"}
            )
        existing[gone].delete()
    for order, (name, unit) in enumerate(figures, start=1):
        figure = existing.get(name) or CycleFigure(cycle=cycle, name=name)
        figure.order, figure.unit_label = order, unit
        figure.save()
