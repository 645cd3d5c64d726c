"""The import wizard's batches: preview and import now, or in the background with progress.

An uploaded sheet is measured from its XML first (``reading.measure``: zip bombs, absurd
extents and sheets over ``SHISHI_IMPORT_MAX_ROWS`` are refused at once, in well under a
second). A sheet of at most ``SHISHI_IMPORT_BACKGROUND_ROWS`` rows is then previewed and,
once confirmed, imported within the request, as before. A larger one is previewed and
imported by background tasks (``ledger.tasks``): the batch is ``planning`` or ``applying``
meanwhile and counts the rows read, validated and written, which the preview page shows as
a progress bar; the office may cancel it.

Whatever the size, nothing is written until the end: the import is one transaction
(``import_services.apply_import``), and a cancelled or failed run leaves the ledger as it
was. The preview keeps a bounded summary on the batch (``preview_summary``: counts by
action, the listed errors, a sample of the rows), so the preview page stays small whatever
the sheet.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shishi.core import audit
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.ledger import history
from shishi.ledger.excel import reading
from shishi.ledger.excel.importing import ImportPlan, ImportResult, plan_import
from shishi.ledger.excel.plan_types import ImportRefused
from shishi.ledger.excel.planning import Progress
from shishi.ledger.import_services import (
    apply_import,
    check_year_confirmed,
    mark_import_batch,
    year_refusal,
)
from shishi.ledger.models import ImportBatch
from shishi.orgs.permissions import scope_for

logger = logging.getLogger(__name__)

SAMPLE_ITEMS = 500  # changed items the preview lists (the counts cover them all)
SAMPLE_UNCHANGED = 200
LISTED_NAMES = 200  # new units, leaders, categories named in the preview
Status = ImportBatch.Status
FILE_GONE = "上传的文件已不存在，未导入任何内容；请重新上传"


class ImportCancelled(Exception):
    """The office cancelled the batch while its task ran."""


def background_rows() -> int:
    """Sheets with more rows than this are previewed and imported in the background."""
    return int(getattr(settings, "SHISHI_IMPORT_BACKGROUND_ROWS", 2_000))


def read_batch_file(batch: ImportBatch) -> bytes:
    with batch.file.open("rb") as handle:
        data: bytes = handle.read()
    return data


def _rows(errors: list[Any]) -> list[dict[str, Any]]:
    return [{"row": e.row, "column": e.column, "message": e.message} for e in errors]


def preview_summary(plan: ImportPlan) -> dict[str, Any]:
    """What the preview page shows of a plan, bounded whatever the sheet's size.

    The counts cover every row; errors are listed up to ``MAX_LISTED_ERRORS`` (the planner
    stops listing there), changed items up to ``SAMPLE_ITEMS``, names up to
    ``LISTED_NAMES``. Kept on the batch as JSON (the earlier ``plan.summary`` keys too).
    """
    summary: dict[str, Any] = plan.summary(max_items=200)
    changed = [p for p in plan.items if p.action != "unchanged"]
    unchanged = [p for p in plan.items if p.action == "unchanged"]
    summary.update(
        total=len(plan.items),
        error_rows=_rows(plan.errors),
        warnings=[str(w) for w in plan.warnings[:LISTED_NAMES]],
        year_mismatch=plan.year_mismatch,
        year_warning_rows=_rows(plan.year_warnings),
        new_units=plan.new_units[:LISTED_NAMES],
        new_leaders=plan.new_leaders[:LISTED_NAMES],
        new_categories=plan.new_categories[:LISTED_NAMES],
        new_counts={
            "units": len(plan.new_units),
            "leaders": len(plan.new_leaders),
            "categories": len(plan.new_categories),
        },
        sample=[
            {
                "row": p.row,
                "number": p.number,
                "name": p.name,
                "category": p.category,
                "lead_unit": p.lead_unit,
                "deadline": p.deadline.text if p.deadline else "",
                "action": p.action,
                "changes": [
                    [key, history.change_value(old, key), history.change_value(new, key)]
                    for key, (old, new) in p.changes.items()
                ],
            }
            for p in changed[:SAMPLE_ITEMS]
        ],
        unchanged_sample=[f"{p.number} {p.name}" for p in unchanged[:SAMPLE_UNCHANGED]],
    )
    return summary


def _refuse_unless_office(batch: ImportBatch, actor: Any) -> None:
    if not scope_for(actor).is_office_for(batch.jurisdiction_id):
        raise PermissionDenied("只有专班可以导入台账")


def _enqueue(task_name: str, *args: Any) -> None:
    from shishi.ledger import tasks  # the tasks module calls back into this one

    getattr(tasks, task_name).enqueue(*args)


# --- preview -------------------------------------------------------------------------------


def start_preview(batch: ImportBatch, *, actor: Any) -> bool:
    """Measure the uploaded sheet and preview it: now, or by a task (then True).

    Raises ``ImportRefused`` (the batch marked failed) for a file that cannot be read, a
    zip bomb or a sheet over the row limit; row errors do not raise (the preview lists
    them).
    """
    _refuse_unless_office(batch, actor)
    data = read_batch_file(batch)
    try:
        rows = reading.measure(data)
    except reading.UnreadableWorkbook as exc:
        _fail(batch, actor, exc.message, summary={"refused": exc.message})
        raise ImportRefused(exc.message) from None
    batch.rows = rows
    batch.save(update_fields=["rows", "updated_at"])
    if rows <= background_rows():
        plan_batch(batch, actor=actor, data=data)
        return False
    _queue(batch, Status.PLANNING, actor=actor, task="preview_import", args=(batch.pk,))
    return True


def plan_batch(
    batch: ImportBatch, *, actor: Any, data: bytes | None = None, progress: Progress | None = None
) -> ImportPlan:
    """Plan the batch's sheet and keep the preview on it (previewed, or failed with errors).

    Raises ``ImportRefused`` (the batch marked failed) if the sheet cannot be imported.
    """

    def tracked(stage: str, count: int) -> None:
        if stage == "read":
            batch.rows_read = count
        if progress is not None:
            progress(stage, count)

    try:
        plan = plan_import(
            data if data is not None else read_batch_file(batch),
            jurisdiction=batch.jurisdiction,
            year=batch.year,
            actor=actor,
            file_name=batch.original_name,
            progress=tracked,
        )
    except ImportRefused as exc:
        _fail(batch, actor, exc.message, summary={"refused": exc.message})
        raise
    mark_import_batch(
        batch,
        status=Status.PREVIEWED if plan.ok else Status.FAILED,
        summary=preview_summary(plan),
        actor=actor,
        fields={"rows_read": batch.rows_read, "rows_validated": len(plan.items)},
    )
    return plan


# --- confirm -------------------------------------------------------------------------------


def confirm_import_batch(
    batch: ImportBatch, *, actor: Any, confirm_year: bool
) -> ImportResult | None:
    """Import a previewed batch: now (the result), or by a task for a large sheet (None).

    Refuses a batch that is not waiting for confirmation, a sheet that does not fit the
    year unless ``confirm_year``, a sheet with errors, and a ledger changed since the
    preview (``ImportRefused`` with status 409: preview again).
    """
    _refuse_unless_office(batch, actor)
    if batch.status != Status.PREVIEWED:
        raise ValidationFailed("该批次不在待确认状态，不能导入")
    if batch.rows > background_rows():
        warnings = list(batch.summary.get("year_warnings") or ["—"])
        if batch.summary.get("year_mismatch") and not confirm_year:
            message = year_refusal(batch.year, warnings)
            raise ValidationFailed(message, {"confirm_year": message})
        _queue(
            batch,
            Status.APPLYING,
            actor=actor,
            task="run_import",
            args=(batch.pk, confirm_year),
            confirmed_by=actor,
        )
        return None
    return _apply(batch, actor=actor, confirm_year=confirm_year)


def _apply(
    batch: ImportBatch, *, actor: Any, confirm_year: bool, progress: Progress | None = None
) -> ImportResult:
    plan = plan_import(
        read_batch_file(batch),
        jurisdiction=batch.jurisdiction,
        year=batch.year,
        actor=actor,
        file_name=batch.original_name,
        progress=progress,
    )
    if not plan.ok:
        mark_import_batch(batch, status=Status.FAILED, summary=preview_summary(plan), actor=actor)
        raise ImportRefused("台账有错误，未导入任何内容", status=422)
    check_year_confirmed(plan, confirmed=confirm_year)
    with transaction.atomic():
        result = apply_import(
            plan,
            actor=actor,
            before_commit=(lambda: _stop_if_cancelled(batch)) if progress else None,
        )
        summary = preview_summary(plan)
        summary.update(
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            programme=result.programme.pk,
            applied=True,
        )
        mark_import_batch(
            batch,
            status=Status.APPLIED,
            summary=summary,
            actor=actor,
            fields={"rows_written": result.created + result.updated, "confirmed_by": actor},
        )
    return result


# --- background runs -------------------------------------------------------------------------


def _queue(
    batch: ImportBatch,
    status: str,
    *,
    actor: Any,
    task: str,
    args: tuple[Any, ...],
    confirmed_by: Any = None,
) -> None:
    with transaction.atomic():
        batch.status = status
        batch.cancel_requested = False
        batch.started_at = batch.finished_at = None
        batch.rows_read = batch.rows_validated = batch.rows_written = 0
        batch.error = ""
        fields = ["status", "cancel_requested", "started_at", "finished_at", "rows_read"]
        fields += ["rows_validated", "rows_written", "error", "updated_at"]
        if confirmed_by is not None:
            batch.confirmed_by = confirmed_by
            fields.append("confirmed_by")
        batch.save(update_fields=fields)
        audit.record(
            actor=actor,
            action=f"import_batch.{status}",
            target=batch,
            changes={"status": [None, status], "rows": [None, batch.rows]},
            jurisdiction_id=batch.jurisdiction_id,
        )
        _enqueue(task, *args)


def _claim(batch_id: int, status: str) -> ImportBatch | None:
    """The batch, marked started, if it still waits for this run (not cancelled)."""
    if not ImportBatch.objects.filter(pk=batch_id, status=status).update(started_at=timezone.now()):
        return None
    return ImportBatch.objects.select_related("jurisdiction").get(pk=batch_id)


def _stop_if_cancelled(batch: ImportBatch) -> None:
    if ImportBatch.objects.filter(pk=batch.pk, cancel_requested=True).exists():
        raise ImportCancelled


def _reporter(batch: ImportBatch) -> Progress:
    def report(stage: str, count: int) -> None:
        field = {"read": "rows_read", "validated": "rows_validated"}.get(stage)
        if field:
            setattr(batch, field, count)
            ImportBatch.objects.filter(pk=batch.pk).update(**{field: count})
        _stop_if_cancelled(batch)

    return report


def _fail(
    batch: ImportBatch, actor: Any, message: str, *, summary: dict[str, Any] | None = None
) -> None:
    mark_import_batch(
        batch,
        status=Status.FAILED,
        summary=summary if summary is not None else batch.summary,
        actor=actor,
        fields={"error": message[:2000]},
    )


def _failed(batch: ImportBatch, message: str) -> str:
    """Record a task's failure on its batch (read again: the task may have moved it on)."""
    batch.refresh_from_db()
    _fail(batch, None, message)
    return "failed"


