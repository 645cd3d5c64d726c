"""The review benchmark's child process: bulk publish of units' pending updates.

    python -m bench.reviewbench publish N     # DATABASE_URL in env; one JSON line

Publishes the programme's ``N`` oldest pending updates with ``services.publish_updates``
as the programme office — what the review queue's 公开所选 does — and measures it.
"""

from __future__ import annotations

import argparse
import os
import time

from bench.common import emit


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reviewbench")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("publish")
    p.add_argument("n", type=int)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shishi.settings")
    import django

    django.setup()
    from bench.data import BENCH_USERNAME, DISTRICT_CODE
    from shishi.ledger import services
    from shishi.ledger.models import Programme, ProgressUpdate, PublishedItem, Review
    from shishi.orgs.models import User

    office = User.objects.get(username=BENCH_USERNAME)
    programme = Programme.objects.get(jurisdiction__code=DISTRICT_CODE)
    pending = ProgressUpdate.objects.filter(item__programme=programme, review=Review.PENDING)
    before = pending.count()
    ids = list(pending.order_by("id").values_list("id", flat=True)[: args.n])
    t0 = time.perf_counter()
    published = services.publish_updates(ids, actor=office)
    seconds = time.perf_counter() - t0
    emit(
        {
            "updates": len(published),
            "seconds": round(seconds, 3),
            "pending_before": before,
            "pending_after": pending.count(),
            "public_items": PublishedItem.objects.filter(programme=programme).count(),
        }
    )


if __name__ == "__main__":
    main()
