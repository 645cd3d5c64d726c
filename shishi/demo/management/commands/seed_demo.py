"""Load the demo: Harbin, its three districts, their ledgers and one login per role."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from shishi.board import services as board_services
from shishi.core.dbstats import refresh_planner_statistics
from shishi.ledger.demo.seed import seed_ledgers
from shishi.orgs.demo import DEMO_PASSWORD, seed_jurisdictions, seed_logins
from shishi.portal.demo import publish_demo


class Command(BaseCommand):
    help = "Load demo data (idempotent): city, districts, ledgers, progress history, logins."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            jurisdictions = seed_jurisdictions()
            logins = seed_logins(jurisdictions)
            admin = next(user for login, user in logins if login.role == "superuser")
            programmes = seed_ledgers(jurisdictions, actor=admin)
            # The offices publish their programmes on the public portal.
            for programme in programmes.values():
                publish_demo(programme, admin)
        # The battle board: today's statuses and a year of weekly snapshots rebuilt from the
        # progress history, as `take_snapshots --backfill` does after an import.
        for programme in programmes.values():
            board_services.refresh_statuses(programme.pk)
            board_services.backfill_snapshots(programme.pk)
        refresh_planner_statistics()
        for code, programme in programmes.items():
            self.stdout.write(
                f"{jurisdictions[code].name} {programme.year}: {programme.items.count()} 项"
            )
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login, _user in logins:
            self.stdout.write(f"  {login.username:<12} {login.display_name}")