def run_preview(batch_id: int) -> str:
    """The preview task: plan the batch's sheet, reporting progress; its outcome."""
    batch = _claim(batch_id, Status.PLANNING)
    if batch is None:
        return "skipped"
    actor = batch.uploaded_by
    try:
        _stop_if_cancelled(batch)
        plan_batch(batch, actor=actor, progress=_reporter(batch))
    except ImportCancelled:
        _cancelled(batch)
        return "cancelled"
    except ImportRefused:
        return "failed"
    except FileNotFoundError:
        return _failed(batch, FILE_GONE)
    except Exception:
        logger.exception("import batch %s: preview failed", batch_id)
        _failed(batch, "读取表格时出现内部错误，请重新上传；如仍失败请联系管理员")
        raise
    return "previewed"


def run_apply(batch_id: int, *, confirm_year: bool) -> str:
    """The import task: plan again (the ledger may have moved on), write it all or
    nothing, reporting progress; its outcome."""
    batch = _claim(batch_id, Status.APPLYING)
    if batch is None:
        return "skipped"
    actor = batch.confirmed_by
    try:
        _stop_if_cancelled(batch)
        _apply(batch, actor=actor, confirm_year=confirm_year, progress=_reporter(batch))
    except ImportCancelled:
        _cancelled(batch)
        return "cancelled"
    except (ImportRefused, ValidationFailed, PermissionDenied) as exc:
        return _failed(batch, exc.message)
    except FileNotFoundError:
        return _failed(batch, FILE_GONE)
    except Exception:
        logger.exception("import batch %s: import failed", batch_id)
        _failed(batch, "导入时出现内部错误，未导入任何内容；请重试，如仍失败请联系管理员")
        raise
    return "applied"


