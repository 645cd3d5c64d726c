"""Authentication: the login throttle first (it loads nobody), then Django's own model
backend, which loads the session's user."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.test import Client

from shishi.conftest import PASSWORD, World
from shishi.orgs.models import User


def _fields(user: User | None) -> dict[str, object]:
    assert user is not None
    return {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}


def test_get_user_reads_the_same_user_as_the_orm(world: World) -> None:
    # The login throttle comes first and loads nobody; Django's model backend does.
    assert settings.AUTHENTICATION_BACKENDS == [
        "shishi.core.throttle.LoginThrottleBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    backend = ModelBackend()
    assert _fields(backend.get_user(world.office.pk)) == _fields(
        User.objects.get(pk=world.office.pk)
    )
    assert backend.get_user(str(world.office.pk)) is not None  # as the session keeps it
    for missing in (0, 10**30):
        assert backend.get_user(missing) is None


def test_a_deactivated_or_deleted_account_loses_its_session(world: World, client: Client) -> None:
    assert client.login(username="editor_a", password=PASSWORD)
    assert client.get("/ledger/").status_code == 200
    User.objects.filter(pk=world.editor_a.pk).update(is_active=False)
    response = client.get("/ledger/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.login(username="viewer_a", password=PASSWORD)
    User.objects.filter(pk=world.viewer_a.pk).delete()
    response = client.get("/ledger/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_password_change_ends_other_sessions(world: World, client: Client) -> None:
    assert client.login(username="office", password=PASSWORD)
    assert client.get("/ledger/").status_code == 200
    office = User.objects.get(pk=world.office.pk)
    office.set_password("a-new-password-1")
    office.save()
    response = client.get("/ledger/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
