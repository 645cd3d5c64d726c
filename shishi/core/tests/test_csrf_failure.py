"""A post without the page's CSRF token: 403 with a message a person can act on (JSON for a
client asking for JSON), not Django's English technical page."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_form_without_its_token_gets_the_sites_403_page() -> None:
    answer = Client(enforce_csrf_checks=True).post("/login/", {"username": "x", "password": "y"})
    assert answer.status_code == 403
    text = answer.content.decode()
    assert "请刷新页面后重试" in text and "CSRF" not in text


def test_a_json_client_without_the_token_gets_json(world: object) -> None:
    answer = Client(enforce_csrf_checks=True).post(
        "/public/230103/landmarks/1/check-in",
        {"nickname": "小王"},
        HTTP_ACCEPT="application/json",
    )
    assert answer.status_code == 403
    assert answer.json() == {"detail": "页面已过期或不是从本站页面提交的，请刷新页面后重试。"}
