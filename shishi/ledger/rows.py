"""The ledger's rows as lists and the item page show them, read without model instances.

``queries`` fills them from written SQL; attribute names follow the models (``pk``,
``lead_unit.name``, ``leader_list`` …), so templates, template tags and the API schemas
take a row or a model instance alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.utils import timezone

from shishi.ledger.models import Lifecycle, Review, overdue

LIFECYCLE_LABELS = dict(Lifecycle.choices)
REVIEW_LABELS = dict(Review.choices)


class Ref(NamedTuple):
    """A related row as a list shows it: its id and name."""

    id: int
    name: str

    @property
    def pk(self) -> int:
        return self.id


class JurisdictionRef(NamedTuple):
    id: int
    code: str
    name: str


@dataclass(slots=True)
class ItemRow:
    """An item as list pages and the list API show it."""

    id: int
    number: str
    name: str
    seq: int
    programme_id: int
    jurisdiction: JurisdictionRef
    category: Ref | None
    lead_unit: Ref
    deadline_text: str
    due_date: dt.date | None
    is_ongoing: bool
    completion_rate: Decimal
    lifecycle: str
    progress_date: dt.date | None
    progress_text: str
    updated_at: dt.datetime
    version: int
    progress_version: int
    leader_list: list[Ref] = field(default_factory=list)
    partner_list: list[Ref] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.id

    @property
    def category_id(self) -> int | None:
        return self.category.id if self.category else None

    @property
    def lead_unit_id(self) -> int:
        return self.lead_unit.id

    @property
    def is_overdue(self) -> bool:
        return overdue(self.due_date, self.lifecycle, timezone.localdate())

    def get_lifecycle_display(self) -> str:
        return str(LIFECYCLE_LABELS.get(self.lifecycle, self.lifecycle))


@dataclass(slots=True)
class AttachmentRow:
    id: int
    name: str
    content_type: str
    size: int
    is_public: bool

    @property
    def pk(self) -> int:
        return self.id

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


@dataclass(slots=True)
class UpdateRow:
    """A progress update as the item page's timeline shows it."""

    id: int
    reported_on: dt.date
    rate: Decimal | None
    text: str
    is_note: bool
    is_public: bool
    target_actuals: dict[str, Any]
    done_investment: Decimal | None
    unit_name: str
    author_name: str
    review: str = "published"
    review_comment: str = ""
    reason: str = ""  # why the rate went down
    attachments: list[AttachmentRow] = field(default_factory=list)
    target_lines: list[tuple[str, Any, str]] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.id

    @property
    def review_label(self) -> str:
        return str(REVIEW_LABELS.get(self.review, self.review))


class EventRow(NamedTuple):
    """An audit event as the item's history shows it."""

    action: str
    changes: Any
    created_at: dt.datetime
    actor_label: str  # the account's display name or username; blank without an account
    actor_name: str  # the name recorded with the event
