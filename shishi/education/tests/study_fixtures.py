"""Party organisations, their editors and study activities for the study and campaign tests
(part C)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shishi.conftest import World
from shishi.education import study_services
from shishi.education.models import StudyActivity
from shishi.education.study_services import ActivityInput
from shishi.orgs import services as org_services
from shishi.orgs.models import Role, Unit, User

PAST = dt.date(2026, 5, 10)


@dataclass
class Party:
    committee: Unit  # 区教育局党委, edited by committee_editor
    branch: Unit  # its 第一党支部
    branch2: Unit  # its 第二党支部
    other: Unit  # 区卫健局党委 (not the editor's)
    other_branch: Unit  # the other committee's 第一党支部 (the same name)
    committee_editor: User
    branch_editor: User  # edits 第一党支部 only


@pytest.fixture
def party(world: World) -> Party:
    n = world.nangang
    committee = org_services.ensure_unit(n, "区教育局党委", kind=Unit.Kind.PARTY_COMMITTEE)
    branch = org_services.ensure_unit(
        n, "第一党支部", kind=Unit.Kind.PARTY_BRANCH, parent=committee
    )
    branch2 = org_services.ensure_unit(
        n, "第二党支部", kind=Unit.Kind.PARTY_BRANCH, parent=committee
    )
    other = org_services.ensure_unit(n, "区卫健局党委", kind=Unit.Kind.PARTY_COMMITTEE)
    other_branch = org_services.ensure_unit(
        n, "第一党支部", kind=Unit.Kind.PARTY_BRANCH, parent=other
    )
    committee_editor = org_services.ensure_user("committee_editor", password="pw-test-123")
    org_services.grant_role(committee_editor, Role.UNIT_EDITOR, n, unit=committee)
    branch_editor = org_services.ensure_user("branch_editor", password="pw-test-123")
    org_services.grant_role(branch_editor, Role.UNIT_EDITOR, n, unit=branch)
    return Party(committee, branch, branch2, other, other_branch, committee_editor, branch_editor)


def photo(name: str = "p.png", fmt: str = "PNG") -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def entry(unit: Unit, **kw: Any) -> ActivityInput:
    values: dict[str, Any] = {
        "kind": "group",
        "title": "集中学习党史",
        "unit_id": unit.pk,
        "held_on": PAST,
        "participants": 20,
    }
    values.update(kw)
    return ActivityInput(**values)


def entered(unit: Unit, actor: Any = None, **kw: Any) -> StudyActivity:
    return study_services.enter_activity(entry(unit, **kw), actor=actor)


def approved(unit: Unit, **kw: Any) -> StudyActivity:
    found = entered(unit, **kw)
    return study_services.approve_activity(found, actor=None)
