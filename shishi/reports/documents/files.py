"""A compiled document as the CLI and the services keep it: the .docx and, beside it, its
Excel annex with the same name and the .xlsx suffix."""

from __future__ import annotations

from pathlib import Path

from shishi.reports.documents import docx, xlsx
from shishi.reports.documents.data import CircularData, ReportData


def annex_path(path: str | Path) -> Path:
    """report.docx → report.xlsx (any other suffix is replaced the same way)."""
    return Path(path).with_suffix(".xlsx")


def write_report_files(
    data: ReportData, path: str | Path, *, template: str | Path | None = None
) -> tuple[Path, Path]:
    """Write the report's .docx at ``path`` and its annex beside it; return both paths."""
    docx.write_report(data, path, template=template)
    annex = annex_path(path)
    xlsx.write_report_annex(data, annex)
    return Path(path), annex


def write_circular_files(
    data: CircularData, path: str | Path, *, template: str | Path | None = None
) -> tuple[Path, Path]:
    """Write the circular's .docx at ``path`` and its annex beside it; return both paths."""
    docx.write_circular(data, path, template=template)
    annex = annex_path(path)
    xlsx.write_circular_annex(data, annex)
    return Path(path), annex
