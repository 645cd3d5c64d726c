"""The queues: who gets which, the tabs and filters, oldest first, overdue flags, a constant
number of queries per page, bad query strings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shishi.conftest import World, client_for
from shishi.demands import services
from shishi.demands.models import Channel, Demand, Kind, Status, Urgency
from shishi.demands.tests.conftest import Dm
from shishi.orgs import services as org_services

pytestmark = pytest.mark.django_db

URL = reverse("demands:index")
LONG_AGO = dt.datetime(2021, 3, 1, 9, 0, tzinfo=dt.UTC)


def _take_in(
    world: World, dm: Dm, text: str = "一曼街路面塌陷，车辆无法通行", **over: object
) -> Demand:
    data = services.IntakeInput(
        kind=Kind.HELP,
        category_id=dm.road.pk,
        description=text,
        channel=Channel.PHONE,
        phone="13812345678",
    )
    for name, value in over.items():
        setattr(data, name, value)
    return services.take_in(world.nangang.pk, data, actor=world.operator)


def _numbers(body: str, demands: list[Demand]) -> list[str]:
    """The demands' numbers in the order the page shows them."""
    found = [(body.find(d.number), d.number) for d in demands if d.number in body]
    return [n for _at, n in sorted(found)]


def test_who_gets_which_queue(world: World, dm: Dm) -> None:
    for name in ("operator", "office", "leader", "inspector"):
        r = client_for(getattr(world, name)).get(URL)
        assert r.status_code == 200, name
        assert "待派单" in r.content.decode(), name
    for name in ("editor_a", "viewer_a", "editor_b"):
        r = client_for(getattr(world, name)).get(URL)
        assert r.status_code == 200 and "待签收" in r.content.decode(), name
    assert client_for(world.resident).get(URL).status_code == 403
    assert client_for(None).get(URL).status_code == 302
    # The top bar's link, for those who have a queue.
    assert f'href="{URL}"' in client_for(world.operator).get(URL).content.decode()
    home = client_for(world.resident).get(reverse("orgs:password_change")).content.decode()
    assert f'href="{URL}"' not in home


def test_the_district_queue_tabs(world: World, dm: Dm) -> None:
    fresh = _take_in(world, dm)
    noise = _take_in(world, dm, "楼下烧烤店噪声扰民到深夜", category_id=dm.noise.pk)
    assert noise.status == Status.DISPATCHED  # auto-dispatched
    sent = _take_in(world, dm, "路灯不亮已有一周")
    sent = services.dispatch(sent, world.unit_a, actor=world.operator, expected_version=None)
    sent = services.send_back(
        sent, actor=world.editor_a, reason="不属本单位", expected_version=None
    )
    replied = _take_in(world, dm, "小区门口井盖缺失")
    replied = services.dispatch(replied, world.unit_a, actor=world.operator, expected_version=None)
    replied = services.accept(replied, actor=world.editor_a, expected_version=None)
    replied = services.resolve(
        replied, actor=world.editor_a, reply="已补装井盖", expected_version=None
    )
    late = _take_in(world, dm, "人行道砖松动绊人")
    late = services.dispatch(
        late, world.unit_a, actor=world.operator, expected_version=None, now=LONG_AGO
    )
    everything = [fresh, noise, sent, replied, late]
    op = client_for(world.operator)
    body = op.get(URL).content.decode()
    assert _numbers(body, everything) == [fresh.number]
    # The tabs' counts: one to dispatch, one sent back, one to call back, one overdue.
    assert body.count('<span class="count">1</span>') == 3 + 1  # the list's own count
    assert '<span class="count count-late">1</span>' in body
    body = op.get(URL, {"tab": "sent_back"}).content.decode()
    assert _numbers(body, everything) == [sent.number]
    body = op.get(URL, {"tab": "callback"}).content.decode()
    assert _numbers(body, everything) == [replied.number]
    body = op.get(URL, {"tab": "overdue"}).content.decode()
    assert _numbers(body, everything) == [late.number] and "超时" in body
    body = op.get(URL, {"tab": "all"}).content.decode()
    assert set(_numbers(body, everything)) == {d.number for d in everything}
    # The unit's queue: only its own.
    unit = client_for(world.editor_a)
    body = unit.get(URL, {"tab": "all"}).content.decode()
    assert set(_numbers(body, everything)) == {sent.number, replied.number, late.number}
    assert _numbers(unit.get(URL).content.decode(), everything) == [late.number]
    assert _numbers(unit.get(URL, {"tab": "replied"}).content.decode(), everything) == [
        replied.number
    ]
    assert _numbers(unit.get(URL, {"tab": "overdue"}).content.decode(), everything) == [late.number]
    body = client_for(world.editor_b).get(URL).content.decode()
    assert _numbers(body, everything) == [noise.number]
    # Another district's office sees none of them.
    body = client_for(world.outsider).get(URL, {"tab": "all"}).content.decode()
    assert _numbers(body, everything) == []


