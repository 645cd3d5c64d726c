"""The demo's review work in progress: a unit's deadline change request waiting for the
office, and one unit update the office sent back with a comment (both through services)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from shishi.ledger import services
from shishi.ledger.models import ChangeRequest, Item, ProgressUpdate, Review


def seed_review_examples(
    programme_office: Any, unit_editor: Any, *, jurisdiction_code: str
) -> Mapping[str, int]:
    """A pending change request by ``unit_editor`` on one of its unit's items this year, and
    the oldest of its pending updates rejected by ``programme_office``. Idempotent."""
    year = timezone.localdate().year
    if ChangeRequest.objects.filter(jurisdiction__code=jurisdiction_code).exists():
        return {"change_requests": 0, "rejected": 0}
    items = Item.objects.filter(
        programme__jurisdiction__code=jurisdiction_code,
        programme__year=year,
        lead_unit__memberships__user=unit_editor,
        due_date__isnull=False,
    ).order_by("due_date", "id")
    item = items.select_related("programme").first()
    filed = 0
    if item is not None:
        services.file_change_request(
            item,
            actor=unit_editor,
            changes={"due_date": dt.date(year + 1, 6, 30).isoformat()},
            reason="冬季冻土期无法进行管网施工，申请将完成时限调整至明年6月底，其余内容不变。",
        )
        filed = 1
    pending = (
        ProgressUpdate.objects.filter(
            jurisdiction__code=jurisdiction_code,
            review=Review.PENDING,
            author=unit_editor,
            is_note=False,
        )
        .order_by("id")
        .first()
    )
    rejected = 0
    if pending is not None:
        services.reject_update(
            pending,
            actor=programme_office,
            comment="进展中的累计数与上周不一致，请核实后重新填报，并补充现场照片。",
        )
        rejected = 1
    return {"change_requests": filed, "rejected": rejected}
