"""Who may have a service: its rules as data, answered with reasons a person can read.

A service keeps a list of rules (``Service.rules``) met all or any (``Service.match``):

- ``{"kind": "age", "min": 70}`` — at least so many years old on the day, from the birth
  date in the resident ID number (GB 11643; the 15-digit form converted). A person is
  年满70周岁 from the 70th birthday itself — a 29 February birth from 1 March in a common
  year — or from the day after where the office counts so (``Service.age_from``).
- ``{"kind": "disability"}`` — holds a disability certificate (残疾人证): the operator checks.
- ``{"kind": "place", "places": ["…"]}`` — an enterprise in one of the listed buildings or
  key projects: the operator confirms (the enterprise register is not read here).
- ``{"kind": "confirm", "text": "…"}`` — a condition in words the operator confirms by
  asking (生活不能自理 …).

Each rule is met, not met, or to be confirmed by the operator. With "all" the person is
eligible unless a rule is not met, the conditions to confirm listed beside (eligible once
the operator has confirmed them); with "any", when one rule is met — if none is, the
conditions to confirm are the ways left. Pure functions: no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from shishi.core import pii

RULE_KINDS = ("age", "disability", "place", "confirm")
MAX_AGE = 130


@dataclass
class Verdict:
    eligible: bool
    reasons: list[str] = field(default_factory=list)
    to_confirm: list[str] = field(default_factory=list)


def birth_date(id_number: str) -> dt.date:
    """The birth date in a resident ID number (``ValueError`` with the reason if the number
    is malformed or its check character is wrong)."""
    text = pii.normalize_id_number(id_number)
    return dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))


def reaches(born: dt.date, years: int, *, day_after: bool = False) -> dt.date:
    """The day a person born on ``born`` is ``years`` years old: the birthday that year, 1
    March for a 29 February birth in a common year; the next day if ``day_after``."""
    year = born.year + years
    try:
        day = born.replace(year=year)
    except ValueError:  # 29 February, a common year
        day = dt.date(year, 3, 1)
    return day + dt.timedelta(days=1) if day_after else day


def check_rules(rules: Any) -> list[str]:
    """What is wrong with a service's rules as the office wrote them ([] when nothing)."""
    if not isinstance(rules, list):
        return ["服务条件应是一组规则"]
    problems = []
    for n, rule in enumerate(rules, start=1):
        kind = rule.get("kind") if isinstance(rule, dict) else None
        if kind not in RULE_KINDS:
            problems.append(f"第{n}条：未知的条件类型")
        elif kind == "age" and not (
            isinstance(rule.get("min"), int) and 0 < rule["min"] <= MAX_AGE
        ):
            problems.append(f"第{n}条：年龄应是1到{MAX_AGE}之间的整数")
        elif kind == "place" and not (
            isinstance(rule.get("places"), list)
            and rule["places"]
            and all(isinstance(p, str) and p.strip() for p in rule["places"])
        ):
            problems.append(f"第{n}条：请列出楼宇或重点项目")
        elif kind == "confirm" and not (isinstance(rule.get("text"), str) and rule["text"].strip()):
            problems.append(f"第{n}条：请写明需要确认的条件")
    return problems


def evaluate(
    rules: Sequence[dict[str, Any]],
    *,
    id_number: str,
    on: dt.date,
    match: str = "all",
    day_after: bool = False,
) -> Verdict:
    """The verdict for the person with ``id_number`` on the day ``on`` (``ValueError`` for a
    malformed ID number, before any rule is read)."""
    born = birth_date(id_number)
    met: list[bool] = []
    verdict = Verdict(eligible=False)
    for rule in rules:
        kind = rule.get("kind")
        if kind == "age":
            years = int(rule["min"])
            day = reaches(born, years, day_after=day_after)
            if on >= day:
                verdict.reasons.append(f"年满{years}周岁（{born:%Y-%m-%d}出生）")
                met.append(True)
            else:
                verdict.reasons.append(
                    f"未满{years}周岁（{born:%Y-%m-%d}出生，{day:%Y-%m-%d}年满{years}周岁）"
                )
                met.append(False)
        elif kind == "disability":
            verdict.to_confirm.append("持有残疾人证（请查验证件）")
        elif kind == "place":
            places = "、".join(str(p) for p in rule.get("places", []))
            verdict.to_confirm.append(f"企业位于：{places}")
        elif kind == "confirm":
            verdict.to_confirm.append(str(rule.get("text", "")).strip())
    verdict.eligible = any(met) if match == "any" else all(met)
    return verdict
