"""Security headers: a strict Content-Security-Policy on every response, pages that need
nothing inline, and `shishi check --deploy` clean with the documented production settings."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client

from shishi.conftest import World, client_for
from shishi.core.middleware import SecurityHeadersMiddleware

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "shishi" / "templates"
STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def _policy(header: str) -> dict[str, str]:
    parts = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


def test_every_kind_of_response_carries_the_strict_policy(world: World) -> None:
    anonymous = Client()
    office = client_for(world.office)
    responses = [
        anonymous.get("/login/"),
        anonymous.get("/public/"),
        anonymous.get("/public/999999/2021/"),  # a 404 page
        anonymous.get("/ledger/"),  # a redirect
        office.get(f"/ledger/?programme={world.programme.pk}"),
        office.get(f"/board/programme/{world.programme.pk}/"),
        office.get("/api/v1/openapi.json"),
        office.get("/static/css/app.css"),
    ]
    for response in responses:
        policy = _policy(response["Content-Security-Policy"])
        for directive, sources in STRICT.items():
            assert policy[directive] == sources, (response.status_code, directive)
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "camera=()" in response["Permissions-Policy"]


def test_a_view_that_sets_its_own_policy_keeps_it() -> None:
    def view(request: object) -> HttpResponse:
        own = HttpResponse("x")
        own["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return own

    response = SecurityHeadersMiddleware(view)(HttpRequest())
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=|javascript:|hx-on|\bjs:", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)


@pytest.mark.parametrize(
    "path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_template_needs_inline_script_or_style(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for rule in (INLINE_SCRIPT, INLINE_HANDLER, STYLE_ATTRIBUTE, STYLE_ELEMENT):
        assert not rule.search(text), f"{path.name}: {rule.search(text)}"


def test_pages_turn_off_htmx_indicator_style_and_eval() -> None:
    for name in ("base.html", "portal/base.html"):
        text = (TEMPLATES / name).read_text(encoding="utf-8")
        assert '"includeIndicatorStyles": false' in text and '"allowEval": false' in text


def documented_production_environment() -> dict[str, str]:
    """The variables of docs/operations.md's "Production environment" block."""
    doc = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    block = doc.split("<!-- production-environment -->")[1].split("```")[1]
    env = {}
    for line in block.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.removeprefix("export ").partition("=")
            # The document's secrets are placeholders: "<…>" stands for random characters.
            env[name] = re.sub(r"<[^>]*>", lambda _: secrets.token_urlsafe(40), value)
    return env


def test_check_deploy_is_clean_with_the_documented_production_environment(
    tmp_path: Path,
) -> None:
    env = documented_production_environment()
    assert {"SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "SHISHI_BEHIND_TLS_PROXY"} <= set(env)
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    env["SHISHI_AUDIT_CHECKPOINT_DIR"] = str(tmp_path / "audit")
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env={**keep, **env, "DJANGO_SETTINGS_MODULE": "shishi.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_without_it(tmp_path: Path) -> None:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy"],
        env={
            **keep,
            "DJANGO_SETTINGS_MODULE": "shishi.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stdout + result.stderr


def test_the_secure_settings_come_from_the_environment(tmp_path: Path) -> None:
    env = documented_production_environment()
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    script = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER,"
        " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    out = subprocess.run(
        [sys.executable, "-c", script],
        env={**keep, **env, "DJANGO_SETTINGS_MODULE": "shishi.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split("\n")[0]
    assert out == "31536000 True ('HTTP_X_FORWARDED_PROTO', 'https') True True"
