"""Time the morning job's run (``supervision.overdue.refresh_cards``) on 5,000 open findings
and 10,000 open instructions, added to a COPY of the demo database (it writes rows):

    make seed
    cp shishi.sqlite3 /tmp/cards.sqlite3
    export DATABASE_URL=sqlite:////tmp/cards.sqlite3
    .venv/bin/shishi shell < scripts/supervision_cards_timing.py
"""

import datetime as dt
import random
import time

from django.conf import settings
from django.db import connection, reset_queries
from django.utils import timezone

from shishi.orgs.models import Unit
from shishi.supervision.models import Finding, Instruction, Round
from shishi.supervision.overdue import refresh_cards

random.seed(1)
today = timezone.localdate()
round_ = Round.objects.get(jurisdiction__code="230103", code=f"{today.year}-1")
group = round_.groups.first()
units = list(
    Unit.objects.filter(jurisdiction_id=round_.jurisdiction_id).values_list("pk", flat=True)
)
earlier = timezone.now() - dt.timedelta(days=3)  # no service touched them since the last run
findings = []
for n in range(5000):
    unit = random.choice(units)
    findings.append(
        Finding(
            jurisdiction_id=round_.jurisdiction_id,
            round=round_,
            group=group,
            unit_id=unit,
            responsible_unit_id=unit,
            kind="to_rectify",
            status="open",
            problem=f"问题{n}",
            measure="措施",
            responsible_person="责任人",
            deadline=today - dt.timedelta(days=random.randint(-20, 120)),
        )
    )
Finding.objects.bulk_create(findings, batch_size=1000)
Instruction.objects.bulk_create(
    [
        Instruction(
            jurisdiction_id=round_.jurisdiction_id,
            author_name="领导",
            written_on=today - dt.timedelta(days=150),
            text=f"批示{n}",
            unit_id=random.choice(units),
            answer_by=today - dt.timedelta(days=random.randint(-20, 120)),
        )
        for n in range(10000)
    ],
    batch_size=1000,
)
Finding.objects.filter(measure="措施").update(updated_at=earlier)
Instruction.objects.filter(author_name="领导").update(updated_at=earlier)


def timed(label, day):
    reset_queries()
    start = time.perf_counter()
    run = refresh_cards(day)
    took = time.perf_counter() - start
    print(f"{label}: {took:.2f} s, {len(connection.queries)} queries, {run}")


settings.DEBUG = True  # count the queries (the log keeps the last 9,000)
timed("first run: every card new, each told", today)
timed("again the same day: nothing new", today)
timed("the next morning: the cards that move, told", today + dt.timedelta(days=1))
timed("again that morning", today + dt.timedelta(days=1))
