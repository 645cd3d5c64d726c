"""Feedback cycles (反馈机制), their periods and the units' submissions.

A **cycle** is one recurring request of the office ("周报告", "月小结", or a one-off
"周五前报送幼儿园数据"): its cadence, the units asked, when a period's report is due, and what
to fill — progress on each of the unit's lead items in the cycle's programme, the cycle's own
text sections and figures. Each **period** of a cycle (``2021-W25``, ``2021-06``; see
``reports/periods.py``) opens one **submission** per unit, prefilled from the unit's items and
its last submission. The unit's editor drafts it; the unit's head signs it off before it goes
to the office (审核后报送) unless the cycle asks for no sign-off; submitting posts the item rows
through ``ledger.services.record_progress``, as a progress post would. The office may return
a submission with a comment; the unit mends it and submits again.

Punctuality counts the first time a submission reached the office against the period's due
time: on time, late, or (once the due time has passed without one) missing.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shishi.core.models import TimeStamped
from shishi.ledger.models import Item, Programme, ProgressUpdate
from shishi.orgs.models import Jurisdiction, Unit


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("每周")
    HALF_MONTHLY = "half_monthly", _("每半月")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    ONCE = "once", _("一次性")


class Cycle(TimeStamped):
    """A feedback cycle of one district: what the office asks of which units, how often."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # cycle_unique_code leads with it
    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        related_name="cycles",
        verbose_name=_("实事项目计划"),
        help_text=_("各单位填报其牵头事项的进展"),
    )
    code = models.SlugField(_("代码"), max_length=40, help_text=_("如 weekly；本区内唯一"))
    name = models.CharField(_("名称"), max_length=100)
    cadence = models.CharField(_("周期"), max_length=16, choices=Cadence.choices)
    # Weekly: the weekday of the due day (0 = Monday); others: working days after the
    # period's last day. A one-off request is due on ``once_on``.
    due_weekday = models.PositiveSmallIntegerField(_("每周报送日"), null=True, blank=True)
    due_workdays = models.PositiveSmallIntegerField(_("期末后第几个工作日报送"), default=0)
    due_time = models.TimeField(_("截止时间"))
    once_on = models.DateField(_("报送日期（一次性）"), null=True, blank=True)
    units = models.ManyToManyField(Unit, related_name="+", verbose_name=_("报送单位"))
    asks_items = models.BooleanField(_("填报事项进展"), default=True)
    needs_sign_off = models.BooleanField(_("须单位负责人审核后报送"), default=True)
    instructions = models.TextField(_("填报说明"), blank=True)
    # Reminders: office hours before the due time, working days after it (comma lists).
    remind_before_hours = models.CharField(
        _("截止前提醒（办公小时）"), max_length=40, default="24,2"
    )
    remind_after_workdays = models.CharField(
        _("逾期后催报（工作日）"), max_length=40, default="1,2,3"
    )
    is_active = models.BooleanField(_("启用"), default=True)
    # The office's own Word template (红头, styles, page setup) for this cycle's compiled
    # reports and circulars; without one they follow GB/T 9704 (``documents/docx.py``).
    docx_template = models.FileField(
        _("Word模板"), upload_to="reports/templates/", blank=True, max_length=200
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("反馈机制")
        verbose_name_plural = _("反馈机制")
        ordering = ["jurisdiction", "code"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "code"], name="cycle_unique_code")
        ]

    def __str__(self) -> str:
        return self.name