def _cancelled(batch: ImportBatch) -> None:
    batch.refresh_from_db()
    mark_import_batch(
        batch,
        status=Status.CANCELLED,
        summary=batch.summary,
        actor=None,
        fields={"error": "已取消，未导入任何内容"},
    )


def cancel_import_batch(batch: ImportBatch, *, actor: Any) -> bool:
    """Cancel a batch being previewed or imported in the background; False if too late.

    A task not yet started never runs; a running one stops at its next progress report
    (or before its transaction commits), and nothing of it is written.
    """
    _refuse_unless_office(batch, actor)
    running = (Status.PLANNING, Status.APPLYING)
    with transaction.atomic():
        if not ImportBatch.objects.filter(pk=batch.pk, status__in=running).update(
            cancel_requested=True
        ):
            batch.refresh_from_db()
            return False
        audit.record(
            actor=actor,
            action="import_batch.cancel",
            target=batch,
            changes={"cancel_requested": [False, True]},
            jurisdiction_id=batch.jurisdiction_id,
        )
        # A task not started yet: the batch is cancelled now and its task will skip it.
        ImportBatch.objects.filter(pk=batch.pk, status__in=running, started_at__isnull=True).update(
            status=Status.CANCELLED, finished_at=timezone.now(), error="已取消，未导入任何内容"
        )
    batch.refresh_from_db()
    return True
