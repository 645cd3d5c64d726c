"""The cron commands: refresh_board and take_snapshots."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from shishi.board.models import ItemStatus, ProgrammeSnapshot
from shishi.conftest import World


def test_refresh_board_assesses_the_active_programmes(world: World) -> None:
    out = StringIO()
    call_command("refresh_board", "--programme", str(world.programme.pk), stdout=out)
    assert "2 items assessed" in out.getvalue()
    assert ItemStatus.objects.filter(programme=world.programme).count() == 2
    with pytest.raises(CommandError):
        call_command("refresh_board", "--programme", "999999")


def test_take_snapshots_backfills_every_week_once(world: World) -> None:
    out = StringIO()
    call_command("take_snapshots", "--backfill", "--programme", str(world.programme.pk), stdout=out)
    weeks = ProgrammeSnapshot.objects.filter(programme=world.programme, group="").count()
    # 2021's programme is snapshotted from its first Sunday to the end of 2022.
    assert weeks == 104
    assert f"{weeks} weeks written" in out.getvalue()
    out = StringIO()
    pk = str(world.programme.pk)
    call_command("take_snapshots", "--programme", pk, "--on", "2021-06-20", stdout=out)
    assert "already taken" in out.getvalue()
    # Years later the old programme is no longer snapshotted.
    with pytest.raises(CommandError, match="周快照截至2022-12-25"):
        call_command("take_snapshots", "--programme", pk, "--on", "2026-11-29")


def test_take_snapshots_refuses_a_weekday(world: World) -> None:
    with pytest.raises(CommandError, match="星期日"):
        call_command("take_snapshots", "--programme", str(world.programme.pk), "--on", "2021-06-14")
