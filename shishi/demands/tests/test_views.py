"""The staff's demand page and its actions, per role; masking; photos; categories."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shishi.conftest import SHOTS, World, browser_login, client_for
from shishi.core.audit import AuditEvent
from shishi.demands import services
from shishi.demands.models import Appeal, Category, Channel, Demand, Kind, Status
from shishi.demands.tests.conftest import Dm

pytestmark = pytest.mark.django_db
# The browser test: Playwright's sync API runs an event loop in this thread; the ORM calls
# around it are ordinary blocking calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def _take_in(world: World, dm: Dm, **over: object) -> Demand:
    data = services.IntakeInput(
        kind=Kind.HELP,
        category_id=dm.road.pk,
        description="一曼街路面塌陷，车辆无法通行",
        channel=Channel.PHONE,
        address="一曼街与西大直街交口",
        contact_name="王女士",
        phone="13812345678",
    )
    for name, value in over.items():
        setattr(data, name, value)
    return services.take_in(world.nangang.pk, data, actor=world.operator)


def _url(d: Demand, action: str) -> str:
    return reverse("demands:act", args=[d.pk, action])


def _page(d: Demand) -> str:
    return reverse("demands:demand", args=[d.pk])


def _fresh(d: Demand) -> Demand:
    return Demand.objects.get(pk=d.pk)


def test_who_reads_the_demand_page(world: World, dm: Dm) -> None:
    d = _take_in(world, dm)
    d = services.dispatch(d, world.unit_a, actor=world.operator, expected_version=None)
    expected = {
        "operator": 200,
        "office": 200,
        "editor_a": 200,
        "viewer_a": 200,
        "leader": 200,
        "inspector": 200,
        "editor_b": 404,
        "outsider": 404,
        "resident": 404,
    }
    for name, status in expected.items():
        response = client_for(getattr(world, name)).get(_page(d))
        assert response.status_code == status, name
    assert client_for(None).get(_page(d)).status_code == 302  # to the login


def test_the_whole_life_through_the_pages(world: World, dm: Dm) -> None:
    d = _take_in(world, dm)
    operator, unit = client_for(world.operator), client_for(world.editor_a)
    page = operator.get(_page(d)).content.decode()
    assert 'id="do-dispatch"' in page and 'id="do-accept"' not in page
    # The dispatch select offers the category's lead unit first.
    assert page.index(world.unit_a.name) < page.index(world.unit_b.name)
    r = operator.post(_url(d, "dispatch"), {"version": d.version, "unit": world.unit_a.pk})
    assert r.status_code == 302 and _fresh(d).status == Status.DISPATCHED
    page = unit.get(_page(d)).content.decode()
    assert 'id="do-accept"' in page and 'id="do-send_back"' in page
    assert 'id="do-dispatch"' not in page
    d = _fresh(d)
    assert unit.post(_url(d, "accept"), {"version": d.version}).status_code == 302
    d = _fresh(d)
    assert d.status == Status.ACCEPTED
    r = unit.post(_url(d, "resolve"), {"version": d.version, "reply": "短"})
    assert r.status_code == 422 and "请写明办理结果" in r.content.decode()
    r = unit.post(_url(d, "resolve"), {"version": d.version, "reply": "已组织抢修，恢复通行"})
    assert r.status_code == 302
    d = _fresh(d)
    r = operator.post(_url(d, "call_back"), {"version": d.version, "satisfaction": "satisfied"})
    assert r.status_code == 302
    d = _fresh(d)
    assert d.status == Status.CLOSED and d.satisfaction == "satisfied"
    page = client_for(world.office).get(_page(d)).content.decode()
    for label in ("受理", "派单", "签收", "答复", "回访"):
        assert f"<b>{label}</b>" in page
    assert 'id="do-reopen"' in page
    r = client_for(world.office).post(_url(d, "reopen"), {"version": d.version, "reason": ""})
    assert r.status_code == 422 and "field-error" in r.content.decode()
    r = client_for(world.office).post(
        _url(d, "reopen"), {"version": d.version, "reason": "群众反映仍未修好"}
    )
    assert r.status_code == 302 and _fresh(d).status == Status.ACCEPTED


def test_send_back_redispatch_close_unreached(world: World, dm: Dm) -> None:
    d = _take_in(world, dm)
    d = services.dispatch(d, world.unit_a, actor=world.operator, expected_version=None)
    unit = client_for(world.editor_a)
    r = unit.post(_url(d, "send_back"), {"version": d.version, "reason": ""})
    assert r.status_code == 422
    r = unit.post(_url(d, "send_back"), {"version": d.version, "reason": "不属本单位职责"})
    assert r.status_code == 302 and _fresh(d).status == Status.SENT_BACK
    d = _fresh(d)
    operator = client_for(world.operator)
    r = operator.post(_url(d, "dispatch"), {"version": d.version, "unit": world.unit_b.pk})
    assert r.status_code == 302 and _fresh(d).unit_id == world.unit_b.pk
    d = services.accept(_fresh(d), actor=world.editor_b, expected_version=None)
    d = services.resolve(d, actor=world.editor_b, reply="已经处理完毕", expected_version=None)
    r = operator.post(_url(d, "close"), {"version": d.version, "note": "三次来电未接通"})
    assert r.status_code == 302 and _fresh(d).status == Status.CLOSED


def test_extension_appeal_and_ruling(world: World, dm: Dm) -> None:
    d = _take_in(world, dm)
    d = services.dispatch(d, world.unit_a, actor=world.operator, expected_version=None)
    d = services.accept(d, actor=world.editor_a, expected_version=None)
    office, unit = client_for(world.office), client_for(world.editor_a)
    assert 'id="do-extend"' in office.get(_page(d)).content.decode()
    assert 'id="do-extend"' not in unit.get(_page(d)).content.decode()
    before = d.resolve_by
    r = office.post(_url(d, "extend"), {"version": d.version, "workdays": "99", "reason": "x"})
    assert r.status_code == 422
    r = office.post(_url(d, "extend"), {"version": d.version, "workdays": "3", "reason": "施工"})
    assert r.status_code == 302
    d = _fresh(d)
    assert before is not None and d.resolve_by is not None and d.resolve_by > before
    # The unit may not extend; the operator may not rule.
    r = unit.post(_url(d, "extend"), {"version": d.version, "workdays": "3", "reason": "施工"})
    assert r.status_code == 403
    r = unit.post(_url(d, "appeal"), {"version": d.version, "reason": "重复诉求"})
    assert r.status_code == 302 and _fresh(d).appeal == Appeal.PENDING
    d = _fresh(d)
    assert 'id="do-appeal"' not in unit.get(_page(d)).content.decode()
    r = client_for(world.operator).post(
        _url(d, "rule"), {"version": d.version, "verdict": "upheld", "reason": "确属重复"}
    )
    assert r.status_code == 403
    r = office.post(_url(d, "rule"), {"version": d.version, "verdict": "upheld", "reason": "重复"})
    assert r.status_code == 302
    d = _fresh(d)
    assert d.appeal == Appeal.UPHELD and d.assessed is False


def test_actions_refused_by_role(world: World, dm: Dm) -> None:
    d = _take_in(world, dm)
    v = d.version
    cases = [
        ("editor_a", "dispatch", {"unit": world.unit_a.pk}, 404),  # not its demand yet
        ("viewer_a", "dispatch", {"unit": world.unit_a.pk}, 404),
        ("leader", "dispatch", {"unit": world.unit_a.pk}, 403),
        ("inspector", "dispatch", {"unit": world.unit_a.pk}, 403),
        ("outsider", "dispatch", {"unit": world.unit_a.pk}, 404),
        ("resident", "dispatch", {"unit": world.unit_a.pk}, 404),
        ("operator", "nonsense", {}, 404),
    ]
    for name, action, data, status in cases:
        r = client_for(getattr(world, name)).post(_url(d, action), {"version": v, **data})
        assert r.status_code == status, (name, action)
    d = services.dispatch(d, world.unit_a, actor=world.operator, expected_version=None)
    for name, status in (("viewer_a", 403), ("editor_b", 404), ("leader", 403), ("office", 403)):
        r = client_for(getattr(world, name)).post(_url(d, "accept"), {"version": d.version})
        assert r.status_code == status, name
    assert _fresh(d).status == Status.DISPATCHED
    r = client_for(world.operator).post(_url(d, "accept"), {"version": d.version})
    assert r.status_code == 403
    # A unit of another district is not among the choices.
    r = client_for(world.operator).post(
        _url(d, "dispatch"), {"version": d.version, "unit": world.hulan_unit.pk}
    )
    assert r.status_code == 422 and _fresh(d).unit_id == world.unit_a.pk
    # The wrong status: the page says why (422), nothing changes.
    r = client_for(world.office).post(_url(d, "reopen"), {"version": d.version, "reason": "x"})
    assert r.status_code == 422
    assert _fresh(d).status == Status.DISPATCHED
    # A GET on an action is not allowed.
    assert client_for(world.operator).get(_url(d, "accept")).status_code == 405


def test_a_stale_action_keeps_the_input(world: World, dm: Dm) -> None:
    d = _take_in(world, dm)
    d = services.dispatch(d, world.unit_a, actor=world.operator, expected_version=None)
    d = services.accept(d, actor=world.editor_a, expected_version=None)
    stale = d.version
    services.extend(d, actor=world.office, workdays=2, reason="材料", expected_version=None)
    r = client_for(world.editor_a).post(
        _url(d, "resolve"), {"version": stale, "reply": "我写的答复内容，不会丢"}
    )
    assert r.status_code == 409
    body = r.content.decode()
    assert "我写的答复内容，不会丢" in body and "已被他人处理" in body
    assert f'name="version" value="{_fresh(d).version}"' in body


def test_contact_masked_by_role(world: World, dm: Dm) -> None:
    d = _take_in(world, dm)
    d = services.dispatch(d, world.unit_a, actor=world.operator, expected_version=None)
    assert "13812345678" in client_for(world.operator).get(_page(d)).content.decode()
    assert "13812345678" in client_for(world.office).get(_page(d)).content.decode()
    for user in (world.editor_a, world.viewer_a, world.leader):
        body = client_for(user).get(_page(d)).content.decode()
        assert "138****5678" in body and "13812345678" not in body


def test_a_reports_filer_is_hidden_from_the_unit(world: World, dm: Dm) -> None:
    d = _take_in(world, dm, kind=Kind.REPORT, contact_name="李举报", landline="0451-82345678")
    d = services.dispatch(d, world.unit_a, actor=world.operator, expected_version=None)
    body = client_for(world.editor_a).get(_page(d)).content.decode()
    assert "举报人信息保密" in body
    assert "李举报" not in body and "5678" not in body
    body = client_for(world.operator).get(_page(d)).content.decode()
    assert "李举报" in body and "13812345678" in body


def test_photos_are_served_to_readers_only(world: World, dm: Dm) -> None:
    photo = SimpleUploadedFile("hole.png", PNG, content_type="image/png")
    d = _take_in(world, dm, photos=[photo])
    d = services.dispatch(d, world.unit_a, actor=world.operator, expected_version=None)
    p = d.photos.get()
    url = reverse("demands:photo", args=[d.pk, p.pk])
    assert url in client_for(world.editor_a).get(_page(d)).content.decode()
    r = client_for(world.editor_a).get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == PNG  # type: ignore[attr-defined]
    assert "sandbox" in r["Content-Security-Policy"]
    assert client_for(world.editor_b).get(url).status_code == 404
    assert client_for(world.outsider).get(url).status_code == 404
    assert client_for(world.operator).get(url + "9/").status_code == 404
    other = _take_in(world, dm)
    wrong = reverse("demands:photo", args=[other.pk, p.pk])
    assert client_for(world.operator).get(wrong).status_code == 404


def test_overdue_badge_on_the_page(world: World, dm: Dm) -> None:
    import datetime as dt

    d = _take_in(world, dm)
    d = services.dispatch(
        d,
        world.unit_a,
        actor=world.operator,
        expected_version=None,
        now=dt.datetime(2021, 9, 30, 10, 0, tzinfo=dt.UTC),
    )
    body = client_for(world.editor_a).get(_page(d)).content.decode()
    assert 'id="accept-overdue"' in body


# --- categories -------------------------------------------------------------------------------


def test_categories_office_only(world: World, dm: Dm) -> None:
    url = reverse("demands:categories")
    r = client_for(world.office).get(url)
    assert r.status_code == 200 and "噪声扰民" in r.content.decode()
    for name in ("operator", "editor_a", "leader", "resident"):
        assert client_for(getattr(world, name)).get(url).status_code == 403, name
    # Another district's office sees its own (none), never Nangang's.
    r = client_for(world.outsider).get(url)
    assert r.status_code == 200 and "噪声扰民" not in r.content.decode()
    edit = reverse("demands:category_edit", args=[dm.road.pk])
    assert client_for(world.outsider).get(edit).status_code == 404
    assert client_for(world.operator).get(edit).status_code == 404


def _category_post(world: World, **over: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "井盖",
        "code": "manhole",
        "parent": "",
        "lead_unit": world.unit_a.pk,
        "accept_hours_urgent": 1,
        "accept_workdays": 1,
        "resolve_hours_urgent": 24,
        "resolve_workdays": 5,
        "auto_dispatch": "on",
        "open311": "on",
        "order": 3,
        "is_active": "on",
    }
    data.update(over)
    return data


def test_add_and_edit_a_category(world: World, dm: Dm) -> None:
    office = client_for(world.office)
    new = reverse("demands:category_new")
    assert office.get(new).status_code == 200
    r = office.post(new, _category_post(world, parent=dm.road.pk))
    assert r.status_code == 302
    made = Category.objects.get(code="manhole")
    assert made.parent_id == dm.road.pk and made.open311 and made.auto_dispatch
    assert made.jurisdiction_id == world.nangang.pk
    assert AuditEvent.objects.filter(action="demands.add_category").exists()
    body = office.get(reverse("demands:categories")).content.decode()
    assert body.index("道路") < body.index("井盖")
    edit = reverse("demands:category_edit", args=[made.pk])
    r = office.post(edit, _category_post(world, name="井盖缺失", resolve_workdays=3))
    assert r.status_code == 302
    made.refresh_from_db()
    assert made.name == "井盖缺失" and made.resolve_workdays == 3 and made.parent_id is None
    # The road cannot sit under its own child.
    road = reverse("demands:category_edit", args=[dm.road.pk])
    r = office.post(road, _category_post(world, name="道路", code="road", parent=made.pk))
    assert r.status_code == 302  # made is no longer under road: allowed
    made = Category.objects.get(pk=made.pk)
    r = office.post(
        reverse("demands:category_edit", args=[made.pk]),
        _category_post(world, parent=dm.road.pk),
    )
    assert r.status_code == 422 and "上级分类不能是它自己或它的下级" in r.content.decode()


def test_category_validation(world: World, dm: Dm) -> None:
    office, new = client_for(world.office), reverse("demands:category_new")
    cases: list[tuple[dict[str, object], str]] = [
        ({"code": "road"}, "本区已有这个代码"),
        ({"code": "Not A Slug!"}, "代码用小写字母"),
        ({"resolve_workdays": 0}, "应在1到365之间"),
        ({"lead_unit": "", "auto_dispatch": "on"}, "自动派单须先选默认承办单位"),
        ({"lead_unit": world.hulan_unit.pk}, "选择一个有效的选项"),
        ({"accept_workdays": "abc"}, "输入整数"),
    ]
    for over, message in cases:
        r = office.post(new, _category_post(world, **over))
        assert r.status_code == 422, over
        assert message in r.content.decode(), over
    assert not Category.objects.filter(code="manhole").exists()
    r = client_for(world.operator).post(new, _category_post(world))
    assert r.status_code == 403


# --- in a browser: the operator dispatches, the unit signs for it; screenshots ---------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dispatch_and_accept_in_a_browser(
    browser: object, live_server: object, world: World, dm: Dm, settings: object
) -> None:
    b: Any = browser
    base = live_server.url  # type: ignore[attr-defined]
    for i, text in enumerate(
        ("一曼街路面塌陷，车辆无法通行", "西大直街人行道砖松动", "学府路井盖缺失")
    ):
        _take_in(world, dm, description=text, address=f"南岗区第{i + 1}处")
    d = Demand.objects.filter(description__startswith="一曼街").get()
    desk = b.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = desk.new_page()
    browser_login(page, base, "operator")
    page.goto(f"{base}/demands/")
    assert page.locator("table.dm-queue tbody tr").count() == 3
    page.screenshot(path=str(SHOTS / "ui-demands-queue.png"))
    page.click(f"a:has-text('{d.number}')")
    page.select_option("#act-dispatch select[name=unit]", str(world.unit_a.pk))
    page.click("#do-dispatch")
    page.wait_for_selector("text=已派单")
    assert page.locator("#demand-status").inner_text() == "待签收"
    assert "13812345678" in page.content()
    page.screenshot(path=str(SHOTS / "ui-demands-demand.png"), full_page=True)
    desk.close()
    phone = b.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = phone.new_page()
    browser_login(page, base, "editor_a")
    page.goto(f"{base}/demands/")
    assert d.number in page.content()
    page.screenshot(path=str(SHOTS / "ui-demands-queue-phone.png"), full_page=True)
    page.goto(f"{base}/demands/{d.pk}/")
    assert "138****5678" in page.content() and "13812345678" not in page.content()
    page.click("#do-accept")
    page.wait_for_selector("text=已签收")
    assert page.locator("#demand-status").inner_text() == "办理中"
    page.screenshot(path=str(SHOTS / "ui-demands-demand-phone.png"), full_page=True)
    phone.close()
    assert Demand.objects.get(pk=d.pk).status == Status.ACCEPTED


def test_the_place_opens_on_the_configured_map(world: World, dm: Dm) -> None:
    from decimal import Decimal

    from django.test import override_settings

    d = _take_in(world, dm, lat=Decimal("45.756700"), lon=Decimal("126.642400"))
    with override_settings(SHISHI_MAP_LINK="amap"):
        body = client_for(world.operator).get(_page(d)).content.decode()
    assert "45.756700, 126.642400" in body  # stored and shown as WGS-84
    assert "https://uri.amap.com/marker?position=126.6" in body  # shifted to GCJ-02
    assert "position=126.642400" not in body
    with override_settings(SHISHI_MAP_LINK=""):
        body = client_for(world.operator).get(_page(d)).content.decode()
    assert "45.756700, 126.642400" in body and "uri.amap.com" not in body
