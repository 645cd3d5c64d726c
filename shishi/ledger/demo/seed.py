"""Demo ledgers: Nangang's 2021 sample sheet through the importer (a past programme), and
this year's programmes of Nangang, Hulan and Shuangcheng with a year of progress history
(``current.py``; the items in ``hulan.py`` and ``others.py``).

Everything goes through the services (and the importer), like a real office would.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from shishi.ledger import services
from shishi.ledger.demo.current import PendingUpdate, seed_current_year
from shishi.ledger.demo.hulan import HULAN_ITEMS
from shishi.ledger.demo.others import NANGANG_ITEMS, SHUANGCHENG_ITEMS
from shishi.ledger.models import Item, Programme, ProgressUpdate
from shishi.orgs.models import Jurisdiction

SAMPLE = Path(__file__).resolve().parent / "nangang-ledger-2021.xlsx"
SAMPLE_YEAR = 2021
SAMPLE_AS_OF = dt.date(2021, 6, 20)  # the sheet's 截至时间


def seed_nangang(nangang: Jurisdiction, *, actor: Any) -> Programme:
    """Import the 116-item sample through the same importer the office uses."""
    from shishi.ledger.excel.importing import apply_import, plan_import

    plan = plan_import(SAMPLE, jurisdiction=nangang, year=SAMPLE_YEAR, actor=actor)
    if not plan.ok:
        raise RuntimeError("demo sample does not import: " + "; ".join(map(str, plan.errors)))
    result = apply_import(plan, actor=actor)
    programme = result.programme
    _seed_history(programme, actor=actor, end=SAMPLE_AS_OF, weeks=10)
    return programme


def _seed_history(programme: Programme, *, actor: Any, end: dt.date, weeks: int) -> None:
    """Weekly updates leading up to each started item's current rate (once per programme)."""
    if ProgressUpdate.objects.filter(item__programme=programme).exists():
        return
    items = list(
        Item.objects.filter(programme=programme, completion_rate__gt=0).order_by(
            "category__order", "seq"
        )
    )
    for index, item in enumerate(items):
        final = item.completion_rate
        final_text = item.progress_text or "按计划推进"
        steps = 2 + index % 4
        for step in range(steps):
            day = end - dt.timedelta(weeks=(steps - 1 - step) * max(1, weeks // steps))
            if step == steps - 1:
                rate, text = final, final_text
            else:
                rate = (final * (step + 1) / steps).quantize(Decimal("1"))
                text = _STEP_TEXTS[(index + step) % len(_STEP_TEXTS)]
            fresh = Item.objects.get(pk=item.pk)
            services.record_progress(fresh, actor=actor, text=text, rate=rate, reported_on=day)


_STEP_TEXTS = (
    "完成现场踏查，制定实施方案",
    "召开推进会，明确责任分工和时间节点",
    "完成前期手续，进场施工",
    "按计划推进，完成阶段性任务",
    "集中攻坚，加快推进进度",
)


def seed_ledgers(
    jurisdictions: dict[str, Jurisdiction],
    *,
    actor: Any,
    offices: dict[str, Any] | None = None,
    editors: dict[tuple[str, str], Any] | None = None,
) -> tuple[list[Programme], list[PendingUpdate]]:
    """Every demo programme: Nangang's 2021 sheet as its past programme, and this year's
    programmes of the three districts, each entered by its office (``offices[code]``, else
    ``actor``) and reported on by the unit editors (``editors[(code, unit name)]``).

    Returns the programmes and the units' updates of the last days, still to post
    (``current.post_pending``) once the office has published the rest.
    """
    offices = offices or {}
    editors = editors or {}
    programmes = [seed_nangang(jurisdictions["230103"], actor=actor)]
    pending: list[PendingUpdate] = []
    for code, items in (
        ("230103", NANGANG_ITEMS),
        ("230111", HULAN_ITEMS),
        ("230113", SHUANGCHENG_ITEMS),
    ):
        programme, waiting = seed_current_year(
            jurisdictions[code],
            items,
            actor=offices.get(code, actor),
            editors={unit: user for (where, unit), user in editors.items() if where == code},
        )
        programmes.append(programme)
        pending += waiting
    return programmes, pending
