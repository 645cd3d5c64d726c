"""Load the demo: Harbin, its three districts, their ledgers and one login per role."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from shishi.appointments.demo import seed_clinic_login, seed_services
from shishi.appointments.demo_booking import seed_bookings
from shishi.appointments.demo_certificates import seed_certificates
from shishi.appointments.demo_visits import seed_visits
from shishi.appointments.models import HealthCertificate
from shishi.board import services as board_services
from shishi.core.dbstats import refresh_planner_statistics
from shishi.demands.demo import seed_demands
from shishi.education.demo import seed_education  # <h19-demo>
from shishi.enterprise.demo import seed_enterprise  # <h18-demo>
from shishi.ledger.demo.current import post_pending
from shishi.ledger.demo.review import seed_review_examples
from shishi.ledger.demo.seed import seed_ledgers
from shishi.notify.demo import seed_contacts, seed_robots
from shishi.orgs import services as org_services
from shishi.orgs.demo import DEMO_PASSWORD, seed_jurisdictions, seed_logins
from shishi.orgs.models import Role
from shishi.portal.demo import publish_demo
from shishi.reports.demo import (
    compile_last_week,
    seed_briefing,
    seed_circular,
    seed_cycles,
    seed_indicators,
)
from shishi.supervision.demo import seed_supervision


class Command(BaseCommand):
    help = "Load demo data (idempotent): city, districts, ledgers, progress history, logins."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            jurisdictions = seed_jurisdictions()
            logins = seed_logins(jurisdictions)
            admin = next(user for login, user in logins if login.role == "superuser")
            offices = {
                login.district: user
                for login, user in logins
                if login.role == Role.PROGRAMME_OFFICE and login.district
            }
            editors = {
                (login.district, login.unit): user
                for login, user in logins
                if login.role == Role.UNIT_EDITOR and login.district and login.unit
            }
            # Phones and e-mail addresses (the demo's fake gateway and SMTP server receive
            # them), and Nangang's group robots: the review examples below notify people.
            seed_contacts([user for login, user in logins if login.role != "superuser"])
            if "230103" in offices:
                nangang = jurisdictions["230103"]
                chengguan = org_services.ensure_unit(nangang, "区城管局", kind="bureau")
                seed_robots(offices["230103"], nangang, chengguan)
            programmes, pending = seed_ledgers(
                jurisdictions, actor=admin, offices=offices, editors=editors
            )
            # The offices publish their programmes on the public portal: every item and
            # every update reported so far…
            for programme in programmes:
                publish_demo(programme, offices.get(programme.jurisdiction.code, admin))
            # …and the units' updates of the last days wait in the offices' review queues.
            post_pending(pending)
            # Review work in progress in Nangang: a unit's deadline change request waits for
            # the office, and one of the unit's updates came back with a comment.
            office, editor = offices.get("230103"), editors.get(("230103", "区城管局"))
            if office is not None and editor is not None:
                seed_review_examples(office, editor, jurisdiction_code="230103")
            # Nangang's feedback cycles on this year's programme, this week opened.
            current = [p for p in programmes if p.jurisdiction.code == "230103"]
            if current and office is not None:
                by_name = {login.username: user for login, user in logins}
                seed_cycles(max(current, key=lambda p: p.year), by_name, office)
                seed_indicators(max(current, key=lambda p: p.year))
        # The battle board: today's statuses and the weekly snapshots of the year rebuilt
        # from the progress history, as `take_snapshots --backfill` does after an import.
        for programme in programmes:
            board_services.refresh_statuses(programme.pk)
            board_services.backfill_snapshots(programme.pk)
        # Supervision: Hulan's first round over its 64 party committees; Nangang's groups,
        # rectifications at every stage, a 回头看 and the leader's instructions.
        seed_supervision(jurisdictions, {login.username: user for login, user in logins})
        # Residents' demands: categories and about six months of demands in every state;
        # Nangang's noise complaints linked to its noise ledger item.
        demands = seed_demands(jurisdictions)
        # Services by appointment: the home visit for residents 70 and over, and others.
        seed_services(jurisdictions)
        # Staff, fictional residents and bookings in every state (appointments.demo_booking).
        bookings = seed_bookings(jurisdictions)
        # Visits recorded for the bookings done, the matters lists, Nangang's ledger link.
        seed_visits(jurisdictions)
        # Health examinations and certificates in every stage and status (certs).
        seed_certificates(jurisdictions)
        appointment_logins = seed_clinic_login(jurisdictions, DEMO_PASSWORD)
        # <h18-demo> Enterprise services: Nangang's sample policy library, a fictional
        # register of 400 enterprises, matches, pushes, 免申即享 payouts, 益企工作站 and
        # service requests in every state; the logins qiye and yiqi.
        enterprise = seed_enterprise(jurisdictions, password=DEMO_PASSWORD)
        # <h19-demo> Study and publicity: Nangang's landmarks, check-ins, campaign and
        # accounts; Hulan's 64 committees, 665 branches and its publicity figures.
        education = seed_education(jurisdictions)
        # Last week's report compiled by Nangang's office, its figures as of that Sunday.
        if "230103" in offices:
            compile_last_week(offices["230103"])
            # One published issue of the briefing series and this week's circular.
            this_year = max(
                (p for p in programmes if p.jurisdiction.code == "230103"), key=lambda p: p.year
            )
            seed_briefing(this_year, offices["230103"])
            seed_circular(this_year, offices["230103"])
        refresh_planner_statistics()
        for programme in programmes:
            self.stdout.write(
                f"{programme.jurisdiction.name} {programme.year}: {programme.items.count()} 项"
            )
        self.stdout.write(f"待审核的单位进展：{len(pending)} 条")
        self.stdout.write(f"群众诉求：{sum(demands.values())} 件")
        self.stdout.write(
            f"预约服务：预约 {bookings} 条，电子健康证 {HealthCertificate.objects.count()} 张"
        )
        for line in enterprise.lines():  # <h18-demo>
            self.stdout.write(line)
        self.stdout.write(education.line())  # <h19-demo>
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login, _user in logins:
            self.stdout.write(f"  {login.username:<20} {login.display_name}")
        for line in appointment_logins:
            self.stdout.write(f"  {line}")
        for line in enterprise.logins:  # <h18-demo>
            self.stdout.write(f"  {line}")