class CycleSection(TimeStamped):
    """A text the cycle asks of every unit beside its items ("下半月工作安排")."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(_("栏目"), max_length=100)
    hint = models.CharField(_("填写提示"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("报送栏目")
        verbose_name_plural = _("报送栏目")
        ordering = ["cycle", "order", "id"]

    def __str__(self) -> str:
        return self.title


class CycleFigure(TimeStamped):
    """A number the cycle asks of every unit ("本周办理健康证人数")."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="figures")
    name = models.CharField(_("数据项"), max_length=100)
    unit_label = models.CharField(_("计量单位"), max_length=20, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("报送数据项")
        verbose_name_plural = _("报送数据项")
        ordering = ["cycle", "order", "id"]

    def __str__(self) -> str:
        return self.name


class Period(TimeStamped):
    """One period of a cycle, opened once: its dates and due time, fixed when opened."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="periods", db_index=False
    )  # period_unique_key leads with it
    key = models.CharField(_("期别"), max_length=16)
    label = models.CharField(_("期别名称"), max_length=60)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    due_at = models.DateTimeField(_("截止时间"))

    class Meta:
        verbose_name = _("报送期")
        verbose_name_plural = _("报送期")
        ordering = ["cycle", "-start"]
        constraints = [models.UniqueConstraint(fields=["cycle", "key"], name="period_unique_key")]

    def __str__(self) -> str:
        return f"{self.cycle} {self.label}"


class Submission(TimeStamped):
    """One unit's report for one period."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("填报中")
        AWAITING_SIGN_OFF = "awaiting_sign_off", _("待审核")
        SUBMITTED = "submitted", _("已报送")
        RETURNED = "returned", _("已退回")

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="submissions", db_index=False
    )  # submission_unique_unit leads with it
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    # The first time it reached the office (punctuality), and the last.
    first_submitted_at = models.DateTimeField(_("首次报送时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why it was returned (by the office, or by the unit's head before sign-off).
    return_comment = models.TextField(_("退回意见"), blank=True)
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("报送")
        verbose_name_plural = _("报送")
        ordering = ["period", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="submission_unique_unit")
        ]
        indexes = [
            models.Index(fields=["unit", "status"], name="submission_unit_status"),
        ]

    def __str__(self) -> str:
        return f"{self.period} · {self.unit}"

    @property
    def is_late(self) -> bool:
        first = self.first_submitted_at
        return first is not None and first > self.period.due_at


class SubmissionItem(models.Model):
    """A row of the submission: progress on one of the unit's items, posted on submit."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="rows")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    # What the unit reports; prefilled with the item's rate and last period's text.
    rate = models.DecimalField(_("完成率"), max_digits=5, decimal_places=2, null=True, blank=True)
    text = models.TextField(_("进展情况"), blank=True)
    target_actuals = models.JSONField(_("目标完成值"), default=dict, blank=True)
    reason = models.TextField(_("下调原因"), blank=True)
    # The rate and text the row was prefilled with: a row left as it was posts nothing.
    base_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    base_text = models.TextField(blank=True)
    base_actuals = models.JSONField(default=dict, blank=True)
    update = models.ForeignKey(
        ProgressUpdate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("报送事项")
        verbose_name_plural = _("报送事项")
        ordering = ["submission", "id"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "item"], name="submission_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.submission} · {self.item_id}"

    @property
    def changed(self) -> bool:
        """Whether the unit changed anything since the row was prefilled (or last posted)."""
        return (
            self.rate != self.base_rate
            or self.text.strip() != self.base_text.strip()
            or _numbers(self.target_actuals) != _numbers(self.base_actuals)
        )


def _numbers(actuals: dict[str, str]) -> dict[str, Decimal]:
    """Target actuals as numbers ("100" and "100.00" are the same), blanks left out."""
    out = {}
    for key, value in (actuals or {}).items():
        try:
            out[str(key)] = Decimal(str(value))
        except ArithmeticError:
            continue
    return out


class SubmissionSection(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="sections")
    section = models.ForeignKey(CycleSection, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("内容"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "section"], name="submission_section_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission_id} · {self.section_id}"


class SubmissionFigure(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="figures")
    figure = models.ForeignKey(CycleFigure, on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(_("数值"), max_digits=16, decimal_places=2, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "figure"], name="submission_figure_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission_id} · {self.figure_id}"


class CompiledReport(TimeStamped):
    """The report of one period of a cycle: the office's texts, edited in the browser, and
    its compiled versions (``ReportVersion``), each kept as it was made."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    period = models.OneToOneField(Period, on_delete=models.CASCADE, related_name="report")
    # "intro" and each section's heading → the office's text (kept across recompilations).
    office_texts = models.JSONField(_("专班撰写的内容"), default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("汇编报告")
        verbose_name_plural = _("汇编报告")

    def __str__(self) -> str:
        return str(self.period)


class ReportVersion(models.Model):
    """One compilation of a report: its data snapshot and its files, never changed."""

    report = models.ForeignKey(CompiledReport, on_delete=models.CASCADE, related_name="versions")
    seq = models.PositiveIntegerField(_("版本"))
    data = models.JSONField(_("数据快照"))
    docx = models.FileField(_("报告（Word）"), upload_to="reports/%Y/%m/", max_length=200)
    xlsx = models.FileField(_("附表（Excel）"), upload_to="reports/%Y/%m/", max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("编制时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("报告版本")
        verbose_name_plural = _("报告版本")
        ordering = ["report", "-seq"]
        constraints = [
            models.UniqueConstraint(fields=["report", "seq"], name="report_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.report} v{self.seq}"


class Chase(models.Model):
    """One reminder (催报) of a submission: sent by the scheduler at one of the period's
    reminder moments (``slot`` is that moment, ISO, Asia/Shanghai), or by the office's 催报
    button (``slot`` "manual-<time>", ``by`` the person). ``level``: 1 the unit's editors,
    2 also its head, 3 also the sponsor leaders of its items (see ``reports.chasing``)."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="chases", db_index=False
    )  # chase_unique_slot leads with it
    slot = models.CharField(_("提醒时点"), max_length=40)
    level = models.PositiveSmallIntegerField(_("催报级别"))
    recipients = models.PositiveIntegerField(_("提醒人数"), default=0)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(_("催报时间"))

    class Meta:
        verbose_name = _("催报记录")
        verbose_name_plural = _("催报记录")
        ordering = ["submission", "sent_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "slot"], name="chase_unique_slot")
        ]

    def __str__(self) -> str:
        return f"{self.submission_id} · {self.slot}"

    @property
    def manual(self) -> bool:
        return self.slot.startswith("manual-")


# --- briefings (简报专刊) and circulars (通报) ------------------------------------------------


class Briefing(TimeStamped):
    """An issue of the district's briefing series (为民办实事简报专刊). Drafted by the office
    without a number; publishing gives it the district's next number (第N期, never reused:
    a published issue is never deleted), keeps its .docx and the data it was written from,
    sends it to the units' inboxes and, when ``is_public``, lists it on the public portal."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已印发")

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # briefing_unique_number leads with it
    series = models.CharField(_("刊名"), max_length=60, default="为民办实事简报专刊")
    title = models.CharField(_("本期标题"), max_length=200, blank=True)
    number = models.PositiveIntegerField(_("期号"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    is_public = models.BooleanField(_("公开"), default=False)
    # Where the draft started from (its headline and sections became articles), if anywhere.
    source_version = models.ForeignKey(
        "ReportVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(_("数据快照"), default=dict, blank=True)
    docx = models.FileField(
        _("简报（Word）"), upload_to="briefings/%Y/", max_length=200, blank=True
    )
    published_at = models.DateTimeField(_("印发时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("简报专刊")
        verbose_name_plural = _("简报专刊")
        ordering = ["jurisdiction", "-number", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "number"], name="briefing_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.series} 第{self.number}期" if self.number else f"{self.series}（草稿）"


class BriefingArticle(TimeStamped):
    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="articles")
    heading = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("正文"), blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # the item whose story it tells, if any

    class Meta:
        verbose_name = _("简报文章")
        verbose_name_plural = _("简报文章")
        ordering = ["briefing", "order", "id"]

    def __str__(self) -> str:
        return self.heading


class BriefingPhoto(TimeStamped):
    article = models.ForeignKey(BriefingArticle, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("照片"), upload_to="briefings/photos/%Y/", max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    caption = models.CharField(_("图片说明"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("简报照片")
        verbose_name_plural = _("简报照片")
        ordering = ["article", "order", "id"]

    def __str__(self) -> str:
        return self.name


class Circular(TimeStamped):
    """The circular (通报) of one period: the office's text and its compiled versions."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    period = models.OneToOneField(Period, on_delete=models.CASCADE, related_name="circular")
    text = models.TextField(_("通报正文"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("通报")
        verbose_name_plural = _("通报")

    def __str__(self) -> str:
        return f"{self.period} 通报"


class CircularVersion(models.Model):
    """One compilation of a circular: its data snapshot and its files, never changed."""

    circular = models.ForeignKey(Circular, on_delete=models.CASCADE, related_name="versions")
    seq = models.PositiveIntegerField(_("版本"))
    data = models.JSONField(_("数据快照"))
    docx = models.FileField(_("通报（Word）"), upload_to="circulars/%Y/%m/", max_length=200)
    xlsx = models.FileField(_("附表（Excel）"), upload_to="circulars/%Y/%m/", max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("编制时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("通报版本")
        verbose_name_plural = _("通报版本")
        ordering = ["circular", "-seq"]
        constraints = [
            models.UniqueConstraint(fields=["circular", "seq"], name="circular_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.circular} v{self.seq}"


class Indicator(TimeStamped):
    """A programme indicator (数据统计) the office defines: "课桌椅发放" in 套, summed from
    its source over the programme, per period and cumulative (``reports/indicators.py``).

    Its source is either the actual values of item targets (``Target.actual``: the targets
    of the programme's items whose name contains ``target_pattern``, of the chosen
    ``items`` only when some are chosen), or one cycle figure summed over the units'
    submitted submissions."""

    class Source(models.TextChoices):
        TARGETS = "targets", _("事项工作目标完成值")
        FIGURE = "figure", _("报送数据项")

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="+", verbose_name=_("实事项目计划")
    )
    name = models.CharField(_("指标"), max_length=100)
    unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    target_value = models.DecimalField(
        _("目标值"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    source = models.CharField(_("数据来源"), max_length=16, choices=Source.choices)
    target_pattern = models.CharField(
        _("目标名称包含"), max_length=100, blank=True, help_text=_("如“课桌椅”")
    )
    items = models.ManyToManyField(Item, blank=True, related_name="+", verbose_name=_("限定事项"))
    figure = models.ForeignKey(
        CycleFigure,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("报送数据项"),
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("数据统计指标")
        verbose_name_plural = _("数据统计指标")
        ordering = ["programme", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="indicator_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
