"""Yellow and red cards (黄牌, 红牌) of overdue rectifications and instructions.

A finding to rectify, or an instruction, that is still open once its deadline (answer-by
date) has passed by one working day gets a yellow card; past ``red_after`` working days (the
round's ``red_after_workdays``; ``SHISHI_INSTRUCTION_RED_AFTER_WORKDAYS`` for instructions)
it turns red. Working days come from the district's calendar (``shishi.workdays``), so a
deadline before the National Day week is not red by the end of the holiday.

Services set ``card`` when a record changes; the nightly job (``supervision.tasks``) sets it
as days pass, so lists filter and count cards in SQL.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from shishi.supervision.models import Card
from shishi.workdays.calendar import working_days_between


def card_for(
    deadline: dt.date | None, today: dt.date, *, red_after: int, jurisdiction: int | None
) -> str:
    """The card of an open record due on ``deadline``, on ``today``."""
    if deadline is None or today <= deadline:
        return Card.NONE
    late = working_days_between(deadline, today, jurisdiction=jurisdiction)
    if late < 1:
        return Card.NONE
    return Card.RED if late > red_after else Card.YELLOW


def instruction_red_after() -> int:
    return int(settings.SHISHI_INSTRUCTION_RED_AFTER_WORKDAYS)
