"""Passwords: the policy, changing one's own, and the office resetting its accounts'."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from shishi.conftest import PASSWORD, World, client_for
from shishi.core.models import AuditEvent
from shishi.orgs.models import User

NEW = "Nangang-2026-ok"


@pytest.mark.parametrize(
    "password",
    ["Ab1-xyz", "abcdefghijkl", "abcdef-ghijk", "1234567890123", "Password123", "editor_a-2026"],
)
def test_the_policy_refuses_short_simple_common_or_name_like_passwords(
    world: World, password: str
) -> None:
    with pytest.raises(ValidationError):
        validate_password(password, world.editor_a)


@pytest.mark.parametrize("password", [NEW, "hulan river 7 Spring", "冰雪大世界Harbin2026"])
def test_the_policy_accepts_long_passwords_of_three_kinds(world: World, password: str) -> None:
    validate_password(password, world.editor_a)


def _change(client: Client, old: str, new: str, again: str | None = None) -> Any:
    data = {"old_password": old, "new_password": new, "new_password2": again or new}
    return client.post("/account/password/", data)


def test_a_user_changes_their_own_password_and_stays_signed_in(world: World) -> None:
    client = client_for(world.editor_a)
    assert client.get("/account/password/").status_code == 200
    response = _change(client, PASSWORD, NEW)
    assert response.status_code == 302
    assert client.get("/ledger/").status_code == 200  # the session survived the change
    world.editor_a.refresh_from_db()
    assert world.editor_a.check_password(NEW)
    event = AuditEvent.objects.filter(action="user.password_change").latest("seq")
    assert event.actor_id == world.editor_a.pk and event.target_id == str(world.editor_a.pk)
    assert NEW not in str(event.changes) and PASSWORD not in str(event.changes)


@pytest.mark.parametrize(
    ("old", "new", "again", "field_text"),
    [
        ("wrong-old", NEW, None, "原密码不正确"),
        (PASSWORD, "short", None, "10"),
        (PASSWORD, NEW, "Nangang-2026-no", "两次输入的新密码不一致"),
        (PASSWORD, PASSWORD, None, "新密码不能与原密码相同"),
    ],
)
def test_a_refused_change_says_why_next_to_the_field(
    world: World, old: str, new: str, again: str | None, field_text: str
) -> None:
    client = client_for(world.editor_a)
    response = _change(client, old, new, again)
    assert response.status_code == 422
    assert field_text in response.content.decode()
    world.editor_a.refresh_from_db()
    assert world.editor_a.check_password(PASSWORD)


def test_the_office_resets_a_unit_account_which_must_then_choose_its_own(world: World) -> None:
    office = client_for(world.office)
    assert 'id="accounts-link"' in office.get("/account/password/").content.decode()
    assert (
        'id="accounts-link"'
        not in client_for(world.editor_a).get("/account/password/").content.decode()
    )
    page = office.get("/account/users/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "editor_a" in text and "outsider" not in text  # Hulan's office is not Nangang's
    victim = Client()
    victim.force_login(world.editor_a)
    response = office.post(f"/account/users/{world.editor_a.pk}/reset/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    temporary = response.context["password"]
    assert temporary in response.content.decode()
    world.editor_a.refresh_from_db()
    assert world.editor_a.must_change_password and world.editor_a.check_password(temporary)
    event = AuditEvent.objects.filter(action="user.password_reset").latest("seq")
    assert event.actor_id == world.office.pk and event.target_id == str(world.editor_a.pk)
    assert event.jurisdiction_id == world.nangang.pk and temporary not in str(event.changes)
    # The old session ended; a login with the temporary password leads to the password page,
    # and every other page sends it there until it has chosen its own.
    assert victim.get("/ledger/").status_code == 302
    client = Client()
    login = client.post("/login/", {"username": "editor_a", "password": temporary})
    assert login.status_code == 302 and login["Location"] == "/account/password/"
    assert client.get("/ledger/")["Location"] == "/account/password/"
    assert _change(client, temporary, NEW).status_code == 302
    assert client.get("/ledger/").status_code == 200
    world.editor_a.refresh_from_db()
    assert not world.editor_a.must_change_password


@pytest.mark.parametrize(
    ("actor", "target"),
    [
        ("outsider", "editor_a"),  # another district's office
        ("editor_b", "editor_a"),  # not an office
        ("office", "city_office"),  # the city office is above the district's
        ("office", "office"),  # one's own: the password page
        ("office", "resident"),  # an account with no role in the district
    ],
)
def test_an_office_resets_only_accounts_of_its_own_districts(
    world: World, actor: str, target: str
) -> None:
    who = getattr(world, actor)
    victim = getattr(world, target)
    response = client_for(who).post(f"/account/users/{victim.pk}/reset/")
    assert response.status_code == 404
    victim.refresh_from_db()
    assert victim.check_password(PASSWORD) and not victim.must_change_password


def test_the_city_office_resets_a_district_account_but_nobody_a_superuser(world: World) -> None:
    city = client_for(world.city_office)
    assert city.post(f"/account/users/{world.editor_a.pk}/reset/").status_code == 200
    root = User.objects.get(username="root")
    assert city.post(f"/account/users/{root.pk}/reset/").status_code == 404


def test_the_accounts_page_is_the_offices_only(world: World) -> None:
    assert client_for(world.editor_a).get("/account/users/").status_code == 403
    assert Client().get("/account/users/").status_code == 302  # to the login page
