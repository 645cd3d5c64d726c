"""What offices enter: the State Council's schedule of a year (overriding the package or the
weekends-only default), local days, who may do it, the audit, and the cache's freshness."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from shishi.conftest import World
from shishi.core.errors import NotFound, PermissionDenied, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.orgs import services as org_services
from shishi.orgs.models import Role
from shishi.workdays import calendar, services
from shishi.workdays.calendar import Source
from shishi.workdays.models import CalendarStamp, LocalDay, ScheduleDay, ScheduleYear
from shishi.workdays.tests.helpers import NATIONAL_2027, SPRING_2027, d


def enter_2027(world: World, *, actor: Any = None, where: Any = None) -> None:
    actor = actor or world.city_office
    where = where or world.city
    for name, spec in (("春节", SPRING_2027), ("国庆节", NATIONAL_2027)):
        services.add_holiday(
            where,
            2027,
            actor=actor,
            name=name,
            first_day=d(spec["off"][0]),
            last_day=d(spec["off"][-1]),
            workdays=[d(x) for x in spec["work"]],
        )


def test_the_city_office_enters_2027_and_its_districts_count_with_it(world: World) -> None:
    nangang = world.nangang
    assert not calendar.known_year(2027, nangang)
    assert calendar.is_working_day(d("2027-02-08"), jurisdiction=nangang)  # Monday, unknown
    enter_2027(world)
    assert calendar.known_year(2027, nangang)
    assert calendar.known_year(2027, world.hulan)
    cal = calendar.year_calendar(2027, nangang)
    assert cal.source is Source.ENTERED and cal.entered_by == world.city.pk
    assert not calendar.is_working_day(d("2027-02-08"), jurisdiction=nangang)
    assert calendar.is_working_day(d("2027-01-31"), jurisdiction=nangang)  # Sunday worked
    assert calendar.is_working_day(d("2027-10-09"), jurisdiction=nangang.pk)  # by id too
    assert not calendar.is_working_day(d("2027-10-01"), jurisdiction=world.hulan)
    # Without a jurisdiction: the package alone, still weekends only for 2027.
    assert not calendar.known_year(2027)
    assert calendar.is_working_day(d("2027-02-08"))
    # Counting across the entered festival: Thursday 02-04, next working days 02-13 is a
    # Saturday (not worked), so Monday 02-15.
    assert calendar.add_working_days(d("2027-02-04"), 1, jurisdiction=nangang) == d("2027-02-15")


def test_each_entry_is_audited(world: World) -> None:
    enter_2027(world)
    events = list(AuditEvent.objects.filter(action="workdays.add_holiday").order_by("seq"))
    assert len(events) == 2
    first = events[0]
    assert first.actor_id == world.city_office.pk
    assert first.jurisdiction_id == world.city.pk
    added = first.changes["added"][1]
    assert {"date": "2027-02-05", "kind": "off", "name": "春节"} in added
    assert {"date": "2027-01-31", "kind": "work", "name": "春节"} in added


def test_an_entered_year_replaces_the_package_for_that_year(world: World) -> None:
    nangang = world.nangang
    assert calendar.is_working_day(d("2026-10-10"), jurisdiction=nangang)  # package: worked
    services.import_schedule(
        world.city,
        2026,
        "日期,类型,名称\n2026-10-01,放假,国庆节\n2026-10-02,放假,国庆节\n".encode(),
        "2026.csv",
        actor=world.city_office,
    )
    cal = calendar.year_calendar(2026, nangang)
    assert cal.source is Source.ENTERED
    assert not calendar.is_working_day(d("2026-10-10"), jurisdiction=nangang)  # a plain Saturday
    assert calendar.is_working_day(d("2026-02-16"), jurisdiction=nangang)  # not entered
    assert not calendar.is_working_day(d("2026-10-02"), jurisdiction=nangang)
    # The package still answers where no entry applies.
    assert not calendar.is_working_day(d("2026-02-16"))
    services.clear_schedule(world.city, 2026, actor=world.city_office)
    assert calendar.year_calendar(2026, nangang).source is Source.PACKAGE
    assert not calendar.is_working_day(d("2026-02-16"), jurisdiction=nangang)


def test_entering_a_holiday_in_a_package_year_starts_from_the_package(world: World) -> None:
    services.add_holiday(
        world.city, 2026, actor=world.city_office, name="测试假日", first_day=d("2026-12-31")
    )
    cal = calendar.year_calendar(2026, world.nangang)
    assert cal.source is Source.ENTERED
    assert not cal.is_working_day(d("2026-12-31"))
    assert not cal.is_working_day(d("2026-02-16"))  # copied from the package
    assert cal.is_working_day(d("2026-02-28"))  # the package's make-up Saturday, copied
    assert {s.name for s in cal.national} >= {"春节", "国庆节", "测试假日"}


def test_an_entry_that_clashes_or_is_out_of_the_year_is_refused_by_field(world: World) -> None:
    enter_2027(world)
    with pytest.raises(ValidationFailed) as clash:
        services.add_holiday(
            world.city, 2027, actor=world.city_office, name="春节", first_day=d("2027-02-10")
        )
    assert "2027-02-10" in clash.value.errors["first_day"]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"first_day": d("2028-01-01")}, "first_day"),
        ({"first_day": d("2027-05-01"), "last_day": d("2027-04-30")}, "last_day"),
        ({"first_day": d("2027-05-01"), "workdays": [d("2027-05-06")]}, "workdays"),  # Thursday
        (
            {
                "first_day": d("2027-05-01"),
                "last_day": d("2027-05-05"),
                "workdays": [d("2027-05-02")],
            },
            "workdays",
        ),
        ({"first_day": d("2027-05-01"), "name": " "}, "name"),
    ]  # fmt: skip
    for extra, field in cases:
        kwargs: dict[str, Any] = {"name": "劳动节", **extra}
        with pytest.raises(ValidationFailed) as bad:
            services.add_holiday(world.city, 2027, actor=world.city_office, **kwargs)
        assert field in bad.value.errors, (extra, bad.value.errors)
    assert ScheduleDay.objects.filter(name="劳动节").count() == 0


def test_removing_a_day_and_clearing_the_year(world: World) -> None:
    enter_2027(world)
    services.remove_schedule_day(world.city, 2027, d("2027-10-09"), actor=world.city_office)
    assert not calendar.is_working_day(d("2027-10-09"), jurisdiction=world.nangang)
    with pytest.raises(NotFound):
        services.remove_schedule_day(world.city, 2027, d("2027-10-09"), actor=world.city_office)
    services.clear_schedule(world.city, 2027, actor=world.city_office)
    assert not calendar.known_year(2027, world.nangang)
    assert ScheduleDay.objects.count() == 0
    actions = list(
        AuditEvent.objects.filter(action__startswith="workdays.").values_list("action", flat=True)
    )
    assert actions[-2:] == ["workdays.remove_day", "workdays.clear_schedule"]


def test_a_district_office_enters_the_schedule_only_where_there_is_no_city_office(
    world: World,
) -> None:
    with pytest.raises(PermissionDenied):
        enter_2027(world, actor=world.office, where=world.nangang)  # Harbin has a city office
    with pytest.raises(PermissionDenied):
        enter_2027(world, actor=world.office, where=world.city)
    for who in (world.editor_a, world.leader, world.inspector, world.outsider, world.resident):
        with pytest.raises(PermissionDenied):
            enter_2027(world, actor=who, where=world.city)
    # A city nobody holds the city office of: its districts' offices enter for themselves.
    city = org_services.ensure_jurisdiction(code="230200", name="齐齐哈尔市", level="city")
    district = org_services.ensure_jurisdiction(
        code="230202", name="龙沙区", level="district", parent=city
    )
    office = org_services.ensure_user("longsha", password="pw-test-123")
    org_services.grant_role(office, Role.PROGRAMME_OFFICE, district)
    enter_2027(world, actor=office, where=district)
    assert calendar.year_calendar(2027, district).entered_by == district.pk
    assert not calendar.known_year(2027, world.nangang)  # another city's entry does not apply


def test_a_districts_own_entry_wins_over_its_citys(world: World) -> None:
    enter_2027(world)
    # The city office may also enter a district's own schedule (here: no National Day).
    services.add_holiday(
        world.nangang, 2027, actor=world.city_office, name="元旦", first_day=d("2027-01-01")
    )
    assert calendar.year_calendar(2027, world.nangang).entered_by == world.nangang.pk
    assert calendar.is_working_day(d("2027-10-04"), jurisdiction=world.nangang)
    assert not calendar.is_working_day(d("2027-10-04"), jurisdiction=world.hulan)


def test_local_days_override_the_national_calendar_for_their_jurisdiction(world: World) -> None:
    nangang, hulan = world.nangang, world.hulan
    services.add_local_days(
        nangang, actor=world.office, kind="off", name="区运动会", first_day=d("2026-06-01"),
        last_day=d("2026-06-02"),
    )  # fmt: skip
    services.add_local_days(
        nangang, actor=world.office, kind="work", name="防汛值班", first_day=d("2026-10-02")
    )
    assert not calendar.is_working_day(d("2026-06-01"), jurisdiction=nangang)
    assert not calendar.is_working_day(d("2026-06-02"), jurisdiction=nangang)
    assert calendar.is_working_day(d("2026-10-02"), jurisdiction=nangang)  # duty in the holiday
    assert calendar.is_working_day(d("2026-06-01"), jurisdiction=hulan)
    assert calendar.is_working_day(d("2026-06-01"))
    assert not calendar.is_working_day(d("2026-10-02"), jurisdiction=hulan)
    event = AuditEvent.objects.filter(action="workdays.add_local_days").first()
    assert event is not None and event.jurisdiction_id == nangang.pk
    assert event.changes["local_days"][1][0] == {
        "date": "2026-06-01",
        "kind": "off",
        "name": "区运动会",
    }
    services.remove_local_day(nangang, d("2026-06-01"), actor=world.office)
    assert calendar.is_working_day(d("2026-06-01"), jurisdiction=nangang)


def test_a_citys_local_day_applies_to_its_districts_unless_a_district_has_its_own(
    world: World,
) -> None:
    services.add_local_days(
        world.city, actor=world.city_office, kind="off", name="冰雪节", first_day=d("2026-01-05")
    )
    services.add_local_days(
        world.nangang, actor=world.office, kind="work", name="值班", first_day=d("2026-01-05")
    )
    assert not calendar.is_working_day(d("2026-01-05"), jurisdiction=world.hulan)
    assert calendar.is_working_day(d("2026-01-05"), jurisdiction=world.nangang)
    local = calendar.year_calendar(2026, world.nangang).local
    assert [(s.name, s.jurisdiction_id) for s in local] == [("值班", world.nangang.pk)]


def test_local_days_are_the_offices_own(world: World) -> None:
    for who in (world.editor_a, world.viewer_a, world.leader, world.outsider, world.resident):
        with pytest.raises(PermissionDenied):
            services.add_local_days(
                world.nangang, actor=who, kind="off", name="x", first_day=d("2026-06-01")
            )
    with pytest.raises(PermissionDenied):  # a district office cannot set its city's days
        services.add_local_days(
            world.city, actor=world.office, kind="off", name="x", first_day=d("2026-06-01")
        )
    services.add_local_days(
        world.nangang, actor=world.office, kind="off", name="区运动会", first_day=d("2026-06-01")
    )
    with pytest.raises(ValidationFailed) as twice:
        services.add_local_days(
            world.nangang, actor=world.office, kind="work", name="值班", first_day=d("2026-06-01")
        )
    assert "first_day" in twice.value.errors
    with pytest.raises(ValidationFailed) as bad:
        services.add_local_days(
            world.nangang, actor=world.office, kind="maybe", name="", first_day=d("2026-06-03"),
            last_day=d("2026-06-02"),
        )  # fmt: skip
    assert set(bad.value.errors) == {"kind", "name", "last_day"}
    assert LocalDay.objects.count() == 1


# --- speed and freshness --------------------------------------------------------------------


def test_a_year_is_loaded_once_then_counting_costs_no_query(
    world: World, django_assert_max_num_queries: Any, settings: Any
) -> None:
    settings.SHISHI_WORKDAYS_CHECK_SECONDS = 3600
    enter_2027(world)
    services.add_local_days(
        world.nangang, actor=world.office, kind="off", name="区运动会", first_day=d("2027-06-01")
    )
    calendar.clear_cache()
    with django_assert_max_num_queries(1 + 2 * 3):  # the stamp, then two years of three
        calendar.add_working_days(d("2026-12-01"), 40, jurisdiction=world.nangang)
    with django_assert_max_num_queries(0):
        calendar.working_days_between(d("2026-01-01"), d("2027-12-31"), jurisdiction=world.nangang)
        calendar.add_working_hours(
            dt.datetime(2027, 5, 31, 9, tzinfo=calendar.SHANGHAI), 40, jurisdiction=world.nangang
        )
    with django_assert_max_num_queries(0):
        calendar.working_days_between(d("2004-01-01"), d("2030-12-31"))  # no jurisdiction


def test_another_process_edit_is_seen_after_the_check_interval(world: World, settings: Any) -> None:
    """Simulates an edit by another process: rows and the stamp change without this process's
    services (which would clear its years at once)."""
    settings.SHISHI_WORKDAYS_CHECK_SECONDS = 3600
    nangang = world.nangang
    assert calendar.is_working_day(d("2027-02-08"), jurisdiction=nangang)
    schedule = ScheduleYear.objects.create(jurisdiction=world.city, year=2027)
    ScheduleDay.objects.create(schedule=schedule, date=d("2027-02-08"), kind="off", name="春节")
    CalendarStamp.objects.update_or_create(pk=1, defaults={"token": "from-another-process"})
    assert calendar.is_working_day(d("2027-02-08"), jurisdiction=nangang)  # within the interval
    settings.SHISHI_WORKDAYS_CHECK_SECONDS = 0
    assert not calendar.is_working_day(d("2027-02-08"), jurisdiction=nangang)


def test_this_process_sees_its_own_edit_at_once(world: World, settings: Any) -> None:
    settings.SHISHI_WORKDAYS_CHECK_SECONDS = 3600
    assert calendar.is_working_day(d("2027-02-08"), jurisdiction=world.nangang)
    enter_2027(world)
    assert not calendar.is_working_day(d("2027-02-08"), jurisdiction=world.nangang)
