"""The supervision benchmark (issue 15's figures), on a database of its own.

    python -m bench.supervisionbench [--database-url URL] [--requests 50]

Builds one district with 700 units (and 700 ledger items), 5 inspection groups, a round
over the 700 units with its visit plan and visits, 5,000 findings (on the spot, to rectify
at every stage with yellow and red cards, suggestions; some linked to items) and 10,000
leaders' instructions (open, answered, settled; on items, findings and units) — written
with ``core.bulk``, then ANALYZE. Then it times, in this process through Django's test
client as the office (view, selector, template; DEBUG off):

- the problem-list export of the round (``supervision:problem_list``, 5,000 rows, and the
  ``export_findings`` command) — target < 3 s; for information, the round summary and a
  unit's rectification notice (.docx);
- the office's pages: ``supervision:index`` and the round's ``supervision:round`` —
  target p95 < 150 ms; the 督办 list ``supervision:instructions`` — target p95 ≤ 50 ms.

A page that is not there (an older checkout) is reported as missing. For each page it
counts the queries, and for a page over its target lists the slowest ones (Django's
``CaptureQueriesContext``). ``--database-url`` must name an empty database (the bench
migrates it); without it the bench uses a fresh SQLite file under ``$SHISHI_BENCH_DIR``
(default /tmp/shishi-bench). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import BenchError, emit, log, own_database, time_page

UNITS, GROUPS, FINDINGS, INSTRUCTIONS = 700, 5, 5_000, 10_000
EXPORT_TARGET_S = 3.0
PAGE_TARGETS_MS = {"index": 150.0, "round": 150.0, "instructions": 50.0}
DISTRICT_CODE = "239998"
TODAY = dt.date(2021, 9, 15)  # the round ran in June; findings and instructions since


def build(rng: random.Random) -> dict[str, Any]:
    """The dataset, in one transaction; returns the ids the measurements need."""
    from django.db import transaction
    from django.utils import timezone

    from shishi.core import bulk
    from shishi.core.dbstats import refresh_planner_statistics
    from shishi.ledger.models import Item, Programme
    from shishi.orgs import services as org_services
    from shishi.orgs.models import Jurisdiction, Role, Unit
    from shishi.supervision.models import (
        Card,
        ChecklistEntry,
        Finding,
        Instruction,
        InstructionStep,
        Rectification,
        Visit,
        VisitAnswer,
        VisitPlan,
    )
    from shishi.supervision.services import setup

    if Jurisdiction.objects.filter(code=DISTRICT_CODE).exists():
        raise BenchError("the database holds an earlier run's data: give an empty database")
    now = timezone.now()
    K, S = Finding.Kind, Finding.Status
    with transaction.atomic():
        district = Jurisdiction.objects.create(code=DISTRICT_CODE, name="基准区", level="district")
        office = org_services.ensure_user("sv-office", password="bench-pass-123")
        org_services.grant_role(office, Role.PROGRAMME_OFFICE, district)
        inspectors = []
        for g in range(GROUPS):
            user = org_services.ensure_user(f"sv-inspector-{g}", password="bench-pass-123")
            org_services.grant_role(user, Role.INSPECTOR, district)
            inspectors.append(user)
        leader_user = org_services.ensure_user("sv-leader", password="bench-pass-123")
        org_services.grant_role(leader_user, Role.SPONSOR_LEADER, district)
        leader = org_services.ensure_person(district, "常务副区长")
        org_services.link_person_to_user(leader, leader_user)
        units = Unit.objects.bulk_create(
            [Unit(jurisdiction=district, name=f"基准单位{i:03d}") for i in range(UNITS)]
        )
        programme = Programme.objects.create(jurisdiction=district, year=2021, name="基准区实事")
        items = Item.objects.bulk_create(
            [
                Item(
                    jurisdiction=district, programme=programme, number=f"1-{i + 1}",
                    seq=i + 1, name=f"基准事项{i + 1}", lead_unit=unit,
                )
                for i, unit in enumerate(units)
            ]
        )  # fmt: skip
        per_group = UNITS // GROUPS
        groups = [
            setup.save_group(
                district.pk,
                setup.GroupInput(
                    f"第{g + 1}巡回指导组",
                    leader_name=f"组长{g + 1}",
                    member_ids=[inspectors[g].pk],
                    unit_ids=[u.pk for u in units[g * per_group : (g + 1) * per_group]],
                ),
                actor=office,
            )
            for g in range(GROUPS)
        ]
        round = setup.save_round(
            district.pk,
            setup.RoundInput(
                code="2021-1",
                name="第一轮巡回指导",
                starts_on=dt.date(2021, 6, 1),
                ends_on=dt.date(2021, 6, 30),
                group_ids=[g.pk for g in groups],
                checklist=["方案是否完善", "措施是否具体", "台账是否规范"],
            ),
            actor=office,
        )
        entries = list(ChecklistEntry.objects.filter(round=round).values_list("pk", flat=True))
        group_of = {u.pk: groups[min(i // per_group, GROUPS - 1)] for i, u in enumerate(units)}
        day_of = {u.pk: dt.date(2021, 6, 1 + i % 28) for i, u in enumerate(units)}
        plan_ids = bulk.reserve_ids(VisitPlan, UNITS)
        bulk.insert_many(
            VisitPlan,
            ("id", "round_id", "group_id", "unit_id", "planned_on", "created_at", "updated_at"),
            (
                (pk, round.pk, group_of[u.pk].pk, u.pk, day_of[u.pk], now, now)
                for pk, u in zip(plan_ids, units, strict=True)
            ),
        )
        visited = [(pk, u) for pk, u in zip(plan_ids, units, strict=True) if rng.random() < 0.97]
        visit_ids = bulk.reserve_ids(Visit, len(visited))
        visit_of: dict[int, int] = {}
        bulk.insert_many(
            Visit,
            ("id", "jurisdiction_id", "round_id", "group_id", "unit_id", "plan_id", "visited_on",
             "attendees", "notes", "recorded_by_id", "created_at", "updated_at"),
            (
                (vid, district.pk, round.pk, group_of[u.pk].pk, u.pk, plan_id, day_of[u.pk],
                 "单位主要负责人、分管负责人", "查阅台账，实地察看", inspectors[0].pk, now, now)
                for vid, (plan_id, u) in zip(visit_ids, visited, strict=True)
            ),
        )  # fmt: skip
        for vid, (_plan, u) in zip(visit_ids, visited, strict=True):
            visit_of[u.pk] = vid
        answers = ["yes", "partly", "no"]
        bulk.insert_many(
            VisitAnswer,
            ("visit_id", "entry_id", "answer", "note"),
            ((vid, e, rng.choice(answers), "") for vid in visit_ids for e in entries),
        )

        # Findings: 30% on the spot, 50% to rectify (open 40%, submitted 15%, returned 10%,
        # closed 35%; a third of those past their deadline carry a card), 20% suggestions.
        finding_ids = bulk.reserve_ids(Finding, FINDINGS)
        visited_units = [u for u in units if u.pk in visit_of]
        categories = list(Finding.Category.values)
        item_of = {item.lead_unit_id: item.pk for item in items}
        rows: list[tuple[Any, ...]] = []
        rectifications: list[tuple[Any, ...]] = []
        links: list[tuple[int, int]] = []
        to_rectify_ids = []
        for n, pk in enumerate(finding_ids):
            unit = visited_units[n % len(visited_units)]
            r = rng.random()
            kind = K.ON_THE_SPOT if r < 0.3 else (K.TO_RECTIFY if r < 0.8 else K.SUGGESTION)
            deadline = closed_on = None
            card = ""
            measure = person = ""
            if kind == K.ON_THE_SPOT:
                status, closed_on = S.CORRECTED, day_of[unit.pk]
            elif kind == K.SUGGESTION:
                status = S.NOTED
            else:
                to_rectify_ids.append(pk)
                s = rng.random()
                status = (
                    S.OPEN if s < 0.4 else S.SUBMITTED if s < 0.55 else
                    S.RETURNED if s < 0.65 else S.CLOSED
                )  # fmt: skip
                deadline = day_of[unit.pk] + dt.timedelta(days=rng.randint(10, 120))
                measure, person = "制定整改方案，明确时间节点", f"责任人{n % 97}"
                if status in (S.OPEN, S.RETURNED) and deadline < TODAY:
                    card = Card.RED if (TODAY - deadline).days > 7 else Card.YELLOW
                if status == S.CLOSED:
                    closed_on = deadline - dt.timedelta(days=rng.randint(0, 9))
                if status != S.OPEN:
                    verdict = {S.SUBMITTED: "pending", S.RETURNED: "returned"}.get(
                        status, "accepted"
                    )
                    rectifications.append((pk, "已按要求完成整改", verdict, now, now))
            rows.append(
                (pk, district.pk, round.pk, group_of[unit.pk].pk, unit.pk, visit_of[unit.pk],
                 kind, rng.choice(categories), "minor", f"问题{n}：实施方案不够完善，缺少节点",
                 status, measure, deadline, unit.pk, person, card, closed_on,
                 inspectors[0].pk, 1, now, now)
            )  # fmt: skip
            if rng.random() < 0.3:
                links.append((pk, item_of[unit.pk]))
        bulk.insert_many(
            Finding,
            ("id", "jurisdiction_id", "round_id", "group_id", "unit_id", "visit_id", "kind",
             "category", "severity", "problem", "status", "measure", "deadline",
             "responsible_unit_id", "responsible_person", "card", "closed_on", "recorded_by_id",
             "version", "created_at", "updated_at"),
            rows,
        )  # fmt: skip
        bulk.insert_many(Finding.items.through, ("finding_id", "item_id"), links)
        bulk.insert_many(
            Rectification,
            ("finding_id", "measures", "verdict", "created_at", "updated_at"),
            rectifications,
        )

        # Instructions: 30% open (a third of them overdue, carded), 20% answered, 50% settled;
        # half on an item, a fifth on a finding, the rest on a unit.
        instruction_ids = bulk.reserve_ids(Instruction, INSTRUCTIONS)
        instructions: list[tuple[Any, ...]] = []
        steps: list[tuple[Any, ...]] = []
        for n, pk in enumerate(instruction_ids):
            written = TODAY - dt.timedelta(days=rng.randint(0, 360))
            answer_by = written + dt.timedelta(days=rng.randint(5, 30))
            r = rng.random()
            state = "open" if r < 0.3 else "answered" if r < 0.5 else "settled"
            on = rng.random()
            item = items[n % UNITS] if on < 0.5 else None
            finding = to_rectify_ids[n % len(to_rectify_ids)] if 0.5 <= on < 0.7 else None
            unit_id = item.lead_unit_id if item else units[n % UNITS].pk
            card = ""
            if state == "open" and answer_by < TODAY:
                card = Card.RED if (TODAY - answer_by).days > 5 else Card.YELLOW
            instructions.append(
                (pk, district.pk, "常务副区长", leader_user.pk, leader_user.pk, written,
                 f"请抓紧推进，按期办结（第{n}号）", item.pk if item else None, finding,
                 unit_id, answer_by, state, card,
                 answer_by if state == "settled" else None, "", 1, now, now)
            )  # fmt: skip
            if state != "open":
                steps.append((pk, "answer", "已按批示要求办理", None, now, now))
            if state == "settled":
                steps.append((pk, "settle", "", leader_user.pk, now, now))
        bulk.insert_many(
            Instruction,
            ("id", "jurisdiction_id", "author_name", "author_id", "entered_by_id", "written_on",
             "text", "item_id", "finding_id", "unit_id", "answer_by", "status", "card",
             "settled_on", "scan", "version", "created_at", "updated_at"),
            instructions,
        )  # fmt: skip
        bulk.insert_many(
            InstructionStep,
            ("instruction_id", "kind", "text", "by_id", "created_at", "updated_at"),
            steps,
        )
    refresh_planner_statistics()
    return {
        "office": office.pk,
        "round": round.pk,
        "notice_unit": units[0].pk,
        "units": UNITS,
        "groups": GROUPS,
        "findings": Finding.objects.filter(round=round).count(),
        "instructions": Instruction.objects.filter(jurisdiction=district).count(),
        "open_instructions": Instruction.objects.filter(jurisdiction=district)
        .exclude(status="settled")
        .count(),
        "visits": len(visit_ids),
        "rectifications": len(rectifications),
        "item_links": len(links),
    }


def _timed(fn: Any, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(round(time.perf_counter() - t0, 3))
    return out


def _ok(response: Any, url: str) -> None:
    if response.status_code != 200:
        raise BenchError(f"{url} answered {response.status_code}")


def measure_export(client: Any, ids: dict[str, Any]) -> dict[str, Any]:
    from django.core.management import call_command
    from django.urls import reverse

    url = reverse("supervision:problem_list", args=[ids["round"]])
    sizes: list[int] = []

    def download() -> None:
        response = client.get(url)
        _ok(response, url)
        sizes.append(len(response.content))

    seconds = _timed(download, 3)
    path = Path(tempfile.mkdtemp(prefix="shishi-svbench-")) / "findings.xlsx"

    def command() -> None:
        call_command(
            "export_findings", "--jurisdiction", DISTRICT_CODE, "--output", str(path),
            stdout=io.StringIO(),
        )  # fmt: skip

    command_seconds = _timed(command, 1)
    documents = {}
    for key, name, args in (
        ("summary_seconds", "supervision:summary", [ids["round"]]),
        ("notice_seconds", "supervision:notice", [ids["round"], ids["notice_unit"]]),
    ):
        doc_url = reverse(name, args=args)
        documents[key] = _timed(lambda u=doc_url: _ok(client.get(u), u), 1)[0]
    return {
        "rows": ids["findings"],
        "download_seconds": seconds,
        "command_seconds": command_seconds,
        "xlsx_bytes": sizes[-1],
        **documents,
        "target_seconds": EXPORT_TARGET_S,
        "meets_target": max(seconds + command_seconds) < EXPORT_TARGET_S,
    }


def measure_page(
    client: Any, name: str, url: str, requests: int, target_ms: float
) -> dict[str, Any]:
    """``bench.common.time_page``, with the slowest queries of a page over its target."""
    result, queries = time_page(client, url, requests, target_ms)
    if not result["meets_target"]:
        slowest = sorted(queries, key=lambda q: -float(q["time"]))[:5]
        result["slowest_queries"] = [
            {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:300]} for q in slowest
        ]
    return result


def measure_pages(client: Any, ids: dict[str, Any], requests: int) -> dict[str, Any]:
    from django.urls import NoReverseMatch, reverse

    wanted = {
        "index": ("supervision:index", []),
        "round": ("supervision:round", [ids["round"]]),
        "instructions": ("supervision:instructions", []),
    }
    out: dict[str, Any] = {}
    for key, (name, args) in wanted.items():
        try:
            url = reverse(name, args=args)
        except NoReverseMatch:
            out[key] = {"missing": name, "target_p95_ms": PAGE_TARGETS_MS[key]}
            log(f"supervision: {name} is not there, not measured")
            continue
        out[key] = measure_page(client, key, url, requests, PAGE_TARGETS_MS[key])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--requests", type=int, default=50, help="measured requests per page")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    own_database("supervision", args.database_url)
    from django.test import Client

    log(f"supervision: building {UNITS} units, {FINDINGS} findings, {INSTRUCTIONS} instructions")
    t0 = time.perf_counter()
    ids = build(random.Random(args.seed))
    build_seconds = round(time.perf_counter() - t0, 1)
    from shishi.orgs.models import User

    client = Client()
    client.force_login(User.objects.get(pk=ids["office"]))
    log("supervision: the problem-list export")
    export = measure_export(client, ids)
    log("supervision: the office's pages")
    pages = measure_pages(client, ids, args.requests)
    from django.db import connection

    emit(
        {
            "bench": "supervision",
            "database": connection.vendor,
            "dataset": {**ids, "seconds": build_seconds},
            "export": export,
            "pages": pages,
            "client": "django.test.Client in process, logged in as the office, DEBUG off",
        }
    )


if __name__ == "__main__":
    main()
