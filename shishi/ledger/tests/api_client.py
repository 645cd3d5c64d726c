"""A test client of the ledger API speaking for one persona through a bearer token."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from shishi.orgs.models import User
from shishi.orgs.services import create_api_token

API = "/api/v1"


class Caller:
    """A test client speaking for one user through a bearer token (or for nobody)."""

    def __init__(self, client: Client, user: User | None = None, *, key: str | None = None):
        self.client = client
        self.headers: dict[str, str] = {}
        if user is not None:
            key = create_api_token(user, name="test")
        if key is not None:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(API + path, params, **self.headers)  # type: ignore[arg-type]

    def post(self, path: str, body: Any) -> Any:
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.post(
            API + path,
            data,
            content_type="application/json",
            **self.headers,  # type: ignore[arg-type]
        )

    def patch(self, path: str, body: Any) -> Any:
        return self.client.patch(
            API + path,
            json.dumps(body),
            content_type="application/json",
            **self.headers,  # type: ignore[arg-type]
        )

    def delete(self, path: str, body: Any = None, **params: Any) -> Any:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return self.client.delete(
            API + path + (f"?{query}" if query else ""),
            json.dumps(body) if body is not None else "",
            content_type="application/json",
            **self.headers,  # type: ignore[arg-type]
        )
