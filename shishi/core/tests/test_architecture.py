"""House rules checked in CI: reads start from selectors, writes go through services."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENTRY_POINTS = [
    p
    for pattern in ("*/views.py", "*/*_views.py", "*/views/*.py", "*/api.py")
    for p in ROOT.glob(pattern)
]
DOMAIN_MODELS = (
    "Item|Programme|Category|ProgressUpdate|Target|Milestone|Attachment|Unit|Person|Membership"
    "|Jurisdiction|ImportBatch|AuditEvent"
    "|ItemStatus|ItemSnapshot|ProgrammeSnapshot|ProgrammeStatus|WarningThresholds"
)


def test_entry_points_exist() -> None:
    assert any(p.name == "views.py" for p in ENTRY_POINTS)
    assert any(p.name == "manage_views.py" for p in ENTRY_POINTS)


def test_views_and_api_never_query_domain_models_directly() -> None:
    pattern = re.compile(rf"\b({DOMAIN_MODELS})\.objects\b")
    offenders = [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in ENTRY_POINTS
        for n, line in enumerate(p.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == [], "use visible_*/access_* selectors instead:\n" + "\n".join(offenders)


def test_views_and_api_never_save_domain_objects() -> None:
    pattern = re.compile(r"\.(save|delete|bulk_create|bulk_update)\(")
    offenders = [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in ENTRY_POINTS
        for n, line in enumerate(p.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == [], "writes go through services:\n" + "\n".join(offenders)
