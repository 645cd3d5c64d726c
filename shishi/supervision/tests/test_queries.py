"""The pages' queries do not grow with their rows."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.supervision.models import Finding
from shishi.supervision.services import findings, instructions
from shishi.supervision.tests.conftest import Sv


def _add(world: World, sv: Sv, n: int) -> None:
    for i in range(n):
        findings.add_finding(
            findings.FindingInput(
                kind=Finding.Kind.TO_RECTIFY,
                problem=f"问题{i}",
                measure="整改",
                deadline=dt.date(2030, 1, 1),
                responsible_person="负责人",
                item_ids=[world.item_a.pk],
            ),
            round=sv.round,
            group=sv.group if i % 2 else sv.other_group,
            unit=world.unit_a if i % 3 else world.unit_b,
            actor=world.office,
        )
        instructions.write_instruction(
            world.nangang.pk,
            instructions.InstructionInput(
                text=f"批示{i}", answer_by=dt.date(2030, 1, 1), item_id=world.item_a.pk
            ),
            actor=world.leader,
        )


def _count(world: World, url: str) -> int:
    client = client_for(world.office)
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_queries_do_not_grow_with_rows(world: World, sv: Sv) -> None:
    urls = [
        reverse("supervision:index"),
        reverse("supervision:round", args=[sv.round.pk]),
        reverse("supervision:instructions"),
    ]
    _add(world, sv, 3)
    few = [_count(world, url) for url in urls]
    _add(world, sv, 20)
    many = [_count(world, url) for url in urls]
    assert many == few
