"""Who may use the appointment services (on top of ``orgs.permissions``): the district's
operators (接线员) and office ask whether a person is eligible and book for them."""

from __future__ import annotations

from typing import Any

from shishi.orgs.permissions import scope_for


def is_operator(user: Any, jurisdiction_id: int) -> bool:
    return scope_for(user).operates(jurisdiction_id)


def operator_jurisdiction_ids(user: Any) -> set[int]:
    return scope_for(user).operated_ids()
