"""The notify pages: the bell, the inbox, preferences, the delivery log and the robots."""

from __future__ import annotations

import statistics
import time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shishi.conftest import World, client_for
from shishi.core.models import AuditEvent
from shishi.notify import selectors
from shishi.notify.models import Contact, Delivery, Message, Preference, RobotHook, Status
from shishi.notify.services import notify
from shishi.notify.tests import factories
from shishi.notify.tests.scripted import ScriptedChannel
from shishi.orgs.models import User

pytestmark = pytest.mark.django_db
CTX = {
    "number": "1-1",
    "name": "抢修一曼街",
    "comment": "请补充照片",
    "title": "周报",
    "due": "周五",
}


def _message_queries(queries: CaptureQueriesContext) -> list[str]:
    table = Message._meta.db_table
    return [q["sql"] for q in queries.captured_queries if table in q["sql"]]


# --- the bell ------------------------------------------------------------------------------------


def test_the_bell_adds_exactly_one_query_to_a_page(world: World, monkeypatch: Any) -> None:
    notify([world.editor_a], "report.due", CTX)
    client = client_for(world.editor_a)
    url = reverse("ledger:mine")
    client.get(url)  # warm the caches (templates, scope)
    with CaptureQueriesContext(connection) as with_bell:
        response = client.get(url)
    assert response.status_code == 200
    assert b'class="bell-count" data-unread="1"' in response.content
    [count] = _message_queries(with_bell)
    assert "COUNT" in count.upper()
    monkeypatch.setattr(selectors, "unread_count", lambda user: 0)
    with CaptureQueriesContext(connection) as without:
        client.get(url)
    assert len(with_bell) == len(without) + 1


def test_the_bells_count_is_capped_and_fast(world: World) -> None:
    users = [world.editor_a] * 1
    for i in range(150):
        notify(users, "report.due", {**CTX, "i": i})
    assert selectors.unread_count(world.editor_a) == 100
    assert selectors.bell_label(100) == "99+" and selectors.bell_label(7) == "7"
    times = []
    for _ in range(50):
        started = time.perf_counter()
        selectors.unread_count(world.editor_a)
        times.append(time.perf_counter() - started)
    assert statistics.median(times) < 0.002


