"""API tokens: only the hash is kept, the command hands out a working key, dead users are out."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shishi.conftest import World
from shishi.core.models import AuditEvent
from shishi.orgs.api_auth import user_for_token
from shishi.orgs.models import ApiToken, User
from shishi.orgs.services import create_api_token


def _me(client: Client, key: str) -> Any:
    return client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_only_the_hash_of_the_key_is_stored(world: World) -> None:
    key = create_api_token(world.editor_a, name="报表脚本")
    token = ApiToken.objects.get(user=world.editor_a)
    assert key.startswith("ss_") and len(key) > 40
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in (token.key_hash, token.name)
    event = AuditEvent.objects.get(action="api_token.create", target_id=str(token.pk))
    assert key not in str(event.changes)


def test_two_tokens_of_one_user_differ(world: World) -> None:
    assert create_api_token(world.office) != create_api_token(world.office)
    assert ApiToken.objects.filter(user=world.office).count() == 2


def test_command_prints_a_working_token(world: World, client: Client) -> None:
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "editor_a", "--name", "ETL", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert "只显示这一次" in err.getvalue()
    token = ApiToken.objects.get(user=world.editor_a)
    assert token.name == "ETL"
    assert token.key_hash != key
    response = _me(client, key)
    assert response.status_code == 200
    assert response.json()["username"] == "editor_a"


def test_command_refuses_unknown_user(db: None) -> None:
    with pytest.raises(CommandError, match="用户不存在"):
        call_command("create_api_token", "nobody", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_command_refuses_inactive_user_and_long_name(world: World) -> None:
    User.objects.filter(pk=world.viewer_a.pk).update(is_active=False)
    with pytest.raises(CommandError, match="已停用"):
        call_command("create_api_token", "viewer_a", stdout=StringIO())
    with pytest.raises(CommandError, match="过长"):
        call_command("create_api_token", "editor_a", "--name", "x" * 101, stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_deactivated_users_token_is_rejected(world: World, client: Client) -> None:
    key = create_api_token(world.editor_a)
    assert _me(client, key).status_code == 200
    User.objects.filter(pk=world.editor_a.pk).update(is_active=False)
    response = _me(client, key)
    assert response.status_code == 401
    assert client.get("/api/v1/items", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_deleted_token_is_rejected(world: World, client: Client) -> None:
    key = create_api_token(world.editor_a)
    ApiToken.objects.filter(user=world.editor_a).delete()
    assert _me(client, key).status_code == 401


def test_scheme_is_case_insensitive_and_key_is_exact(world: World, client: Client) -> None:
    key = create_api_token(world.office)
    ok = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"bearer {key}")
    assert ok.status_code == 200
    assert _me(client, key.upper()).status_code == 401
    assert _me(client, key[:-1]).status_code == 401


def test_last_used_at_is_written_at_most_once_a_minute(world: World, client: Client) -> None:
    key = create_api_token(world.office)
    token = ApiToken.objects.get(user=world.office)
    assert token.last_used_at is None
    _me(client, key)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as ctx:
        assert _me(client, key).status_code == 200
    assert not [q for q in ctx.captured_queries if q["sql"].startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    _me(client, key)
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at > first - dt.timedelta(minutes=1)
    assert token.last_used_at <= timezone.now()


def test_user_for_token_ignores_garbage(db: None) -> None:
    assert user_for_token("") is None
    assert user_for_token("ss_" + "a" * 1000) is None
    assert user_for_token("\x00") is None
