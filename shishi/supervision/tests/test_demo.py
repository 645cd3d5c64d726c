"""The demo's supervision: Hulan's first round has the figures of its own summary (64 party
committees visited, 26 problems corrected on the spot, 20 suggestions); Nangang has its five
groups, rectifications at every stage, a 回头看 and instructions; seeding twice changes
nothing."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command

from shishi.notify.models import Message
from shishi.orgs.models import Unit
from shishi.supervision.figures import round_figures
from shishi.supervision.models import (
    Card,
    Finding,
    InspectionGroup,
    Instruction,
    InstructionStep,
    Recheck,
    Round,
    Visit,
    VisitAnswer,
)

TABLES = (Round, InspectionGroup, Visit, VisitAnswer, Finding, Recheck, Instruction)


def _counts() -> dict[str, int]:
    out = {model.__name__: model.objects.count() for model in TABLES}
    out["InstructionStep"] = InstructionStep.objects.count()
    out["committees"] = Unit.objects.filter(
        kind=Unit.Kind.PARTY_COMMITTEE, jurisdiction__code="230111"
    ).count()
    out["messages"] = Message.objects.filter(kind__startswith="rectification.").count()
    out["instruction messages"] = Message.objects.filter(kind__startswith="instruction.").count()
    return out


def test_the_demo_seeds_supervision_once_with_hulans_figures(
    db: None, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", stdout=StringIO())
    first = _counts()
    call_command("seed_demo", stdout=StringIO())
    assert _counts() == first

    # Hulan: 64 party committees visited, 26 problems corrected on the spot, 20 suggestions.
    hulan = Round.objects.get(jurisdiction__code="230111", code="2021-1")
    total = round_figures(hulan).total
    assert (total.visited, total.on_the_spot, total.suggestions) == (64, 26, 20)
    assert first["committees"] == 64
    assert InspectionGroup.objects.filter(
        jurisdiction__code="230111", members__username="hulan-inspector"
    ).exists()

    # Nangang: five groups, the demo inspector in one.
    groups = InspectionGroup.objects.filter(jurisdiction__code="230103")
    assert groups.count() == 5
    assert groups.filter(members__username="inspector").count() == 1
    # Rectifications at every stage, overdue ones with a yellow and a red card.
    nangang = Finding.objects.filter(jurisdiction__code="230103", kind="to_rectify")
    assert {"open", "submitted", "returned", "closed"} <= set(
        nangang.values_list("status", flat=True)
    )
    assert nangang.filter(status="open", card=Card.YELLOW).exists()
    assert nangang.filter(status="open", card=Card.RED).exists()
    assert Finding.objects.filter(jurisdiction__code="230103", kind="on_the_spot").exists()
    # The 回头看 found one problem come back, linked to the first.
    recurred = Recheck.objects.get(result="recurred")
    assert recurred.round.revisits_id == recurred.finding.round_id
    assert recurred.recurrence is not None
    assert recurred.recurrence.recurrence_of_id == recurred.finding_id
    # The leader's instructions open, answered, asked again and settled; one from paper.
    statuses = set(Instruction.objects.values_list("status", flat=True))
    assert statuses == {"open", "answered", "settled"}
    assert InstructionStep.objects.filter(kind="ask_again").exists()
    paper = Instruction.objects.get(author__isnull=True)
    assert paper.scan.name.endswith(".png") and paper.entered_by is not None
    assert paper.entered_by.username == "nangang"
    assert Instruction.objects.filter(author__username="leader").count() >= 4
    # The morning job ran: the unit has been told of its cards.
    assert Message.objects.filter(kind="rectification.overdue", context__level="red").exists()
