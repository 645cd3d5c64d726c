"""The status column of the public portal, in one place so that it can be swapped.

For now it is the item's lifecycle (未启动 / 推进中 / 已完成 / 已销号). The board app will
later provide a schedule status (ahead / on schedule / behind …); replacing the body of
``public_status`` changes the pages, the JSON and the CSV together.
"""

from __future__ import annotations

from dataclasses import dataclass

from shishi.ledger.models import Item, Lifecycle, PublishedItem

# Item fields ``public_status`` reads; the portal's queries load these and no more.
STATUS_FIELDS = ("lifecycle",)

_CLASSES: dict[str, str] = {
    Lifecycle.NOT_STARTED: "badge-muted",
    Lifecycle.IN_PROGRESS: "badge-blue",
    Lifecycle.DONE: "badge-green",
    Lifecycle.CLOSED_OUT: "badge-dark",
}
_LABELS = dict(Lifecycle.choices)

DONE_STATES = (Lifecycle.DONE, Lifecycle.CLOSED_OUT)


@dataclass(frozen=True)
class PublicStatus:
    code: str  # stable English code, as in the open data ("in_progress")
    label: str  # the label a resident reads ("推进中"), in the active language
    css: str  # badge class of the stylesheet
    bar: str = ""  # class of the completion-rate bar


def public_status(item: Item | PublishedItem) -> PublicStatus:
    """What the public sees in the status column of ``item``."""
    code = str(item.lifecycle)
    return PublicStatus(
        code=code,
        label=str(_LABELS.get(code, code)),
        css=_CLASSES.get(code, "badge-muted"),
        bar="bar-green" if code in DONE_STATES else "",
    )


def status_choices() -> list[tuple[str, str]]:
    """Every status code with its label, for the open-data field documentation."""
    return [(str(value), str(label)) for value, label in Lifecycle.choices]
