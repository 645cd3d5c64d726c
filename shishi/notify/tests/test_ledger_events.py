"""The ledger's events reach the people concerned through ``notify``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from shishi.conftest import World
from shishi.jobs.schedule import discover
from shishi.ledger import services as ledger_services
from shishi.ledger.models import Item
from shishi.ledger.services.notices import deadline_reminders
from shishi.ledger.tasks import remind_deadlines
from shishi.notify.models import Delivery, Message
from shishi.notify.tests import factories

pytestmark = pytest.mark.django_db


def test_a_rejected_update_tells_the_lead_units_editors_once_committed(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    factories.contact(world.editor_a, email="a@example.org")
    item = Item.objects.get(pk=world.item_a.pk)
    update = ledger_services.record_progress(
        item, actor=world.editor_a, rate=Decimal(30), text="进展", reported_on=dt.date(2021, 5, 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        ledger_services.reject_update(update, actor=world.office, comment="请补充现场照片")
    [message] = Message.objects.filter(kind="progress.rejected")
    assert message.recipient_id == world.editor_a.pk
    assert message.jurisdiction_id == world.nangang.pk
    assert "请补充现场照片" in message.text and item.number in message.text
    assert message.link == reverse("ledger:item", args=[item.pk]) + "#progress"
    assert message.dedupe_key == f"progress.rejected:{update.pk}"
    [delivery] = Delivery.objects.filter(kind="progress.rejected")
    assert delivery.channel == "email"
    assert DBTaskResult.objects.count() == 1  # handed to the worker after the commit


def test_a_refused_rejection_writes_no_message(world: World) -> None:
    item = Item.objects.get(pk=world.item_a.pk)
    update = ledger_services.record_progress(
        item, actor=world.editor_a, rate=Decimal(30), text="进展", reported_on=dt.date(2021, 5, 1)
    )
    with pytest.raises(Exception, match="退回意见"):
        ledger_services.reject_update(update, actor=world.office, comment=" ")
    assert not Message.objects.exists()


def test_a_change_request_tells_the_office_and_its_decision_the_unit(world: World) -> None:
    request = ledger_services.file_change_request(
        Item.objects.get(pk=world.item_a.pk),
        actor=world.editor_a,
        changes={"deadline_text": "2022年6月底前"},
        reason="冬季无法施工",
    )
    [filed] = Message.objects.filter(kind="change_request.filed")
    assert filed.recipient_id == world.office.pk
    assert "区城管局" in filed.text
    ledger_services.reject_change_request(request, actor=world.office, comment="理由不充分")
    [decided] = Message.objects.filter(kind="change_request.decided")
    assert decided.recipient_id == world.editor_a.pk
    assert "未同意" in decided.text and "理由不充分" in decided.text


def test_deadline_reminders_tell_the_lead_unit_once_the_day_before_and_after(
    world: World,
) -> None:
    from shishi.ledger.services.notices import deadline_reminders

    factories.contact(world.editor_a, phone="13812341234")
    item = Item.objects.get(pk=world.item_a.pk)
    assert item.due_date is not None
    today = item.due_date - dt.timedelta(days=1)
    assert deadline_reminders(today) >= 1
    [tomorrow] = Message.objects.filter(kind="deadline.tomorrow", recipient=world.editor_a)
    assert item.number in tomorrow.text and tomorrow.urgency == "urgent"
    assert Delivery.objects.filter(message=tomorrow, channel="sms").count() == 1  # urgent: SMS
    deadline_reminders(today)  # a second run (a restarted worker) tells nobody twice
    assert Message.objects.filter(kind="deadline.tomorrow", recipient=world.editor_a).count() == 1
    deadline_reminders(item.due_date + dt.timedelta(days=1))
    assert Message.objects.filter(kind="deadline.overdue", recipient=world.editor_a).count() == 1
    assert "ledger.deadline_reminders" in discover()  # the worker runs it every morning
    assert callable(remind_deadlines)


def test_finished_items_get_no_deadline_reminder(world: World) -> None:
    item = Item.objects.get(pk=world.item_a.pk)
    assert item.due_date is not None
    Item.objects.filter(pk=item.pk).update(lifecycle="done")
    deadline_reminders(item.due_date - dt.timedelta(days=1))
    assert not Message.objects.filter(kind="deadline.tomorrow", dedupe_key__contains=f":{item.pk}:")
