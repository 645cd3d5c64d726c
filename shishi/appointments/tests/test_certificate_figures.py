""" "已为N名从业人员办理健康证" from the records: distinct holders with a certificate ever
issued (a re-issue counts its holder once, a revoked one still counts), in the compiled
reports' part and on the board."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shishi.appointments import certificate_figures, certificates
from shishi.appointments.certificate_selectors import workers_certified
from shishi.appointments.models import HealthCertificate
from shishi.appointments.tests.certs_fixtures import certified, clinic_of
from shishi.board.panels import BoardPage, board_panels
from shishi.conftest import World, client_for
from shishi.reports.models import Cycle, Period

pytestmark = pytest.mark.django_db


def test_figures_equal_the_records(world: World) -> None:
    clinic = clinic_of(world)
    may = dt.date(2026, 5, 10)
    first = certified(
        world, clinic, name="王小明", serial="101", today=may - dt.timedelta(days=400)
    )
    certified(world, clinic, name="王小明", serial="101", today=may)  # the same person again
    certified(world, clinic, name="李四", serial="102", today=may)
    gone = certified(world, clinic, name="张三", serial="103", today=may)
    certificates.revoke(gone, reason="复查不合格", actor=world.office)
    HealthCertificate.objects.filter(pk=gone.pk).update(
        revoked_at=timezone.make_aware(dt.datetime(2026, 5, 20, 10))
    )
    people = HealthCertificate.objects.values("resident_id").distinct().count()
    assert people == 3 == workers_certified(world.nangang.pk)
    assert workers_certified(world.nangang.pk, until=may - dt.timedelta(days=1)) == 1
    cycle = Cycle(jurisdiction=world.nangang, name="月报")
    period = Period(cycle=cycle, key="2026-05", label="5月", start=dt.date(2026, 5, 1),
                    end=dt.date(2026, 5, 31), due_at=timezone.now())  # fmt: skip
    part = certificate_figures.report_part(cycle, period, dt.date(2026, 6, 20))
    assert part is not None
    figures = {f.label: f.value for f in part.figures}
    assert figures == {"累计办理健康证人数": 3, "本期发证": 3, "本期撤销": 1, "期末有效": 2}
    assert part.paragraphs[0].startswith("已为3名从业人员办理健康证")
    april = Period(cycle=cycle, key="2026-04", label="4月", start=dt.date(2026, 4, 1),
                   end=dt.date(2026, 4, 30), due_at=timezone.now())  # fmt: skip
    april_part = certificate_figures.report_part(cycle, april, dt.date(2026, 6, 20))
    assert april_part is not None
    assert {f.label: f.value for f in april_part.figures}["累计办理健康证人数"] == 1
    assert first.valid_until < dt.date(2026, 5, 1)  # expired by then: not valid at April's end
    assert {f.label: f.value for f in april_part.figures}["期末有效"] == 0
    hulan = Cycle(jurisdiction=world.hulan, name="月报")
    assert certificate_figures.report_part(hulan, period, dt.date(2026, 6, 20)) is None


def test_board_panel(world: World) -> None:
    clinic = clinic_of(world)
    certified(world, clinic)
    panels = [
        p
        for p in board_panels(world.office, world.programme, None, BoardPage())
        if p.template.startswith("appointments/")
    ]
    assert len(panels) == 1 and panels[0].context["count"] == 1
    assert not [
        p
        for p in board_panels(world.outsider, world.programme, None, BoardPage())
        if p.template.startswith("appointments/")
    ]
    page = client_for(world.office).get(f"/board/programme/{world.programme.pk}/")
    assert page.status_code == 200
    assert "已为<b>1</b>名从业人员办理健康证" in page.content.decode()