def test_filters_and_search(world: World, dm: Dm) -> None:
    street = org_services.ensure_unit(world.nangang, "花园街道", kind="street")
    a = _take_in(world, dm, "一曼街路面塌陷", street_id=street.pk, urgency=Urgency.URGENT)
    b = _take_in(world, dm, "西大直街路灯不亮", category_id=dm.light.pk)
    c = _take_in(world, dm, "楼下噪声扰民", category_id=dm.noise.pk)
    c = services.accept(c, actor=world.editor_b, expected_version=None)
    everything = [a, b, c]
    op = client_for(world.operator)

    def shown(**params: str | int) -> set[str]:
        r = op.get(URL, {"tab": "all", **params})
        assert r.status_code == 200
        return set(_numbers(r.content.decode(), everything))

    assert shown(category=dm.light.pk) == {b.number}
    assert shown(status="accepted") == {c.number}
    assert shown(unit=world.unit_b.pk) == {c.number}
    assert shown(street=street.pk) == {a.number}
    assert shown(urgency="urgent") == {a.number}
    assert shown(q="路灯") == {b.number}
    assert shown(q=c.number.lower()) == {c.number}
    assert shown(overdue="1") == set()
    assert shown(q="路灯", category=dm.road.pk) == set()


def test_oldest_first_within_a_status(world: World, dm: Dm) -> None:
    made = [_take_in(world, dm, f"第{i}条诉求，路面塌陷") for i in range(3)]
    base = timezone.now() - dt.timedelta(days=10)
    for i, d in enumerate(made):  # the last taken in is the oldest
        Demand.objects.filter(pk=d.pk).update(created_at=base - dt.timedelta(hours=i))
    body = client_for(world.operator).get(URL).content.decode()
    assert _numbers(body, made) == [made[2].number, made[1].number, made[0].number]


def test_bad_query_strings_give_pages(world: World, dm: Dm) -> None:
    _take_in(world, dm)
    op = client_for(world.operator)
    for params in (
        {"status": "nonsense"},
        {"category": "abc"},
        {"unit": "-1"},
        {"street": "99999999999999999999"},
        {"urgency": "<script>"},
        {"page": "x"},
        {"page": "99999"},
        {"page": "-3"},
        {"tab": "drop table"},
        {"jurisdiction": "999999"},
        {"q": "x" * 500},
        {"overdue": "maybe"},
    ):
        r = op.get(URL, params)
        assert r.status_code == 200, params
        assert "诉求" in r.content.decode()
    # A control character is refused at the root (the project's one input rule): a 400 page.
    assert op.get(URL, {"q": "\x00"}).status_code == 400
    body = op.get(URL, {"category": "abc", "status": "nonsense"}).content.decode()
    assert "以下筛选条件无法识别，已忽略" in body and "分类" in body


def _many(world: World, dm: Dm, n: int) -> None:
    now = timezone.now()
    Demand.objects.bulk_create(
        Demand(
            jurisdiction=world.nangang,
            number=f"Q{i:09d}",
            kind=Kind.HELP,
            category=dm.road if i % 2 else dm.light,
            channel=Channel.PHONE,
            description=f"第{i}条诉求",
            status=Status.DISPATCHED,
            unit=world.unit_a,
            accept_by=now - dt.timedelta(hours=1) if i % 3 == 0 else now + dt.timedelta(days=1),
        )
        for i in range(n)
    )


@pytest.mark.parametrize("who", ["operator", "editor_a"])
def test_constant_queries_per_page(world: World, dm: Dm, who: str) -> None:
    client = client_for(getattr(world, who))
    tab = "to_sign" if who == "editor_a" else "all"
    client.get(URL, {"tab": tab})  # warm the session and the scope
    _many(world, dm, 5)
    with CaptureQueriesContext(connection) as five:
        r = client.get(URL, {"tab": tab})
    assert r.content.decode().count("/demands/") >= 5
    _many_more = 45
    now = timezone.now()
    Demand.objects.bulk_create(
        Demand(
            jurisdiction=world.nangang,
            number=f"R{i:09d}",
            kind=Kind.HELP,
            category=dm.road,
            channel=Channel.PHONE,
            description=f"又一条诉求{i}",
            status=Status.DISPATCHED,
            unit=world.unit_a,
            accept_by=now,
        )
        for i in range(_many_more)
    )
    with CaptureQueriesContext(connection) as fifty:
        r = client.get(URL, {"tab": tab})
    assert r.status_code == 200
    body = r.content.decode()
    assert body.count('class="badge status-dispatched"') == 50
    assert len(fifty.captured_queries) == len(five.captured_queries)
    assert len(fifty.captured_queries) <= 12, [q["sql"] for q in fifty.captured_queries]


def test_a_long_list_is_counted_up_to_the_cap(
    world: World, dm: Dm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The "all" tab of a big district counts at most LIST_CAP rows and says "N+"; the
    pages up to the cap still work."""
    from shishi.demands import selectors

    monkeypatch.setattr(selectors, "LIST_CAP", 60)
    _many(world, dm, 70)
    client = client_for(world.operator)
    body = client.get(URL, {"tab": "all"}).content.decode()
    assert '<span class="count">60+</span>' in body
    second = client.get(URL, {"tab": "all", "page": "2"})
    assert second.status_code == 200
    assert second.content.decode().count('class="badge status-dispatched"') == 10
    monkeypatch.setattr(selectors, "LIST_CAP", 1000)
    body = client.get(URL, {"tab": "all"}).content.decode()
    assert '<span class="count">70</span>' in body
