"""The office defines cycles and ad-hoc requests in the browser."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shishi.conftest import World, client_for
from shishi.reports import services
from shishi.reports.models import Cycle


def _form(world: World, **change: Any) -> dict[str, Any]:
    data = {
        "name": "为民办实事周报告",
        "code": "weekly",
        "programme": world.programme.pk,
        "cadence": "weekly",
        "due_weekday": "4",
        "due_workdays": "0",
        "due_time": "17:00",
        "units": [world.unit_a.pk, world.unit_b.pk],
        "asks_items": "on",
        "needs_sign_off": "on",
        "sections": "下周工作安排\n需协调解决的问题",
        "figures": "本周办理健康证人数（人）\n走访户数",
        "remind_before_hours": "24,2",
        "remind_after_workdays": "1,2,3",
        "is_active": "on",
    }
    data.update(change)
    return data


def test_office_defines_a_weekly_cycle_and_changes_it(world: World) -> None:
    office = client_for(world.office)
    assert office.get("/reports/cycles/new/").status_code == 200
    response = office.post("/reports/cycles/new/", _form(world))
    assert response.status_code == 302, response.content.decode()[:2000]
    cycle = Cycle.objects.get(code="weekly")
    assert (cycle.due_weekday, cycle.due_time) == (4, dt.time(17, 0))
    assert [s.title for s in cycle.sections.order_by("order")] == [
        "下周工作安排",
        "需协调解决的问题",
    ]
    assert [(f.name, f.unit_label) for f in cycle.figures.order_by("order")] == [
        ("本周办理健康证人数", "人"),
        ("走访户数", ""),
    ]
    assert set(cycle.units.values_list("pk", flat=True)) == {world.unit_a.pk, world.unit_b.pk}
    edit = f"/reports/cycles/{cycle.pk}/edit/"
    assert office.get(edit).status_code == 200
    changed = _form(world, version=cycle.version, name="周报告（新）", sections="需协调解决的问题")
    assert office.post(edit, changed).status_code == 302
    cycle.refresh_from_db()
    assert cycle.name == "周报告（新）" and cycle.sections.count() == 1
    stale = office.post(edit, _form(world, version=1, name="旧的"))
    assert stale.status_code == 409


def test_bad_definitions_name_the_field(world: World) -> None:
    office = client_for(world.office)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"due_weekday": ""}, "按周报送请选择每周报送日"),
        ({"cadence": "once"}, "一次性报送请填写报送日期"),
        ({"units": [world.hulan_unit.pk]}, "有效的选项"),
        ({"remind_before_hours": "明天"}, "以逗号分隔的数字"),
        ({"programme": world.hulan_programme.pk}, "有效的选项"),
    ]
    for change, message in cases:
        response = office.post("/reports/cycles/new/", _form(world, **change))
        assert response.status_code == 422, change
        assert message in response.content.decode(), change
    assert office.post("/reports/cycles/new/", _form(world)).status_code == 302
    again = office.post("/reports/cycles/new/", _form(world))
    assert again.status_code == 422 and "已被本区其他反馈机制使用" in again.content.decode()
    assert not Cycle.objects.filter(jurisdiction=world.hulan).exists()


def test_an_ad_hoc_request_is_a_one_off_cycle(world: World) -> None:
    office = client_for(world.office)
    data = _form(world, code="kindergarten", name="周五前报送幼儿园数据", cadence="once")
    data.update(once_on="2021-06-18", due_weekday="", sections="", figures="在园幼儿数（人）")
    assert office.post("/reports/cycles/new/", data).status_code == 302
    cycle = Cycle.objects.get(code="kindergarten")
    opened = services.open_period(cycle, "2021-06-18", actor=world.office)
    assert opened.period.due_at.date() == dt.date(2021, 6, 18) and opened.created == 2


def test_units_and_others_cannot_define_cycles(world: World) -> None:
    for user in (world.editor_a, world.leader, world.resident):
        assert client_for(user).get("/reports/cycles/new/").status_code == 403
    assert client_for(world.outsider).post("/reports/cycles/new/", _form(world)).status_code == 422


def test_a_section_with_answers_cannot_be_removed(world: World, weekly: Cycle) -> None:
    sub = services.open_period(weekly, "2021-W25").period.submissions.get(unit=world.unit_a)
    section = sub.sections.get()
    draft = services.Draft(sections={section.section_id: "下周摊铺"})
    services.save_draft(sub, draft, actor=world.editor_a, expected_version=sub.version)
    office = client_for(world.office)
    data = _form(world, version=weekly.version, name=weekly.name, sections="", figures="")
    response = office.post(f"/reports/cycles/{weekly.pk}/edit/", data)
    assert response.status_code == 422 and "不能删除“下周工作安排”" in response.content.decode()
    assert weekly.sections.count() == 1


def test_the_offices_word_template_shapes_its_reports(
    world: World, weekly: Cycle, tmp_path: Any
) -> None:
    import io

    import docx
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shishi.board.services import refresh_statuses

    template = docx.Document()
    template.add_paragraph("南岗区为民办实事工作领导小组办公室文件")
    buffer = io.BytesIO()
    template.save(buffer)
    office = client_for(world.office)
    edit = f"/reports/cycles/{weekly.pk}/edit/"
    data = _form(
        world,
        version=weekly.version,
        name=weekly.name,
        sections="下周工作安排",
        figures="本周办理健康证人数（人）",
    )
    bad = SimpleUploadedFile("template.docx", b"not a word file")
    response = office.post(edit, {**data, "template": bad})
    assert response.status_code == 422 and "模板不是有效的Word文档" in response.content.decode()
    text = SimpleUploadedFile("template.txt", b"x")
    assert "应是Word文档" in office.post(edit, {**data, "template": text}).content.decode()
    good = SimpleUploadedFile("红头.docx", buffer.getvalue())
    assert office.post(edit, {**data, "template": good}).status_code == 302
    weekly.refresh_from_db()
    assert weekly.docx_template.name.startswith("reports/templates/weekly")
    refresh_statuses(world.programme.pk)
    today = dt.date.today().isocalendar()
    period = services.open_period(weekly, f"{today.year}-W{today.week:02d}").period
    version = services.compile_report(period, actor=world.office)
    body = [p.text for p in docx.Document(version.docx.open("rb")).paragraphs]
    assert body[0] == "南岗区为民办实事工作领导小组办公室文件" and "总体情况" in "".join(body)
    data["version"] = weekly.version
    assert office.post(edit, {**data, "clear_template": "on"}).status_code == 302
    weekly.refresh_from_db()
    assert not weekly.docx_template
