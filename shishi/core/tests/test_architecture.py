"""House rules checked in CI (STYLE.md): reads start from selectors, writes go through
services, written SQL lives behind one boundary per app, Python builds no markup, and apps
depend downward only."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]  # the shishi package
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

# Written SQL may live only here (STYLE.md, "SQL and speed"): an app's queries.py, the shared
# helpers in core, migrations, and tests (parity tests read the database as it is).
SQL_ALLOWED = re.compile(
    r"(^|/)(queries\.py|core/sql\.py|core/bulk\.py|conftest\.py)$|/migrations/|/tests/"
)
SQL_CALL = re.compile(r"\bcursor\(|\.execute\(|\.executemany\(|\bRawSQL\(|\.raw\(|\.extra\(")

# Apps from the bottom up: an app may import those before it, never those after it.
LAYERS = (
    "core",
    "orgs",
    "jobs",
    "workdays",
    "notify",
    "ledger",
    "board",
    "reports",
    "supervision",
    "demands",
    "appointments",
    "enterprise",
    "education",
    "portal",
    "demo",
)
SHARED_MODULES = ("shishi.env", "shishi.settings")

# What is still to be moved behind the boundary; this list only shrinks.
KNOWN_SQL: set[str] = set()
KNOWN_TABLE_LITERALS: set[str] = set()
KNOWN_MARKUP: set[str] = set()
KNOWN_UPWARD_IMPORTS: set[str] = set()


def python_files() -> Iterator[tuple[str, Path]]:
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if "/migrations/" in f"/{rel}":
            continue
        yield rel, path


def app_tables() -> set[str]:
    return {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model.__module__.startswith("shishi.")
    }


def string_literals(path: Path) -> Iterator[tuple[int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    for tok in tokens:
        if tok.type == tokenize.STRING or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
            yield tok.start[0], tok.string


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


def test_written_sql_only_in_queries_modules() -> None:
    found: dict[str, list[str]] = {}
    for rel, path in python_files():
        if SQL_ALLOWED.search(rel):
            continue
        for n, line in enumerate(path.read_text().splitlines(), start=1):
            if SQL_CALL.search(line):
                found.setdefault(rel, []).append(f"{rel}:{n}: {line.strip()}")
    new = {rel: lines for rel, lines in found.items() if rel not in KNOWN_SQL}
    assert new == {}, "written SQL belongs in the app's queries.py:\n" + "\n".join(
        line for lines in new.values() for line in lines
    )
    assert set(found) >= KNOWN_SQL, f"moved already, drop from KNOWN_SQL: {KNOWN_SQL - set(found)}"


def test_no_table_name_typed_as_a_literal() -> None:
    tables = app_tables()
    pattern = re.compile(r"(?<![\w.])(" + "|".join(sorted(tables, key=len, reverse=True)) + r")\b")
    found: dict[str, list[str]] = {}
    for rel, path in python_files():
        if rel.endswith("queries.py") or rel == "core/tests/test_architecture.py":
            continue
        for n, text in string_literals(path):
            if pattern.search(text):
                found.setdefault(rel, []).append(f"{rel}:{n}: {text[:80]}")
    new = {rel: lines for rel, lines in found.items() if rel not in KNOWN_TABLE_LITERALS}
    assert new == {}, "name tables from Model._meta in queries.py:\n" + "\n".join(
        line for lines in new.values() for line in lines
    )
    stale = KNOWN_TABLE_LITERALS - set(found)
    assert not stale, f"fixed already, drop from KNOWN_TABLE_LITERALS: {stale}"


def test_queries_modules_read_only_their_own_apps_models() -> None:
    offenders = []
    for rel, path in python_files():
        if rel.split("/")[-1] != "queries.py":
            continue
        app = rel.split("/")[0]
        for n, line in enumerate(path.read_text().splitlines(), start=1):
            m = re.match(r"\s*(?:from|import) shishi\.(\w+)\.models\b", line)
            if m and m.group(1) != app:
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert offenders == [], "read another app's tables through its selectors/queries:\n" + (
        "\n".join(offenders)
    )


def test_template_tags_build_no_markup() -> None:
    pattern = re.compile(r"mark_safe\(|f['\"][^'\"]*<[a-zA-Z/]")
    found = {
        rel
        for rel, path in python_files()
        if "/templatetags/" in rel and pattern.search(path.read_text())
    }
    assert found <= KNOWN_MARKUP, f"markup belongs in templates: {sorted(found - KNOWN_MARKUP)}"
    assert found >= KNOWN_MARKUP, f"fixed already, drop from KNOWN_MARKUP: {KNOWN_MARKUP - found}"


def test_apps_depend_downward_only() -> None:
    found: dict[str, list[str]] = {}
    for rel, path in python_files():
        app = rel.split("/")[0]
        if app not in LAYERS or "/tests/" in rel:
            continue
        above = LAYERS[LAYERS.index(app) + 1 :]
        for n, line in enumerate(path.read_text().splitlines(), start=1):
            m = re.match(r"\s*(?:from|import) shishi\.(\w+)", line)
            if m and m.group(1) in above:
                found.setdefault(rel, []).append(f"{rel}:{n}: {line.strip()}")
    new = {rel: lines for rel, lines in found.items() if rel not in KNOWN_UPWARD_IMPORTS}
    assert new == {}, "an app imports only the apps below it:\n" + "\n".join(
        line for lines in new.values() for line in lines
    )
    stale = KNOWN_UPWARD_IMPORTS - set(found)
    assert not stale, f"fixed already, drop from KNOWN_UPWARD_IMPORTS: {stale}"


def test_no_app_imports_another_apps_views() -> None:
    offenders = []
    for rel, path in python_files():
        app = rel.split("/")[0]
        for n, line in enumerate(path.read_text().splitlines(), start=1):
            m = re.match(r"\s*from shishi\.(\w+)(?:\.views\b| import views\b)", line)
            if m and m.group(1) != app and rel != "urls.py":
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert offenders == [], "share through core or selectors, not views:\n" + "\n".join(offenders)
