"""What the ledger tells people (``notify.services.notify``), called inside the writing
service's transaction; the messages are written with it and handed to the worker when it
commits."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from shishi.ledger.models import ChangeRequest, Item, ProgressUpdate
from shishi.ledger.selectors.plans import items_due_on
from shishi.notify import kinds
from shishi.notify.services import notify


def _item_context(item: Item) -> dict[str, str]:
    return {"number": item.number, "name": item.name}


def update_rejected(update: ProgressUpdate, item: Item, comment: str) -> None:
    """The lead unit's editors learn that the office sent their update back."""
    notify(
        [item.lead_unit],
        kinds.PROGRESS_REJECTED.name,
        {**_item_context(item), "comment": comment},
        dedupe_key=f"progress.rejected:{update.pk}",
        link=reverse("ledger:item", args=[item.pk]) + "#progress",
        jurisdiction=item.jurisdiction_id,
    )


def change_request_filed(request: ChangeRequest, item: Item) -> None:
    """The district's office learns of a unit's change request waiting for its decision."""
    notify(
        [item.jurisdiction],
        kinds.CHANGE_REQUEST_FILED.name,
        {**_item_context(item), "unit": item.lead_unit.name, "reason": request.reason},
        dedupe_key=f"change_request.filed:{request.pk}",
        link=reverse("ledger:change_requests"),
        jurisdiction=item.jurisdiction_id,
    )


def change_request_decided(request: ChangeRequest, item: Item, *, approved: bool) -> None:
    """The requesting unit's editors learn the office's decision."""
    notify(
        [request.unit],
        kinds.CHANGE_REQUEST_DECIDED.name,
        {
            **_item_context(item),
            "approved": approved,
            "decision": "已同意" if approved else "未同意",
            "comment": request.comment,
        },
        dedupe_key=f"change_request.decided:{request.pk}",
        link=reverse("ledger:item", args=[item.pk]),
        jurisdiction=item.jurisdiction_id,
    )


def deadline_reminders(today: dt.date) -> int:
    """Tell each unfinished item's lead unit the day before its deadline (urgent: SMS too),
    and the day after it passed (the unit and its group robot). Once per item and date: the
    dedupe key holds across repeated runs. Returns the number of items told."""
    tomorrow, yesterday = today + dt.timedelta(days=1), today - dt.timedelta(days=1)
    told = 0
    for item in items_due_on([tomorrow, yesterday]):
        due = item.due_date
        kind = kinds.DEADLINE_TOMORROW if due == tomorrow else kinds.DEADLINE_OVERDUE
        notify(
            [item.lead_unit],
            kind.name,
            {**_item_context(item), "due": item.deadline_text or f"{due:%Y-%m-%d}"},
            dedupe_key=f"{kind.name}:{item.pk}:{due:%Y-%m-%d}",
            link=reverse("ledger:item", args=[item.pk]),
            jurisdiction=item.jurisdiction_id,
        )
        told += 1
    return told
