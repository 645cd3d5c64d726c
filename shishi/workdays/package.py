"""China's official holidays and make-up working days from the ``chinesecalendar`` package.

The package (https://github.com/LKI/chinese-calendar, MIT licence, © Lirian Su) carries the
State Council's schedules from 2004 on; version 1.11.0 ends with 2026. Its data is read here
at run time, never copied into this repository. Its ``holidays`` hold every day off of a
holiday period (weekend days inside it included) and its ``workdays`` the make-up working
days (调休上班), each under the holiday's English name; ``Holiday`` gives the Chinese one.

A year outside ``years()`` is unknown to the package: the calendar counts weekends only for
it until an office enters the year's schedule.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import chinese_calendar
from chinese_calendar import Holiday


@dataclass(frozen=True)
class PackageYear:
    """One year of the package: days off on weekdays and weekends, make-up working days,
    and each special day's holiday name in Chinese."""

    off: frozenset[dt.date]
    work: frozenset[dt.date]
    names: dict[dt.date, str]


def _chinese(english: str) -> str:
    try:
        return str(Holiday(english).chinese)
    except ValueError:
        return english


@functools.cache
def years() -> range:
    """The years the installed package knows."""
    known = chinese_calendar.holidays.keys()
    return range(min(known).year, max(known).year + 1)


@functools.cache
def package_year(year: int) -> PackageYear | None:
    """The package's special days of ``year``, or None for a year it does not know."""
    if year not in years():
        return None
    names: dict[dt.date, str] = {}
    off = set()
    work = set()
    for day, english in chinese_calendar.holidays.items():
        if day.year == year:
            off.add(day)
            names[day] = _chinese(english)
    for day, english in chinese_calendar.workdays.items():
        if day.year == year:
            work.add(day)
            names[day] = _chinese(english)
    return PackageYear(off=frozenset(off), work=frozenset(work), names=names)


def version() -> str:
    return str(chinese_calendar.__version__)