def test_the_bell_fragment_and_anonymous_pages(world: World) -> None:
    notify([world.editor_a], "report.due", CTX)
    response = client_for(world.editor_a).get(reverse("notify:bell"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<a id="bell"') and 'hx-trigger="every 60s, focus from:window"' in body
    anonymous = client_for(None)
    assert anonymous.get(reverse("notify:bell")).status_code == 302
    login = anonymous.get(reverse("login"))
    assert b'id="bell"' not in login.content


# --- the inbox ------------------------------------------------------------------------------------


def test_inbox_lists_newest_first_and_marks_read(world: World) -> None:
    notify([world.editor_a], "report.due", {**CTX, "title": "第一份"})
    notify([world.editor_a], "report.due", {**CTX, "title": "第二份"}, link="/ledger/mine/")
    notify([world.editor_b], "report.due", {**CTX, "title": "别人的"})
    client = client_for(world.editor_a)
    body = client.get(reverse("notify:inbox")).content.decode()
    assert body.index("第二份") < body.index("第一份")
    assert "别人的" not in body
    assert body.count('class="unread"') == 2
    first, second = Message.objects.filter(recipient=world.editor_a).order_by("pk")
    response = client.post(reverse("notify:read", args=[first.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'class="unread"' not in response.content.decode()
    first.refresh_from_db()
    assert first.read_at is not None
    # following the link marks it read and goes to the thing
    response = client.get(reverse("notify:open", args=[second.pk]))
    assert response.status_code == 302 and response["Location"] == "/ledger/mine/"
    assert selectors.unread_count(world.editor_a) == 0


def test_mark_all_read(world: World) -> None:
    for i in range(3):
        notify([world.editor_a], "report.due", {**CTX, "i": i})
    client = client_for(world.editor_a)
    response = client.post(reverse("notify:read_all"))
    assert response.status_code == 302
    assert selectors.unread_count(world.editor_a) == 0


def test_an_offsite_link_is_not_followed(world: World) -> None:
    notify([world.editor_a], "report.due", CTX, link="https://evil.example/")
    message = Message.objects.get()
    response = client_for(world.editor_a).get(reverse("notify:open", args=[message.pk]))
    assert response["Location"] == reverse("notify:inbox")


def test_someone_elses_message_is_not_found(world: World) -> None:
    notify([world.editor_a], "report.due", CTX)
    message = Message.objects.get()
    outsider = client_for(world.outsider)
    assert outsider.get(reverse("notify:open", args=[message.pk])).status_code == 404
    assert outsider.post(reverse("notify:read", args=[message.pk])).status_code == 404
    message.refresh_from_db()
    assert message.read_at is None


# --- preferences --------------------------------------------------------------------------------


def _prefs(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "phone": "",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "email_digest": "immediate",
        "language": "zh-hans",
        "ch_report.due": ["email"],
    }
    data.update(changes)
    return data


def test_preferences_save_the_phone_encrypted_and_show_it_masked(world: World) -> None:
    client = client_for(world.editor_a)
    assert client.get(reverse("notify:preferences")).status_code == 200
    data = _prefs(phone="138 1234 1234", **{"ch_report.due": ["email", "sms"]})
    response = client.post(reverse("notify:preferences"), data)
    assert response.status_code == 302
    contact = Contact.objects.get(user=world.editor_a)
    token = contact.phone_encrypted.token()
    assert "13812341234" not in token and contact.phone_masked == "138****1234"
    assert Preference.objects.get(user=world.editor_a, kind="report.due").channels == [
        "email",
        "sms",
    ]
    page = client.get(reverse("notify:preferences")).content.decode()
    assert "138****1234" in page and "13812341234" not in page
    event = AuditEvent.objects.get(action="notify.preferences")
    assert "13812341234" not in str(event.changes) and "138****1234" in str(event.changes)


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"phone": "12345"}, "phone", "手机号码应为11位数字"),
        ({"ch_report.due": ["sms"]}, "phone", "请先填写手机号码"),
        ({"quiet_end": ""}, "quiet_start", "免打扰时段"),
        ({"email_digest": "hourly"}, "email_digest", ""),
    ],
)
def test_bad_preferences_are_refused_naming_the_field(
    world: World, changes: dict[str, Any], field: str, text: str
) -> None:
    response = client_for(world.editor_a).post(reverse("notify:preferences"), _prefs(**changes))
    assert response.status_code == 422
    form = response.context["form"]
    assert field in form.errors
    assert text in " ".join(form.errors[field])
    assert not Contact.objects.filter(user=world.editor_a).exists()


# --- the delivery log ---------------------------------------------------------------------------


@pytest.fixture
def logged(world: World) -> Delivery:
    factories.contact(world.editor_a, phone="13812341234", email="a@example.org")
    notify([world.editor_a], "deadline.tomorrow", CTX, jurisdiction=world.nangang)
    sms = Delivery.objects.get(channel="sms")
    Delivery.objects.filter(pk=sms.pk).update(status=Status.UNKNOWN, last_error="读取超时")
    return sms


def test_the_office_sees_its_districts_log_with_phones_masked(
    world: World, logged: Delivery
) -> None:
    body = client_for(world.office).get(reverse("notify:log")).content.decode()
    assert "138****1234" in body and "13812341234" not in body
    assert "a***@example.org" in body and "a@example.org" not in body
    assert body.index('id="unknown-deliveries"') < body.index('id="deliveries"')
    assert "读取超时" in body


def test_a_superuser_sees_full_numbers_only_on_show_and_each_show_is_audited(
    world: World, logged: Delivery
) -> None:
    root = User.objects.get(username="root")
    client = client_for(root)
    body = client.get(reverse("notify:log")).content.decode()
    assert "13812341234" not in body and "138****1234" in body
    assert 'id="show-addresses"' in body
    assert not AuditEvent.objects.filter(action="pii.show").exists()
    body = client.get(reverse("notify:log"), {"show": "1"}).content.decode()
    assert "13812341234" in body and "a@example.org" in body
    event = AuditEvent.objects.get(action="pii.show")
    assert event.actor_id == root.pk and event.target_type == "notify.delivery"
    assert event.changes["fields"] == {"address": Delivery.objects.count()}
    assert "13812341234" not in str(event.changes) and "a@example.org" not in str(event.changes)
    # The office may not show them: the parameter changes nothing, and nothing is recorded.
    body = client_for(world.office).get(reverse("notify:log"), {"show": "1"}).content.decode()
    assert "13812341234" not in body and 'id="show-addresses"' not in body
    assert AuditEvent.objects.filter(action="pii.show").count() == 1


def test_log_filters(world: World, logged: Delivery) -> None:
    client = client_for(world.office)
    body = client.get(reverse("notify:log"), {"channel": "email"}).content.decode()
    table = body[body.index('id="deliveries"') :]
    assert "a***@example.org" in table and "138****1234" not in table
    today = timezone.localdate().isoformat()
    assert client.get(reverse("notify:log"), {"since": today, "status": "zzz"}).status_code == 200
    body = client.get(reverse("notify:log"), {"until": "2000-01-01"}).content.decode()
    assert 'id="deliveries"' not in body


def test_log_is_the_offices_only(world: World, logged: Delivery) -> None:
    for persona in ("editor_a", "resident", "leader"):
        response = client_for(getattr(world, persona)).get(reverse("notify:log"))
        assert response.status_code == 403, persona
    outsider = client_for(world.outsider)
    body = outsider.get(reverse("notify:log")).content.decode()
    assert "138****1234" not in body and "a***@example.org" not in body
    assert outsider.post(reverse("notify:resend", args=[logged.pk])).status_code == 404
    assert outsider.post(reverse("notify:mark_failed", args=[logged.pk])).status_code == 404


def test_the_office_resends_or_marks_failed_an_unknown_delivery(
    world: World, logged: Delivery
) -> None:
    client = client_for(world.office)
    response = client.post(
        reverse("notify:mark_failed", args=[logged.pk]), {"query": "status=unknown"}
    )
    assert response.status_code == 302 and response["Location"].endswith("?status=unknown")
    logged.refresh_from_db()
    assert logged.status == Status.FAILED
    client.post(reverse("notify:resend", args=[logged.pk]))
    logged.refresh_from_db()
    assert logged.status == Status.QUEUED and logged.attempts == 0
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == ["notify.delivery_mark_failed", "notify.delivery_resend"]
    client.post(reverse("notify:resend", args=[logged.pk]))  # queued: not again
    assert AuditEvent.objects.filter(action="notify.delivery_resend").count() == 1


# --- robots --------------------------------------------------------------------------------------

WEBHOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0a1b2c3d-secret-key-9z8y"


def test_the_office_registers_a_robot_with_its_key_masked(world: World) -> None:
    client = client_for(world.office)
    assert client.get(reverse("notify:hooks")).status_code == 200
    data = {
        "target": f"u:{world.unit_a.pk}",
        "kind": "wecom",
        "name": "城管局工作群",
        "url": WEBHOOK,
    }
    assert client.post(reverse("notify:hooks"), data).status_code == 302
    hook = RobotHook.objects.get()
    assert (hook.unit_id, hook.jurisdiction_id, hook.added_by_id) == (
        world.unit_a.pk,
        world.nangang.pk,
        world.office.pk,
    )
    assert "secret-key" not in hook.url_encrypted
    page = client.get(reverse("notify:hooks")).content.decode()
    assert "城管局工作群" in page and "secret-key" not in page and "0a1b…9z8y" in page
    event = AuditEvent.objects.get(action="notify.hook_add")
    assert "secret-key" not in str(event.changes)


def test_a_bad_webhook_is_refused_naming_the_field(world: World) -> None:
    data = {"target": f"j:{world.nangang.pk}", "kind": "dingtalk", "name": "区群", "url": "ftp://x"}
    response = client_for(world.office).post(reverse("notify:hooks"), data)
    assert response.status_code == 422
    assert "url" in response.context["form"].errors
    assert not RobotHook.objects.exists()


def test_a_webhook_on_another_host_is_refused_at_registration(world: World, settings: Any) -> None:
    settings.SHISHI_NOTIFY_CHANNELS = {}  # the real robot channels check the address
    data = {
        "target": f"u:{world.unit_a.pk}",
        "kind": "wecom",
        "name": "内网地址",
        "url": "http://10.0.0.5/cgi-bin/webhook/send?key=x1",
    }
    response = client_for(world.office).post(reverse("notify:hooks"), data)
    assert response.status_code == 422
    assert "url" in response.context["form"].errors
    assert not RobotHook.objects.exists()


def test_a_unit_editor_manages_only_their_units_robots(world: World) -> None:
    client = client_for(world.editor_a)
    ok = {"target": f"u:{world.unit_a.pk}", "kind": "wecom", "name": "A群", "url": WEBHOOK}
    assert client.post(reverse("notify:hooks"), ok).status_code == 302
    for target in (f"u:{world.unit_b.pk}", f"j:{world.nangang.pk}", f"u:{world.hulan_unit.pk}"):
        response = client.post(reverse("notify:hooks"), {**ok, "target": target, "name": "x"})
        assert response.status_code == 422, target
    assert RobotHook.objects.count() == 1
    other = factories.hook(world.nangang, unit=world.unit_b, name="B群")
    assert (
        client.post(reverse("notify:hook_edit", args=[other.pk]), {"name": "改"}).status_code == 404
    )
    assert "B群" not in client.get(reverse("notify:hooks")).content.decode()


def test_outsiders_and_residents_cannot_touch_robots(world: World) -> None:
    hook = factories.hook(world.nangang, name="区群")
    assert client_for(world.resident).get(reverse("notify:hooks")).status_code == 403
    outsider = client_for(world.outsider)
    assert "区群" not in outsider.get(reverse("notify:hooks")).content.decode()
    for name in ("notify:hook_edit", "notify:hook_test"):
        assert outsider.post(reverse(name, args=[hook.pk]), {"name": "x"}).status_code == 404
    hook.refresh_from_db()
    assert hook.name == "区群"


def test_send_test_message_goes_through_the_log(
    world: World, scripted: type[ScriptedChannel]
) -> None:
    hook = factories.hook(world.nangang, unit=world.unit_a, name="城管局群", url=WEBHOOK)
    response = client_for(world.editor_a).post(reverse("notify:hook_test", args=[hook.pk]))
    assert response.status_code == 302
    [out] = scripted.sent
    assert out.address == WEBHOOK and "城管局群" in out.markdown
    delivery = Delivery.objects.get(hook=hook)
    assert delivery.status == Status.SENT
    assert AuditEvent.objects.filter(action="notify.hook_test").exists()


def test_a_robot_is_turned_off_and_renamed(world: World) -> None:
    hook = factories.hook(world.nangang, name="区群")
    client = client_for(world.office)
    assert (
        client.post(reverse("notify:hook_edit", args=[hook.pk]), {"name": "区专班群"}).status_code
        == 302
    )
    hook.refresh_from_db()
    assert (hook.name, hook.active) == ("区专班群", False)
    response = client.post(reverse("notify:hook_test", args=[hook.pk]), follow=True)
    assert "机器人已停用" in response.content.decode()


def test_saving_preferences_keeps_the_phone_unless_asked_to_remove_it(world: World) -> None:
    client = client_for(world.editor_a)
    url = reverse("notify:preferences")
    assert client.post(url, _prefs(phone="13812341234")).status_code == 302
    # Later the person changes only the quiet hours: the saved number stays.
    assert client.post(url, _prefs(quiet_start="23:00", quiet_end="06:30")).status_code == 302
    assert Contact.objects.get(user=world.editor_a).phone_masked == "138****1234"
    assert client.post(url, _prefs(remove_phone="on")).status_code == 302
    assert Contact.objects.get(user=world.editor_a).phone_hash == ""


def test_preferences_set_the_email_address_checked_and_audited(world: World) -> None:
    client = client_for(world.editor_a)
    url = reverse("notify:preferences")
    bad = client.post(url, _prefs(email="not-an-address"))
    assert bad.status_code == 422 and "email" in bad.context["form"].errors
    assert client.post(url, _prefs(email="zhou.bin@example.org")).status_code == 302
    world.editor_a.refresh_from_db()
    assert world.editor_a.email == "zhou.bin@example.org"
    event = AuditEvent.objects.get(action="user.email")
    assert "zhou.bin@example.org" not in str(event.changes)  # masked in the trail
    assert 'value="zhou.bin@example.org"' in client.get(url).content.decode()


def test_the_owner_shows_the_full_phone_only_on_asking_and_it_is_audited(world: World) -> None:
    factories.contact(world.editor_a, phone="13812341234")
    client = client_for(world.editor_a)
    body = client.get(reverse("notify:preferences")).content.decode()
    assert "138****1234" in body and "13812341234" not in body and 'id="show-phone"' in body
    assert not AuditEvent.objects.filter(action="pii.show").exists()
    body = client.get(reverse("notify:preferences"), {"show_phone": "1"}).content.decode()
    assert '<b id="phone-shown">13812341234</b>' in body
    event = AuditEvent.objects.get(action="pii.show")
    assert event.actor_id == world.editor_a.pk and event.target_type == "notify.contact"
    assert event.changes == {"field": "phone", "viewer": "owner"}
