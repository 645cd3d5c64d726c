"""The office's calendar pages: the office allowed, everyone else refused; the notice."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse

from shishi.conftest import PASSWORD, World
from shishi.workdays import calendar, services
from shishi.workdays.models import LocalDay, ScheduleDay
from shishi.workdays.tests.helpers import d, rows_2027, xlsx

NOTICE = "2027年国务院放假安排尚未录入，工作日暂按周末计算"


def client_for(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_city_office_sees_the_years_with_their_source(world: World) -> None:
    response = client_for(world.city_office).get(reverse("workdays:years", args=["230100"]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "内置数据（chinesecalendar）" in text
    assert "尚未录入，暂按周末计算" in text  # 2027
    assert "2004—2026" in text


def test_the_index_lists_the_offices_places_or_goes_to_the_only_one(world: World) -> None:
    response = client_for(world.office).get(reverse("workdays:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("workdays:years", args=["230103"])
    response = client_for(world.city_office).get(reverse("workdays:index"))
    assert response.status_code == 200
    assert "南岗区" in response.content.decode() and "呼兰区" in response.content.decode()


def test_a_year_nobody_entered_shows_the_notice_and_the_entry_form(world: World) -> None:
    response = client_for(world.city_office).get(reverse("workdays:year", args=["230100", 2027]))
    assert response.status_code == 200
    text = response.content.decode()
    assert NOTICE in text
    assert 'name="first_day"' in text


def test_the_city_office_enters_a_holiday_through_the_form(world: World) -> None:
    url = reverse("workdays:year", args=["230100", 2027])
    response = client_for(world.city_office).post(
        url,
        {"name": "春节", "first_day": "2027-02-05", "last_day": "2027-02-12",
         "workdays": "1月31日、2027-02-20", "notice": ""},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == url
    assert ScheduleDay.objects.filter(kind="off").count() == 8
    assert set(ScheduleDay.objects.filter(kind="work").values_list("date", flat=True)) == {
        d("2027-01-31"),
        d("2027-02-20"),
    }
    page = client_for(world.city_office).get(url).content.decode()
    assert "2月5日—2月12日" in page and NOTICE not in page


def test_a_bad_entry_is_shown_beside_its_field(world: World) -> None:
    url = reverse("workdays:year", args=["230100", 2027])
    response = client_for(world.city_office).post(
        url, {"name": "春节", "first_day": "2027-02-05", "workdays": "2月30日"}
    )
    assert response.status_code == 422
    assert "「2月30日」不是日期" in response.content.decode()
    response = client_for(world.city_office).post(
        url,
        {"name": "春节", "first_day": "2027-02-05", "workdays": "2027-02-10"},  # a Wednesday
    )
    assert response.status_code == 422
    assert "周六或周日" in response.content.decode()
    assert not ScheduleDay.objects.exists()


def test_the_district_office_reads_but_cannot_enter_the_national_schedule(world: World) -> None:
    client = client_for(world.office)
    url = reverse("workdays:year", args=["230103", 2027])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="first_day"' not in page.content.decode()
    assert "请市级专班录入" in page.content.decode()
    response = client.post(url, {"name": "春节", "first_day": "2027-02-05"})
    assert response.status_code == 403
    response = client.post(reverse("workdays:import_year", args=["230103", 2027]))
    assert response.status_code == 403
    assert not ScheduleDay.objects.exists()


def test_the_district_office_adds_and_removes_local_days(world: World) -> None:
    client = client_for(world.office)
    url = reverse("workdays:local", args=["230103"])
    response = client.post(
        url,
        {"kind": "off", "first_day": "2026-06-01", "last_day": "2026-06-02", "name": "区运动会"},
    )
    assert response.status_code == 302
    assert LocalDay.objects.filter(jurisdiction=world.nangang).count() == 2
    page = client.get(url + "?year=2026").content.decode()
    assert "区运动会" in page
    response = client.post(
        reverse("workdays:remove_local", args=["230103"]), {"date": "2026-06-01"}
    )
    assert response.status_code == 302
    assert list(LocalDay.objects.values_list("date", flat=True)) == [d("2026-06-02")]
    response = client.post(reverse("workdays:remove_local", args=["230103"]), {"date": "soon"})
    assert response.status_code == 400
    response = client.post(url, {"kind": "off", "first_day": "", "name": ""})
    assert response.status_code == 422


@pytest.mark.parametrize("who", ["editor_a", "viewer_a", "leader", "inspector", "operator"])
def test_others_of_the_district_are_refused(world: World, who: str) -> None:
    client = client_for(getattr(world, who))
    assert client.get(reverse("workdays:index")).status_code == 403
    for url in (
        reverse("workdays:years", args=["230103"]),
        reverse("workdays:year", args=["230103", 2027]),
        reverse("workdays:local", args=["230103"]),
        reverse("workdays:import_year", args=["230103", 2027]),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("workdays:local", args=["230103"]),
        {"kind": "off", "first_day": "2026-06-01", "name": "x"},
    )
    assert response.status_code == 403
    assert not LocalDay.objects.exists()


def test_another_districts_office_does_not_find_the_district(world: World) -> None:
    client = client_for(world.outsider)
    for url in (
        reverse("workdays:years", args=["230103"]),
        reverse("workdays:year", args=["230103", 2027]),
        reverse("workdays:local", args=["230103"]),
        reverse("workdays:years", args=["230100"]),
        reverse("workdays:years", args=["999999"]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("workdays:remove_local", args=["230103"]), {"date": "2026-06-01"}
    )
    assert response.status_code == 404


def test_a_resident_and_a_visitor_are_refused(world: World) -> None:
    assert client_for(world.resident).get(reverse("workdays:index")).status_code == 403
    response = Client().get(reverse("workdays:years", args=["230103"]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_bad_year_in_the_url_is_a_clear_400(world: World) -> None:
    response = client_for(world.city_office).get(reverse("workdays:year", args=["230100", 1900]))
    assert response.status_code == 400
    assert "年度应在2000到2100之间" in response.content.decode()


def test_the_import_page_names_the_bad_row_and_writes_nothing(world: World) -> None:
    url = reverse("workdays:import_year", args=["230100", 2027])
    rows = rows_2027()
    rows[0] = ("2027-02-05", "放假吗", "春节")
    upload = SimpleUploadedFile("2027.xlsx", xlsx(rows))
    response = client_for(world.city_office).post(url, {"file": upload})
    assert response.status_code == 422
    text = response.content.decode()
    assert "<td>2</td><td>类型</td>" in text and "「放假吗」应为“放假”或“上班”" in text
    assert not ScheduleDay.objects.exists()
    upload = SimpleUploadedFile("2027.xlsx", xlsx(rows_2027()))
    response = client_for(world.city_office).post(url, {"file": upload})
    assert response.status_code == 302
    assert ScheduleDay.objects.count() == 19
    assert calendar.known_year(2027, world.nangang)


def test_removing_a_day_and_clearing_a_year_through_the_pages(world: World) -> None:
    services.import_schedule(world.city, 2027, xlsx(rows_2027()), "a.xlsx", actor=world.city_office)
    client = client_for(world.city_office)
    page = client.get(reverse("workdays:year", args=["230100", 2027])).content.decode()
    assert "逐日查看和删除" in page
    response = client.post(
        reverse("workdays:remove_day", args=["230100", 2027]), {"date": "2027-02-20"}
    )
    assert response.status_code == 302
    assert not ScheduleDay.objects.filter(date=d("2027-02-20")).exists()
    response = client.post(reverse("workdays:clear", args=["230100", 2027]))
    assert response.status_code == 302
    assert not ScheduleDay.objects.exists()
    # A district office cannot clear the city's schedule.
    response = client_for(world.office).post(reverse("workdays:clear", args=["230103", 2027]))
    assert response.status_code == 403


def test_holiday_names_are_shown_as_text(world: World) -> None:
    hostile = "<script>alert(1)</script>"
    services.add_holiday(
        world.city, 2027, actor=world.city_office, name=hostile, first_day=d("2027-05-03")
    )
    services.add_local_days(
        world.nangang, actor=world.office, kind="off", name=hostile, first_day=d("2027-05-04")
    )
    for user, url in (
        (world.city_office, reverse("workdays:year", args=["230100", 2027])),
        (world.office, reverse("workdays:year", args=["230103", 2027])),
        (world.office, reverse("workdays:local", args=["230103"]) + "?year=2027"),
    ):
        text = client_for(user).get(url).content.decode()
        assert hostile not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


# --- the notice other pages show ------------------------------------------------------------

TAG = Template("{% load workdays_ui %}{% workdays_notice years place %}")


def render_notice(user: Any, years: Any, place: Any) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return TAG.render(Context({"request": request, "years": years, "place": place}))


def test_the_notice_shows_for_an_unknown_year_with_a_link_for_who_may_enter_it(
    world: World,
) -> None:
    for_city = render_notice(world.city_office, 2027, world.nangang)
    assert NOTICE in for_city
    assert reverse("workdays:year", args=["230100", 2027]) in for_city
    for_editor = render_notice(world.editor_a, [2026, 2027], world.nangang)
    assert NOTICE in for_editor and "href" not in for_editor
    for_office = render_notice(world.office, 2027, world.nangang)
    assert reverse("workdays:index") in for_office  # the office's calendar, to ask or see
    assert render_notice(world.city_office, [2024, 2025, 2026], world.nangang).strip() == ""


def test_the_notice_goes_once_the_year_is_entered(world: World) -> None:
    services.import_schedule(world.city, 2027, xlsx(rows_2027()), "a.xlsx", actor=world.city_office)
    assert render_notice(world.editor_a, d("2027-03-01"), world.nangang).strip() == ""
    assert NOTICE in render_notice(world.editor_a, 2027, None)  # the package alone


def test_the_city_office_is_sent_to_the_citys_page_from_a_districts(world: World) -> None:
    page = client_for(world.city_office).get(reverse("workdays:year", args=["230103", 2027]))
    text = page.content.decode()
    assert NOTICE in text
    assert reverse("workdays:year", args=["230100", 2027]) in text
    assert 'name="first_day"' not in text
