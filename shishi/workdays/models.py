"""The working-day calendar's rows: the State Council's schedule as an office entered it for
a year, the days of that schedule, and a jurisdiction's local days off and duty days.

The years the ``chinesecalendar`` package knows are not stored (``workdays.package`` reads
them at run time); a row here is what an office entered or changed.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shishi.core.models import TimeStamped
from shishi.orgs.models import Jurisdiction


class DayKind(models.TextChoices):
    """What a special day is: a day off on a weekday, or a working day on a weekend."""

    OFF = "off", _("放假")
    WORK = "work", _("上班")


class _DayRow(TimeStamped):
    """What a schedule day and a local day share: the date, its kind, the shown text."""

    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=8, choices=DayKind.choices)
    name: models.CharField[str, str]  # each model names it in its own words

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}"


class ScheduleYear(TimeStamped):
    """The State Council's holiday schedule (国务院办公厅关于某年部分节假日安排的通知) for
    one year, entered by an office for its jurisdiction (a city, or a district without a
    city office). While it exists it replaces the package's data for that year, and a year
    with no days is entered too (weekends only, on purpose)."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # schedule_unique_year leads with it
    year = models.PositiveSmallIntegerField(_("年度"))
    notice = models.CharField(_("通知文号"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("国务院放假安排")
        verbose_name_plural = _("国务院放假安排")
        ordering = ["jurisdiction", "year"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year"], name="schedule_unique_year")
        ]

    def __str__(self) -> str:
        return f"{self.year}年放假安排"


class ScheduleDay(_DayRow):
    """One day of an entered schedule: a holiday (with its name) or a make-up working day."""

    schedule = models.ForeignKey(
        ScheduleYear, on_delete=models.CASCADE, related_name="days", db_index=False
    )  # schedule_day_unique_date leads with it
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        verbose_name = _("放假安排日期")
        verbose_name_plural = _("放假安排日期")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "date"], name="schedule_day_unique_date")
        ]


class LocalDay(_DayRow):
    """A jurisdiction's own day off or duty day, over the national calendar: a district's
    apply to the district, a city's to the city and its districts (a district's own day
    wins over its city's on the same date)."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # local_day_unique_date leads with it
    name = models.CharField(_("事由"), max_length=100)

    class Meta:
        verbose_name = _("本地调整日")
        verbose_name_plural = _("本地调整日")
        ordering = ["jurisdiction", "date"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "date"], name="local_day_unique_date")
        ]


class CalendarStamp(models.Model):
    """One row whose token changes with every office edit of the calendar, in the edit's
    transaction: each process compares it with the token its cached years were loaded under
    (``calendar``), so an edit reaches every process without a shared cache."""

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("工作日历版本")
        verbose_name_plural = _("工作日历版本")

    def __str__(self) -> str:
        return self.token
