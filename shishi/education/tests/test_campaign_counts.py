"""The 十百千万 counts equal the records (part C): random activities on random lines,
units and statuses; the distinct speakers and participant sums computed here in Python
against ``campaign``'s aggregate queries (district and organisations, a committee counting
its branches); returned and submitted activities never count. Targets: defaults, stale
edits, office only."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shishi.conftest import World
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.education import campaign
from shishi.education.models import CampaignLine, CampaignTarget, StudyActivity
from shishi.education.tests.study_fixtures import Party, party
from shishi.orgs.models import Unit

__all__ = ["party"]
pytestmark = pytest.mark.django_db
SPEAKERS = ["王教授", "李书记", "张老", "赵老", "刘书记", "陈专家", ""]


def _random_activities(world: World, units: list[Unit], rng: random.Random, n: int) -> None:
    rows = []
    for i in range(n):
        unit = rng.choice(units)
        rows.append(
            StudyActivity(
                jurisdiction_id=unit.jurisdiction_id,
                unit=unit,
                kind=rng.choice(["self", "group", "online", "visit", "carrier"]),
                line=rng.choice(["", *campaign.LINES]),
                title=f"活动{i}",
                speaker=rng.choice(SPEAKERS),
                held_on=dt.date(rng.choice([2025, 2026, 2026, 2026]), rng.randint(1, 12), 1),
                participants=rng.randint(0, 300),
                status=rng.choice(list(StudyActivity.Status.values)),
            )
        )
    StudyActivity.objects.bulk_create(rows)


def _expected(rows: list[StudyActivity], line: str) -> int:
    mine = [a for a in rows if a.line == line]
    if campaign.MEASURES[line] == campaign.SPEAKERS:
        return len({a.speaker for a in mine if a.speaker})
    return sum(a.participants for a in mine)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_campaign_counts_equal_the_records(world: World, party: Party, seed: int) -> None:
    rng = random.Random(seed)
    units = [party.committee, party.branch, party.branch2, party.other, party.other_branch]
    units += [world.unit_a, world.unit_b]
    _random_activities(world, units, rng, rng.randint(40, 160))
    _random_activities(world, [world.hulan_unit], rng, 20)  # another district: never counted
    counted = [
        a
        for a in StudyActivity.objects.filter(jurisdiction=world.nangang).select_related("unit")
        if a.status == StudyActivity.Status.APPROVED and a.held_on.year == 2026
    ]
    district = campaign.district_counts(world.nangang.pk, 2026)
    assert district == {line: _expected(counted, line) for line in campaign.LINES}
    by_org: dict[int, list[StudyActivity]] = defaultdict(list)
    for a in counted:
        by_org[a.unit_id].append(a)
        if a.unit.kind == Unit.Kind.PARTY_BRANCH and a.unit.parent_id:
            by_org[a.unit.parent_id].append(a)
    orgs = campaign.organisation_counts(world.nangang.pk, 2026)
    for unit in units:
        want = {line: _expected(by_org[unit.pk], line) for line in campaign.LINES}
        assert orgs.get(unit.pk, dict.fromkeys(campaign.LINES, 0)) == want, unit.name
    # the drill-down lists exactly what a count is made of
    for line in campaign.LINES:
        listed = list(campaign.counted_activities(world.nangang.pk, 2026, line, party.committee.pk))
        assert sorted(a.pk for a in listed) == sorted(
            a.pk for a in by_org[party.committee.pk] if a.line == line
        )


def test_returned_and_submitted_activities_do_not_count(world: World, party: Party) -> None:
    for status in StudyActivity.Status.values:
        StudyActivity.objects.create(
            jurisdiction=world.nangang,
            unit=party.branch,
            kind="group",
            line=CampaignLine.SECRETARY_LECTURE,
            title=status,
            speaker=f"书记{status}",
            held_on=dt.date(2026, 3, 1),
            participants=10,
            status=status,
        )
    counts = campaign.district_counts(world.nangang.pk, 2026)
    assert counts[CampaignLine.SECRETARY_LECTURE] == 1
    assert (
        campaign.organisation_counts(world.nangang.pk, 2026)[party.committee.pk][
            CampaignLine.SECRETARY_LECTURE
        ]
        == 1
    )


def test_a_speaker_at_two_branches_is_one_speaker_for_the_committee(
    world: World, party: Party
) -> None:
    for unit in (party.branch, party.branch2):
        StudyActivity.objects.create(
            jurisdiction=world.nangang, unit=unit, kind="group", line="veteran_story",
            title="讲红色故事", speaker="张老", held_on=dt.date(2026, 4, 1), participants=30,
            status="approved",
        )  # fmt: skip
    orgs = campaign.organisation_counts(world.nangang.pk, 2026)
    assert orgs[party.committee.pk]["veteran_story"] == 1
    assert orgs[party.branch.pk]["veteran_story"] == 1
    assert orgs[party.branch2.pk]["veteran_story"] == 1


def test_figures_take_a_handful_of_queries(world: World, party: Party) -> None:
    _random_activities(
        world, [party.branch, party.other_branch, world.unit_a], random.Random(9), 200
    )
    with CaptureQueriesContext(connection) as queries:
        campaign.district_figures(world.nangang.pk, 2026)
        campaign.organisation_figures(world.nangang.pk, 2026)
    assert len(queries) <= 6


def test_targets_default_then_set_version_checked(world: World, party: Party) -> None:
    targets = campaign.district_targets(world.nangang.pk, 2027)
    assert {k: t.value for k, t in targets.items()} == campaign.DEFAULT_TARGETS
    assert all(t.version == 0 for t in targets.values())
    line = CampaignLine.EXPERT_TOUR
    saved = campaign.set_target(world.nangang.pk, 2027, line, 12, version=0, actor=world.office)
    assert saved is not None and saved.version == 1
    with pytest.raises(StaleEdit):  # a second form loaded with the default
        campaign.set_target(world.nangang.pk, 2027, line, 15, version=0, actor=world.office)
    campaign.set_target(world.nangang.pk, 2027, line, 15, version=1, actor=world.office)
    with pytest.raises(StaleEdit):
        campaign.set_target(world.nangang.pk, 2027, line, 20, version=1, actor=world.office)
    assert campaign.district_targets(world.nangang.pk, 2027)[line].value == 15
    assert AuditEvent.objects.filter(action="education.campaign_target_set").count() == 2
    for user in (party.committee_editor, world.outsider, world.leader):
        with pytest.raises(PermissionDenied):
            campaign.set_target(world.nangang.pk, 2027, line, 1, version=2, actor=user)
    with pytest.raises(ValidationFailed) as refused:
        campaign.set_target(world.nangang.pk, 2027, line, -1, version=2, actor=world.office)
    assert "target" in refused.value.errors
    # an organisation's target; 0 removes it
    org = campaign.set_target(
        world.nangang.pk, 2027, line, 3, version=0, actor=world.office, unit=party.committee
    )
    assert org is not None
    assert (
        campaign.organisation_targets(world.nangang.pk, 2027)[party.committee.pk][line].value == 3
    )
    campaign.set_target(
        world.nangang.pk, 2027, line, 0, version=1, actor=world.office, unit=party.committee
    )
    assert not CampaignTarget.objects.filter(unit=party.committee).exists()
    with pytest.raises(ValidationFailed):  # another district's unit
        campaign.set_target(
            world.nangang.pk, 2027, line, 3, version=0, actor=world.office, unit=world.hulan_unit
        )
