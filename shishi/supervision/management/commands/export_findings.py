"""shishi export_findings --jurisdiction 230103 [--round 2021-1] --output problems.xlsx

Writes the problem list (问题清单): one row per finding or suggestion (round, group, unit,
problem, category, on the spot / to rectify / suggestion, measure, deadline, responsible unit
and person, status, card, closed date, linked items), and the figures per round, group and
unit; all rounds of the district without ``--round``. A bad code or an unwritable path stops
it with one line and exit status 1, writing nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shishi.ledger.management.commands.import_ledger import find_jurisdiction
from shishi.orgs.models import Jurisdiction
from shishi.supervision.documents import data, files
from shishi.supervision.models import Round


class Command(BaseCommand):
    help = "导出巡回指导问题清单为Excel (write a district's supervision findings as .xlsx)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--jurisdiction", required=True, help="6-digit division code")
        parser.add_argument("--round", dest="round_code", help="the round's code, e.g. 2021-1")
        parser.add_argument("--output", required=True, help="the .xlsx file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        jurisdiction = find_jurisdiction(options["jurisdiction"])
        if jurisdiction.level != Jurisdiction.Level.DISTRICT:
            raise CommandError(
                f"{jurisdiction.name}（{jurisdiction.code}）不是区县：巡回指导的轮次属于区县，请给出区县的代码"
            )
        output = Path(options["output"])
        if output.suffix.lower() != ".xlsx":
            raise CommandError(f"--output 应是 .xlsx 文件，而不是“{output.name}”")
        rounds = list(
            Round.objects.filter(jurisdiction=jurisdiction).order_by("-starts_on", "code")
        )
        code = options["round_code"]
        if code is not None:
            chosen = [r for r in rounds if r.code == code.strip()]
            if not chosen:
                known = "、".join(r.code for r in rounds[:10])
                raise CommandError(
                    f"{jurisdiction.name}没有代码为“{code}”的巡回指导轮次"
                    + (f"（已有：{known}）" if known else "（还没有任何轮次）")
                )
            rounds = chosen
        content = data.district_problem_list(jurisdiction, rounds)
        body = files.problem_list_bytes(content)
        try:
            output.write_bytes(body)
        except OSError as exc:
            raise CommandError(f"无法写入“{output}”：{exc.strerror or exc}") from None
        scope = rounds[0].code if code is not None else f"全部{len(rounds)}轮"
        self.stdout.write(
            f"已导出 {jurisdiction.name} {scope}：{len(content.rows)} 个问题和建议 → {output}"
        )
