"""A party organisation's editor starts on its study activities; other unit editors on their
items as before."""

from __future__ import annotations

import pytest

from shishi.conftest import World, client_for
from shishi.orgs import services as org_services
from shishi.orgs.models import Role, Unit

pytestmark = pytest.mark.django_db


def test_a_party_committees_editor_lands_on_its_study_activities(world: World) -> None:
    committee = org_services.ensure_unit(
        world.nangang, "花园街道党工委", kind=Unit.Kind.PARTY_COMMITTEE
    )
    user = org_services.ensure_user("dangwei-t", password="shishi-test-pw", display_name="宋佳")
    org_services.grant_role(user, Role.UNIT_EDITOR, world.nangang, unit=committee)
    answer = client_for(user).get("/")
    assert answer.status_code == 302 and answer["Location"] == "/education/study/mine/"
    assert client_for(user).get(answer["Location"]).status_code == 200
    # Its committee is the organiser chosen on a new activity's form (a branch can be picked).
    form = client_for(user).get("/education/study/new/").content.decode()
    assert f'<option value="{committee.pk}" selected>' in form


def test_a_bureaus_editor_still_lands_on_its_items(world: World) -> None:
    answer = client_for(world.editor_a).get("/")
    assert answer.status_code == 302 and answer["Location"].startswith("/ledger/")
