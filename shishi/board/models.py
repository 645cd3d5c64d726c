"""The battle board's own tables: thresholds, current statuses and weekly snapshots.

Statuses and snapshots are derived data: ``services`` rebuilds them from the ledger, and
they carry copies of the item's programme, category, lead unit, lifecycle and rate, so the
boards aggregate with one ``GROUP BY`` over one table instead of joining items.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from shishi.board.schedule import Light, ScheduleStatus, Thresholds
from shishi.core.models import TimeStamped
from shishi.ledger.models import Category, Item, Lifecycle, Programme
from shishi.orgs.models import Jurisdiction, Unit

THRESHOLD_FIELDS = tuple(f.name for f in dataclasses.fields(Thresholds))


class WarningThresholds(TimeStamped):
    """The office's warning rules for one programme; defaults apply while there is none."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    programme = models.OneToOneField(
        Programme, on_delete=models.CASCADE, related_name="warning_thresholds"
    )
    behind_points = models.PositiveSmallIntegerField(
        _("滞后（落后序时进度百分点）"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    seriously_behind_points = models.PositiveSmallIntegerField(
        _("严重滞后（落后超过百分点）"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    ahead_points = models.PositiveSmallIntegerField(
        _("超序时进度（领先百分点）"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    stale_yellow_days = models.PositiveSmallIntegerField(
        _("未更新进展黄灯天数"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    stale_red_days = models.PositiveSmallIntegerField(
        _("未更新进展红灯天数"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    not_started_yellow_months = models.PositiveSmallIntegerField(
        _("未开工黄灯（计划月份后月数）"),
        default=1,
        validators=[MaxValueValidator(24)],
    )
    not_started_red_months = models.PositiveSmallIntegerField(
        _("未开工红灯（计划月份后月数）"),
        default=3,
        validators=[MaxValueValidator(24)],
    )
    forecast_window_days = models.PositiveSmallIntegerField(
        _("预测取最近天数"),
        default=60,
        validators=[MinValueValidator(14), MaxValueValidator(365)],
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("预警规则")
        verbose_name_plural = _("预警规则")

    def __str__(self) -> str:
        return f"{self.programme_id} v{self.version}"

    def as_thresholds(self) -> Thresholds:
        return Thresholds(**{f: getattr(self, f) for f in THRESHOLD_FIELDS})


class AssessedItem(TimeStamped):
    """An item's assessment, with the item's ids and figures copied for aggregation."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead_unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    lifecycle = models.CharField(_("状态"), max_length=16, choices=Lifecycle.choices)
    completion_rate = models.DecimalField(_("完成率"), max_digits=5, decimal_places=2)
    planned_rate = models.DecimalField(
        _("序时进度"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    gap = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("进度状态"), max_length=20, choices=ScheduleStatus.choices)
    light = models.CharField(_("预警"), max_length=8, choices=Light.choices)
    # Worst first is ``-urgency``: light, then status (overdue, seriously behind, behind),
    # then points behind plan, then days without an update (``schedule.urgency``).
    urgency = models.PositiveIntegerField(default=0)
    # Status, light, lifecycle and the two flags as one number, so boards GROUP BY one
    # small integer (``aggregates.cell_of``).
    cell = models.PositiveSmallIntegerField(default=0)
    reason_code = models.CharField(max_length=24, blank=True)
    # [[code, args, light], ...], the headline first; texts are rendered on display, in the
    # reader's language, by ``schedule.reason_text``.
    reasons = models.JSONField(default=list, blank=True)
    days_since_update = models.IntegerField(null=True, blank=True)
    update_late = models.BooleanField(default=False)
    forecast_date = models.DateField(_("预计完成日期"), null=True, blank=True)
    will_miss = models.BooleanField(_("预计逾期"), default=False)
    planned_investment = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    done_investment = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)

    class Meta:
        abstract = True


class ItemStatus(AssessedItem):
    """The current assessment of one item, as of ``assessed_on``."""

    item = models.OneToOneField(
        Item, primary_key=True, on_delete=models.CASCADE, related_name="board_status"
    )
    assessed_on = models.DateField()

    class Meta:
        verbose_name = _("事项预警状态")
        verbose_name_plural = _("事项预警状态")
        indexes = [
            models.Index(fields=["programme", "urgency"], name="board_status_prog_urgency"),
            models.Index(fields=["programme", "lead_unit"], name="board_status_prog_unit"),
            models.Index(fields=["programme", "assessed_on"], name="board_status_prog_day"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.status} {self.light}"


class ItemSnapshot(AssessedItem):
    """An item's assessment at the end of one week (``taken_on`` is a Sunday)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+", db_index=False)
    taken_on = models.DateField(_("快照日期"))

    class Meta:
        verbose_name = _("事项周快照")
        verbose_name_plural = _("事项周快照")
        constraints = [
            models.UniqueConstraint(fields=["item", "taken_on"], name="board_snapshot_item_day")
        ]
        indexes = [
            models.Index(
                fields=["programme", "taken_on", "urgency", "item"], name="board_snap_prog_day"
            ),
            models.Index(
                fields=["programme", "lead_unit", "taken_on"], name="board_snap_prog_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.taken_on} {self.status} {self.light}"


class ProgrammeTotals(TimeStamped):
    """Totals of a set of assessed items, as ``aggregates.Summary`` reads and writes them."""

    items = models.PositiveIntegerField(default=0)
    started = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)  # done or closed out
    closed_out = models.PositiveIntegerField(default=0)
    rate_sum = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    planned_sum = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    planned_count = models.PositiveIntegerField(default=0)
    planned_investment = models.DecimalField(max_digits=20, decimal_places=2, default=Decimal(0))
    done_investment = models.DecimalField(max_digits=20, decimal_places=2, default=Decimal(0))
    # {"status": {status: n}, "light": {light: n}, "will_miss": n, "update_late": n}
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True


class ProgrammeSnapshot(ProgrammeTotals):
    """A programme's totals at the end of one week, whole or per group.

    One row for the whole programme (``group`` "", ``group_id`` 0) and one per category,
    lead unit and sponsor leader (``group_id`` their id; 0 for items without a category):
    the board's trend and its past rankings are a few dozen rows, never a scan of items.
    """

    class Group(models.TextChoices):
        PROGRAMME = "", _("全部")
        CATEGORY = "category", _("类别")
        UNIT = "unit", _("责任单位")
        LEADER = "leader", _("包保领导")

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    taken_on = models.DateField(_("快照日期"))
    group = models.CharField(max_length=10, choices=Group.choices, default="", blank=True)
    group_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("计划周快照")
        verbose_name_plural = _("计划周快照")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "taken_on", "group", "group_id"],
                name="board_progsnap_prog_day",
            )
        ]
        indexes = [
            models.Index(
                fields=["programme", "group", "group_id", "taken_on"], name="board_progsnap_group"
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}@{self.taken_on} {self.group}{self.group_id or ''}"


class ProgrammeStatus(ProgrammeTotals):
    """A programme's current totals, kept beside its item statuses for the city board.

    Written when the whole programme is reassessed; a refresh of some items deletes it, and
    the next city board adds it up again (one GROUP BY for all such programmes).
    """

    programme = models.OneToOneField(
        Programme, primary_key=True, on_delete=models.CASCADE, related_name="board_totals"
    )
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="+")
    assessed_on = models.DateField()

    class Meta:
        verbose_name = _("计划预警汇总")
        verbose_name_plural = _("计划预警汇总")

    def __str__(self) -> str:
        return f"{self.programme_id}@{self.assessed_on}"
