"""Party organisations as units: a branch's name is unique within its committee only."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from shishi.orgs import services
from shishi.orgs.models import Unit

pytestmark = pytest.mark.django_db


def test_branch_names_repeat_across_committees_not_within_one(world: Any) -> None:
    nangang = world.nangang
    first = services.ensure_unit(nangang, "红旗街道党委", kind=Unit.Kind.PARTY_COMMITTEE)
    second = services.ensure_unit(nangang, "曲线街道党委", kind=Unit.Kind.PARTY_COMMITTEE)
    a = services.ensure_unit(nangang, "第一党支部", kind=Unit.Kind.PARTY_BRANCH, parent=first)
    b = services.ensure_unit(nangang, "第一党支部", kind=Unit.Kind.PARTY_BRANCH, parent=second)
    assert a.pk != b.pk
    # Asked again, each committee's branch is found, not made twice.
    again = services.ensure_unit(nangang, "第一党支部", kind=Unit.Kind.PARTY_BRANCH, parent=first)
    assert again.pk == a.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(
            jurisdiction=nangang, name="第一党支部", kind=Unit.Kind.PARTY_BRANCH, parent=first
        )


def test_a_unit_named_like_a_branch_is_its_own(world: Any) -> None:
    nangang = world.nangang
    committee = services.ensure_unit(nangang, "区直机关党委", kind=Unit.Kind.PARTY_COMMITTEE)
    branch = services.ensure_unit(
        nangang, "机关党支部", kind=Unit.Kind.PARTY_BRANCH, parent=committee
    )
    # A ledger sheet naming "机关党支部" as a responsible unit gets a unit named in the
    # district, not the committee's branch.
    named = services.ensure_unit(nangang, "机关党支部", kind=Unit.Kind.PARTY_BRANCH)
    assert named.pk != branch.pk and named.parent_id is None
    assert services.ensure_unit(nangang, "机关党支部").pk == named.pk
    # Names of other units stay unique in the district.
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(jurisdiction=nangang, name="区直机关党委", kind=Unit.Kind.BUREAU)
