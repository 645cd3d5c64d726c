"""Items, targets and milestones by hand: who may change them (service and pages), soft
removal with a reason in the history, versions, completing a milestone through a progress
report, and a completed milestone never shown late."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shishi.board import selectors as board_selectors
from shishi.board import services as board_services
from shishi.board.services import assessing
from shishi.conftest import SHOTS, World, browser_login, client_for
from shishi.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.ledger import permissions, services
from shishi.ledger.excel.exporting import export_ledger
from shishi.ledger.history import describe_history
from shishi.ledger.models import Attachment, Item, Milestone, ProgressUpdate, Target
from shishi.ledger.selectors import item_history, item_page, item_targets
from shishi.ledger.selectors.plans import item_milestone, item_target, next_item_number
from shishi.ledger.tests.pages import fresh, tiny_png
from shishi.orgs import services as org_services

ROLES = [
    "office",
    "city_office",
    "editor_a",
    "partner_editor",
    "editor_b",
    "viewer_a",
    "leader",
    "outsider",
]
OFFICES = {"office", "city_office"}
LEAD = OFFICES | {"editor_a"}  # may mark milestones done


def _milestone(world: World, title: str = "招标", due: dt.date = dt.date(2021, 4, 30)) -> Milestone:
    return services.add_milestone(
        world.item_a, services.MilestoneInput(title, due), actor=world.office
    )


def _target(world: World) -> Target:
    return Target.objects.get(item=world.item_a)


def _history(item: Item) -> list[Any]:
    h = item_history(item, show_all=True)
    return describe_history(h.events, category_names=h.category_names, unit_names=h.unit_names)


# --- who may change the plan (services) -------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_plan_edits_are_the_offices_alone(world: World, who: str) -> None:
    user = getattr(world, who)
    item = world.item_a
    milestone = _milestone(world)
    target = _target(world)
    writes = [
        lambda: services.add_target(item, services.TargetInput("新目标", Decimal(1)), actor=user),
        lambda: services.update_target(target, actor=user, value=Decimal(30)),
        lambda: services.move_target(target, actor=user, direction="down"),
        lambda: services.remove_target(target, actor=user, reason="重复"),
        lambda: services.add_milestone(
            item, services.MilestoneInput("新节点", dt.date(2021, 7, 1)), actor=user
        ),
        lambda: services.update_milestone(milestone, actor=user, title="公开招标"),
        lambda: services.move_milestone(milestone, actor=user, direction="down"),
        lambda: services.remove_milestone(milestone, actor=user, reason="取消"),
    ]
    for write in writes:
        if who in OFFICES:
            write()
        else:
            with pytest.raises(PermissionDenied) as caught:
                write()
            if who in ("editor_a", "editor_b", "partner_editor"):
                assert caught.value.message == permissions.ASK_FOR_CHANGE
    removed = Target.all_objects.get(pk=target.pk).removed_at is not None
    assert removed is (who in OFFICES)


@pytest.mark.parametrize("who", ROLES)
def test_lead_unit_and_office_complete_milestones(world: World, who: str) -> None:
    milestone = _milestone(world)
    user = getattr(world, who)
    call = lambda: services.complete_milestone(  # noqa: E731
        milestone, actor=user, done_date=dt.date(2021, 5, 2), text="已签合同"
    )
    if who in LEAD:
        call()
        milestone.refresh_from_db()
        assert milestone.done_date == dt.date(2021, 5, 2)
    else:
        with pytest.raises(PermissionDenied):
            call()
        assert Milestone.objects.get(pk=milestone.pk).done_date is None


@pytest.mark.parametrize("who", ROLES)
def test_only_the_office_undoes_a_completion(world: World, who: str) -> None:
    milestone = _milestone(world)
    services.complete_milestone(milestone, actor=world.editor_a, done_date=dt.date(2021, 5, 2))
    user = getattr(world, who)
    if who in OFFICES:
        services.undo_milestone_completion(milestone, actor=user, reason="未验收")
        assert Milestone.objects.get(pk=milestone.pk).done_date is None
    else:
        with pytest.raises(PermissionDenied):
            services.undo_milestone_completion(milestone, actor=user)


@pytest.mark.parametrize("who", ROLES)
def test_only_the_office_creates_and_edits_items(world: World, who: str) -> None:
    user = getattr(world, who)
    if who in OFFICES:
        item = services.add_item(
            world.programme,
            actor=user,
            number=f"9-{who}",
            name="新事项",
            lead_unit_id=world.unit_b.pk,
        )
        services.edit_item(item, actor=user, expected_version=item.version, fields={"name": "改"})
        assert fresh(item).name == "改"
        return
    with pytest.raises(PermissionDenied):
        services.add_item(
            world.programme, actor=user, number="9-9", name="新事项", lead_unit_id=world.unit_b.pk
        )
    with pytest.raises(PermissionDenied):
        services.edit_item(world.item_a, actor=user, expected_version=None, fields={"name": "改"})
    assert not Item.objects.filter(number="9-9").exists()


# --- soft removal -----------------------------------------------------------------------


def test_removed_target_keeps_its_row_hides_and_shows_in_history(world: World) -> None:
    target = _target(world)
    services.remove_target(target, actor=world.office, reason="并入1-3号事项")
    row = Target.all_objects.get(pk=target.pk)
    assert row.removed_at is not None and row.removed_reason == "并入1-3号事项"
    assert list(world.item_a.targets.all()) == []
    assert item_targets(world.item_a) == []
    assert item_page(world.office, world.item_a, all_updates=False).targets == []
    with pytest.raises(NotFound):
        item_target(world.item_a, target.pk)
    entry = _history(world.item_a)[0]
    assert entry.action == "删除工作目标"
    assert {(c.label, c.old, c.new) for c in entry.changes} == {
        ("工作目标", "修复路段 20处", "—"),
        ("删除原因", "—", "并入1-3号事项"),
    }


def test_removal_needs_a_reason(world: World) -> None:
    milestone = _milestone(world)
    with pytest.raises(ValidationFailed) as caught:
        services.remove_milestone(milestone, actor=world.office, reason="  ")
    assert "reason" in caught.value.errors
    assert Milestone.objects.filter(pk=milestone.pk).exists()


def test_removed_milestone_hides_everywhere_and_shows_in_history(world: World) -> None:
    milestone = _milestone(world)
    Milestone.objects.filter(pk=milestone.pk).update(planned_rate=Decimal(30))
    assert assessing.milestone_rates(world.programme.pk, None)[world.item_a.pk]
    services.remove_milestone(milestone, actor=world.office, reason="招标取消")
    assert Milestone.all_objects.filter(pk=milestone.pk).exists()
    assert list(world.item_a.milestones.all()) == []
    assert world.item_a.pk not in assessing.milestone_rates(world.programme.pk, None)
    board_services.reassess_if_stale([world.programme.pk], dt.date(2021, 6, 20))
    board = board_selectors.programme_board(
        world.office, world.programme, today=dt.date(2021, 6, 20)
    )
    assert all(not row.milestones for row in board.gantt.rows)
    with pytest.raises(NotFound):
        item_milestone(world.item_a, milestone.pk)
    entry = _history(world.item_a)[0]
    assert entry.action == "删除时间节点"
    assert ("删除原因", "招标取消") in {(c.label, c.new) for c in entry.changes}


def test_removed_target_takes_no_actuals(world: World) -> None:
    target = _target(world)
    services.remove_target(target, actor=world.office, reason="重复")
    with pytest.raises(ValidationFailed) as caught:
        services.record_progress(
            world.item_a, actor=world.editor_a, text="x", target_actuals={target.pk: Decimal(3)}
        )
    assert f"target_{target.pk}" in caught.value.errors


def test_timeline_still_names_a_removed_targets_figures(world: World) -> None:
    target = _target(world)
    services.record_progress(
        world.item_a, actor=world.editor_a, text="修复3处", target_actuals={target.pk: Decimal(3)}
    )
    services.remove_target(target, actor=world.office, reason="重复")
    page = item_page(world.office, world.item_a, all_updates=False)
    assert page.updates[0].target_lines[0][0] == "修复路段"


def test_export_leaves_out_removed_targets(world: World) -> None:
    old = _target(world)
    services.add_target(
        world.item_a, services.TargetInput("惠及居民", Decimal(300), "户"), actor=world.office
    )
    services.remove_target(old, actor=world.office, reason="重复")
    sheet = openpyxl.load_workbook(io.BytesIO(export_ledger(world.programme, actor=world.office)))
    cells = [str(c) for ws in sheet for row in ws.iter_rows(values_only=True) for c in row if c]
    assert any("惠及居民" in c for c in cells)
    assert not any("修复路段" in c for c in cells)


def test_set_targets_removes_softly_and_keeps_actuals(world: World) -> None:
    old = _target(world)
    Target.objects.filter(pk=old.pk).update(actual=Decimal(12))
    new = services.set_targets(
        world.item_a,
        [
            services.TargetInput("修复路段", Decimal(25), "处"),
            services.TargetInput("新增", Decimal(1)),
        ],
        actor=world.office,
    )
    assert [t.actual for t in new] == [Decimal(12), None]
    assert Target.all_objects.get(pk=old.pk).removed_at is not None


# --- edits, order, versions ---------------------------------------------------------------


def test_every_plan_edit_bumps_the_item_version_and_refuses_stale(world: World) -> None:
    item = world.item_a
    v = fresh(item).version
    target = services.add_target(
        item,
        services.TargetInput("惠及居民", Decimal(300), "户"),
        actor=world.office,
        expected_version=v,
    )
    assert fresh(item).version == v + 1
    with pytest.raises(StaleEdit):
        services.update_target(target, actor=world.office, expected_version=v, value=Decimal(1))
    services.update_target(target, actor=world.office, expected_version=v + 1, value=Decimal(350))
    milestone = services.add_milestone(
        item,
        services.MilestoneInput("开工", dt.date(2021, 6, 1)),
        actor=world.office,
        expected_version=v + 2,
    )
    services.move_target(target, actor=world.office, direction="up", expected_version=v + 3)
    services.remove_milestone(milestone, actor=world.office, reason="x", expected_version=v + 4)
    assert fresh(item).version == v + 5
    with pytest.raises(StaleEdit):
        services.remove_target(target, actor=world.office, reason="x", expected_version=v)
    assert Target.objects.filter(pk=target.pk).exists()


def test_target_edits_read_well_in_the_history(world: World) -> None:
    target = _target(world)
    services.update_target(target, actor=world.office, name="修复塌陷路段", value=Decimal(25))
    entry = _history(world.item_a)[0]
    assert entry.action == "修改工作目标"
    assert {(c.label, c.old, c.new) for c in entry.changes} == {
        ("目标“修复路段”名称", "修复路段", "修复塌陷路段"),
        ("目标“修复塌陷路段”目标值", "20", "25"),
    }


def test_milestone_edits_read_well_in_the_history(world: World) -> None:
    milestone = _milestone(world)
    services.update_milestone(milestone, actor=world.office, due_date=dt.date(2021, 5, 31))
    entry = _history(world.item_a)[0]
    assert entry.action == "修改时间节点"
    assert [(c.label, c.old, c.new) for c in entry.changes] == [
        ("节点“招标”计划日期", "2021年4月30日", "2021年5月31日")
    ]
    added = _history(world.item_a)[1]
    assert added.action == "新增时间节点"
    assert ("时间节点", "招标") in {(c.label, c.new) for c in added.changes}


def test_milestones_go_in_by_date_and_move_up_and_down(world: World) -> None:
    late = _milestone(world, "竣工", dt.date(2021, 10, 1))
    early = _milestone(world, "招标", dt.date(2021, 4, 1))
    middle = _milestone(world, "开工", dt.date(2021, 6, 1))

    def page() -> list[str]:
        shown = item_page(world.office, world.item_a, all_updates=False)
        return [m.title for m in shown.milestones]

    assert page() == ["招标", "开工", "竣工"]
    services.move_milestone(late, actor=world.office, direction="up")
    assert page() == ["招标", "竣工", "开工"]
    services.move_milestone(early, actor=world.office, position=3)
    assert page() == ["竣工", "开工", "招标"]
    assert middle.pk
    assert _history(world.item_a)[0].action == "调整时间节点顺序"


def test_moving_the_first_up_changes_nothing(world: World) -> None:
    target = _target(world)
    v = fresh(world.item_a).version
    services.move_target(target, actor=world.office, direction="up")
    assert fresh(world.item_a).version == v


def test_bad_milestone_fields_are_named(world: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.add_milestone(
            world.item_a,
            services.MilestoneInput(" ", dt.date(2021, 5, 1), planned_rate=Decimal(120)),
            actor=world.office,
        )
    assert set(caught.value.errors) == {"title", "planned_rate"}


# --- completing a milestone ----------------------------------------------------------------


def test_completion_is_a_progress_report_with_evidence(world: World) -> None:
    milestone = _milestone(world)
    photo = SimpleUploadedFile("合同.png", tiny_png(), content_type="image/png")
    services.complete_milestone(
        milestone,
        actor=world.editor_a,
        done_date=dt.date(2021, 5, 2),
        text="已签订施工合同",
        attachments=[photo],
    )
    milestone.refresh_from_db()
    update = milestone.done_update
    assert update is not None
    assert update.text == "节点完成：招标。已签订施工合同"
    assert update.reported_on == dt.date(2021, 5, 2)
    assert update.rate is None
    assert Attachment.objects.get(update=update).name == "合同.png"
    assert fresh(world.item_a).completion_rate == 0
    event = AuditEvent.objects.filter(action="item.milestone_done").get()
    assert event.changes["milestone:招标"] == [None, "2021-05-02"]
    entry = _history(world.item_a)[0]
    assert entry.action == "完成时间节点"
    assert [(c.label, c.new) for c in entry.changes] == [("节点“招标”完成日期", "2021年5月2日")]


def test_completion_date_not_in_the_future(world: World) -> None:
    milestone = _milestone(world)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationFailed) as caught:
        services.complete_milestone(milestone, actor=world.office, done_date=tomorrow)
    assert "done_date" in caught.value.errors
    assert not ProgressUpdate.objects.exists()


def test_a_milestone_is_completed_once(world: World) -> None:
    milestone = _milestone(world)
    services.complete_milestone(milestone, actor=world.office, done_date=dt.date(2021, 5, 2))
    with pytest.raises(ValidationFailed):
        services.complete_milestone(milestone, actor=world.office, done_date=dt.date(2021, 5, 3))
    assert ProgressUpdate.objects.count() == 1


def test_undo_keeps_the_report_and_says_why(world: World) -> None:
    milestone = _milestone(world)
    services.complete_milestone(milestone, actor=world.office, done_date=dt.date(2021, 5, 2))
    services.undo_milestone_completion(milestone, actor=world.office, reason="未验收")
    milestone.refresh_from_db()
    assert (milestone.done_date, milestone.done_update_id) == (None, None)
    assert ProgressUpdate.objects.count() == 1
    entry = _history(world.item_a)[0]
    assert entry.action == "撤销节点完成"
    assert ("撤销原因", "未验收") in {(c.label, c.new) for c in entry.changes}


def test_completed_milestone_is_never_late(world: World) -> None:
    milestone = _milestone(world, "招标", dt.date(2021, 4, 30))
    assert milestone.is_late  # due in 2021, open
    services.complete_milestone(milestone, actor=world.editor_a, done_date=dt.date(2021, 5, 20))
    milestone.refresh_from_db()
    assert not milestone.is_late
    # The board of today and of a day after the completion.
    for today in (timezone.localdate(), dt.date(2021, 6, 20)):
        board_services.reassess_if_stale([world.programme.pk], today)
        board = board_selectors.programme_board(world.office, world.programme, today=today)
        row = next(r for r in board.gantt.rows if r.item_id == world.item_a.pk)
        assert [(m.title, m.is_late) for m in row.milestones] == [("招标", False)]
    # The item page.
    html = client_for(world.office).get(f"/ledger/items/{world.item_a.pk}/").content.decode()
    assert "已超期" not in html
    assert "ms-late" not in html


def test_open_past_milestone_is_shown_late(world: World) -> None:
    _milestone(world, "招标", dt.date(2021, 4, 30))
    html = client_for(world.office).get(f"/ledger/items/{world.item_a.pk}/").content.decode()
    assert "已超期" in html


# --- the next number ------------------------------------------------------------------------


def test_next_item_number_counts_on_the_last(world: World) -> None:
    assert next_item_number(world.programme) == "1-3"
    services.add_item(
        world.programme, actor=world.office, number="1-3", name="x", lead_unit_id=world.unit_a.pk
    )
    assert next_item_number(world.programme) == "1-4"
    assert next_item_number(world.hulan_programme) == "1-2"


# --- pages ------------------------------------------------------------------------------------


def _url(world: World, tail: str = "") -> str:
    return f"/ledger/items/{world.item_a.pk}/{tail}"


@pytest.mark.parametrize("who", ROLES)
def test_new_item_page_is_the_offices(world: World, who: str) -> None:
    response = client_for(getattr(world, who)).get(
        f"/ledger/programmes/{world.programme.pk}/items/new/"
    )
    expected = 200 if who in OFFICES else (404 if who == "outsider" else 403)
    assert response.status_code == expected
    if expected == 200:
        assert 'value="1-3"' in response.content.decode()


def test_office_creates_an_item_on_the_page(world: World) -> None:
    client = client_for(world.office)
    response = client.post(
        f"/ledger/programmes/{world.programme.pk}/items/new/",
        {
            "number": "1-3",
            "name": "新建社区食堂",
            "lead_unit": world.unit_b.pk,
            "partner_units": [world.unit_c.pk],
            "sponsor_leaders": [world.leader_person.pk],
            "deadline_text": "2021年9月底前",
            "planned_investment": "150",
        },
    )
    item = Item.objects.get(programme=world.programme, number="1-3")
    assert response.status_code == 302 and response["Location"] == f"/ledger/items/{item.pk}/"
    assert item.due_date == dt.date(2021, 9, 30)
    assert item.planned_investment == Decimal(1_500_000)
    assert list(item.partner_units.all()) == [world.unit_c]


def test_duplicate_number_on_the_page_is_refused_clearly(world: World) -> None:
    response = client_for(world.office).post(
        f"/ledger/programmes/{world.programme.pk}/items/new/",
        {"number": "1-1", "name": "重复", "lead_unit": world.unit_b.pk},
    )
    assert response.status_code == 422
    assert "编号“1-1”已被本计划的其他事项使用" in response.content.decode()
    assert Item.objects.filter(number="1-1", programme=world.programme).count() == 1


def test_new_item_page_names_missing_fields(world: World) -> None:
    response = client_for(world.office).post(
        f"/ledger/programmes/{world.programme.pk}/items/new/",
        {"number": "1-3", "deadline_text": "看情况"},
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert {"name", "lead_unit"} <= set(form.errors)


def test_the_list_offers_new_item_to_the_office_only(world: World) -> None:
    url = f"/ledger/?programme={world.programme.pk}"
    new = f"/ledger/programmes/{world.programme.pk}/items/new/"
    assert new in client_for(world.office).get(url).content.decode()
    assert new not in client_for(world.editor_a).get(url).content.decode()


def test_item_page_shows_plan_forms_by_role(world: World) -> None:
    milestone = _milestone(world)
    complete = f"/ledger/items/{world.item_a.pk}/milestones/{milestone.pk}/complete/"
    add_target = _url(world, "targets/")
    office = client_for(world.office).get(_url(world)).content.decode()
    assert add_target in office and complete in office
    # A row's forms are drawn on demand: the page links them, it does not carry them.
    assert "删除原因（必填）" not in office
    lead = client_for(world.editor_a).get(_url(world)).content.decode()
    assert complete in lead and add_target not in lead
    for who in ("partner_editor", "viewer_a", "leader"):
        html = client_for(getattr(world, who)).get(_url(world)).content.decode()
        assert complete not in html and add_target not in html


def test_a_rows_form_opens_on_demand_as_fragment_or_page(world: World) -> None:
    target = _target(world)
    url = _url(world, f"targets/{target.pk}/remove/")
    client = client_for(world.office)
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert "删除原因（必填）" in html and f'action="{url}"' in html and "<html" not in html
    assert f'name="version" value="{world.item_a.version}"' in html
    page = client.get(url).content.decode()  # without script: a page of its own
    assert "<html" in page and "删除原因（必填）" in page and world.item_a.name in page
    edit = client.get(_url(world, f"targets/{target.pk}/"), headers={"HX-Request": "true"})
    assert f'value="{target.name}"' in edit.content.decode()


def test_the_lead_unit_opens_only_the_completion_form(world: World) -> None:
    milestone = _milestone(world)
    client = client_for(world.editor_a)
    done = client.get(_url(world, f"milestones/{milestone.pk}/complete/"))
    assert done.status_code == 200 and 'name="done_date"' in done.content.decode()
    assert client.get(_url(world, f"milestones/{milestone.pk}/")).status_code == 403
    assert (
        client_for(world.viewer_a)
        .get(_url(world, f"milestones/{milestone.pk}/complete/"))
        .status_code
        == 403
    )


def test_a_refused_row_form_comes_back_open_with_the_typing(world: World) -> None:
    milestone = _milestone(world)
    response = client_for(world.office).post(
        _url(world, f"milestones/{milestone.pk}/"),
        {"title": "改过的节点", "due_date": "不是日期", "version": str(world.item_a.version)},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'value="改过的节点"' in html and "<details open>" in html


@pytest.mark.parametrize("who", ROLES)
def test_plan_pages_refuse_all_but_the_office(world: World, who: str) -> None:
    target = _target(world)
    response = client_for(getattr(world, who)).post(
        _url(world, f"targets/{target.pk}/remove/"), {"reason": "重复"}
    )
    expected = 302 if who in OFFICES else (404 if who == "outsider" else 403)
    assert response.status_code == expected
    assert Target.objects.filter(pk=target.pk).exists() is (who not in OFFICES)


def test_office_adds_and_edits_a_target_on_the_page(world: World) -> None:
    client = client_for(world.office)
    response = client.post(
        _url(world, "targets/"), {"name": "惠及居民", "value": "3000", "unit": "户"}
    )
    assert response.status_code == 302
    target = Target.objects.get(item=world.item_a, name="惠及居民")
    response = client.post(
        _url(world, f"targets/{target.pk}/"), {"name": "惠及居民", "value": "3500", "unit": "户"}
    )
    assert response.status_code == 302
    assert Target.objects.get(pk=target.pk).value == Decimal(3500)
    response = client.post(_url(world, f"targets/{target.pk}/move/"), {"direction": "up"})
    assert response.status_code == 302
    assert [t.name for t in item_targets(world.item_a)] == ["惠及居民", "修复路段"]


def test_remove_without_reason_on_the_page_is_422(world: World) -> None:
    target = _target(world)
    response = client_for(world.office).post(
        _url(world, f"targets/{target.pk}/remove/"), {"reason": ""}
    )
    assert response.status_code == 422
    assert "请填写删除原因" in response.content.decode()
    assert Target.objects.filter(pk=target.pk).exists()


def test_stale_page_edit_is_409_and_keeps_the_typing(world: World) -> None:
    services.update_item(world.item_a, actor=world.office, expected_version=None, remarks="改")
    response = client_for(world.office).post(
        _url(world, "milestones/"), {"title": "验收节点", "due_date": "2021-11-30", "version": "1"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "已被他人修改" in html and 'value="验收节点"' in html
    assert not Milestone.objects.filter(title="验收节点").exists()


def test_lead_unit_marks_a_milestone_done_on_the_page(world: World) -> None:
    milestone = _milestone(world)
    photo = SimpleUploadedFile("现场.png", tiny_png(), content_type="image/png")
    response = client_for(world.editor_a).post(
        _url(world, f"milestones/{milestone.pk}/complete/"),
        {"done_date": "2021-05-02", "text": "已开标", "attachments": [photo]},
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.done_date == dt.date(2021, 5, 2)
    assert milestone.done_update is not None
    assert milestone.done_update.attachments.count() == 1


@pytest.mark.parametrize("who", ["partner_editor", "editor_b", "viewer_a", "leader"])
def test_others_cannot_mark_a_milestone_done_on_the_page(world: World, who: str) -> None:
    milestone = _milestone(world)
    response = client_for(getattr(world, who)).post(
        _url(world, f"milestones/{milestone.pk}/complete/"), {"done_date": "2021-05-02"}
    )
    assert response.status_code == 403
    assert Milestone.objects.get(pk=milestone.pk).done_date is None


def test_future_completion_on_the_page_is_422(world: World) -> None:
    milestone = _milestone(world)
    later = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client_for(world.office).post(
        _url(world, f"milestones/{milestone.pk}/complete/"), {"done_date": later, "text": "t"}
    )
    assert response.status_code == 422
    assert "完成日期不能晚于今天" in response.content.decode()


def test_hostile_names_are_escaped_in_the_plan_section(world: World) -> None:
    hostile = '<script>alert("x")</script>'
    services.add_target(world.item_a, services.TargetInput(hostile, Decimal(1)), actor=world.office)
    _milestone(world, hostile)
    html = client_for(world.office).get(_url(world)).content.decode()
    assert hostile not in html
    assert "&lt;script&gt;" in html


def test_hostile_unit_names_are_escaped_on_the_new_item_page(world: World) -> None:
    hostile = '<img src=x onerror="alert(1)">'
    org_services.ensure_unit(world.nangang, hostile, kind="bureau")
    html = (
        client_for(world.office)
        .get(f"/ledger/programmes/{world.programme.pk}/items/new/")
        .content.decode()
    )
    assert hostile not in html
    assert "&lt;img" in html


# --- in a browser -------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_office_adds_an_item_and_a_milestone_the_unit_marks_it_done(
    world: World, live_server: Any, tmp_path: Any, settings: Any, browser: Any
) -> None:
    # ``world`` is built before the browser starts: Playwright runs an event loop in this
    # thread, and the ORM refuses to run beside one.
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    desk = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = desk.new_page()
    browser_login(page, base, "office")
    page.goto(f"{base}/ledger/?programme={world.programme.pk}")
    page.click("a.btn:has-text('新增事项')")
    assert page.input_value("input[name=number]") == "1-3"
    page.fill("input[name=name]", "新建社区食堂")
    page.select_option("select[name=lead_unit]", str(world.unit_a.pk))
    page.fill("input[name=deadline_text]", "2021年9月底前")
    page.click("button:has-text('新增')")
    page.wait_for_url("**/ledger/items/*/")
    assert "新建社区食堂" in page.content()
    page.click("summary:has-text('新增时间节点')")
    page.fill(".plan-milestones .plan-add input[name=title]", "选址")
    page.fill(".plan-milestones .plan-add input[name=due_date]", "2021-03-31")
    page.click(".plan-milestones .plan-add button:has-text('添加')")
    page.wait_for_load_state("networkidle")
    assert "已超期" in page.content()
    page.screenshot(path=str(SHOTS / "ui-plan-office.png"), full_page=True)
    item_url = page.url.split("#")[0]

    unit = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    phone = unit.new_page()
    browser_login(phone, base, "editor_a")
    phone.goto(item_url)
    phone.click("summary:has-text('标记完成')")
    phone.fill("input[name=done_date]", "2021-04-02")
    phone.fill("textarea[name=text]", "选址已确定")
    phone.click(".plan-milestones button:has-text('标记完成')")
    phone.wait_for_load_state("networkidle")
    content = phone.content()
    assert "已超期" not in content and "节点完成：选址。选址已确定" in content
    phone.screenshot(path=str(SHOTS / "ui-plan-unit-phone.png"), full_page=True)
    desk.close()
    unit.close()
