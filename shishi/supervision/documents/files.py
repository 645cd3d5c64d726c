"""The downloads' bytes, names and types: what the document views send and the CLI writes."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from shishi.orgs.models import Unit
from shishi.supervision.documents import data, docx, xlsx
from shishi.supervision.models import InspectionGroup, Round

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Download:
    content: bytes
    name: str  # the Chinese name (RFC 5987)
    fallback: str  # an ASCII name for old clients
    content_type: str


def problem_list_bytes(content: data.ProblemList) -> bytes:
    out = io.BytesIO()
    xlsx.write_problem_list(content, out)
    return out.getvalue()


def problem_list_file(
    round: Round, *, group: InspectionGroup | None = None, unit: Unit | None = None
) -> Download:
    content = data.problem_list(round, group=group, unit=unit)
    narrowed = "".join(f"（{x.name}）" for x in (group, unit) if x is not None)
    fallback = f"problems-{round.jurisdiction.code}-{round.code}"
    fallback += "".join(f"-{tag}{x.pk}" for tag, x in (("g", group), ("u", unit)) if x)
    return Download(
        problem_list_bytes(content),
        f"{round.name}问题清单{narrowed}.xlsx",
        f"{fallback}.xlsx",
        XLSX_TYPE,
    )


def notice_file(round: Round, unit: Unit, *, today: dt.date) -> Download:
    out = io.BytesIO()
    docx.write_notice(data.notice(round, unit, today=today), out)
    return Download(
        out.getvalue(),
        f"{round.name}整改通知书（{unit.name}）.docx",
        f"notice-{round.jurisdiction.code}-{round.code}-u{unit.pk}.docx",
        DOCX_TYPE,
    )


def summary_file(round: Round, *, today: dt.date) -> Download:
    out = io.BytesIO()
    docx.write_summary(data.summary(round, today=today), out)
    return Download(
        out.getvalue(),
        f"{round.name}情况报告.docx",
        f"summary-{round.jurisdiction.code}-{round.code}.docx",
        DOCX_TYPE,
    )
