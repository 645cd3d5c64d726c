"""The ledger (台账): programmes, categories, items, targets, milestones, progress."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shishi.core.models import TimeStamped
from shishi.orgs.models import Jurisdiction, Person, Unit

RATE_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class Programme(TimeStamped):
    """A jurisdiction's 为民办实事 campaign for one year."""

    # Indexed by programme_unique_year, which leads with it (so are the other FKs below
    # marked db_index=False: an index of their own would only slow down writes).
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="programmes", db_index=False
    )
    year = models.PositiveIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=200)
    # Units' progress updates wait in the office's review queue unless this is on.
    auto_publish = models.BooleanField(_("单位进展自动公开"), default=False)
    # A progress post that raises the rate by more than this many points, or to 100%, needs a
    # file or photo as evidence; None: no evidence asked.
    evidence_step = models.PositiveSmallIntegerField(
        _("需附佐证的单次提升（百分点）"), null=True, blank=True, default=50
    )

    class Meta:
        verbose_name = _("实事项目计划")
        verbose_name_plural = _("实事项目计划")
        ordering = ["-year", "jurisdiction"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year"], name="programme_unique_year")
        ]

    def __str__(self) -> str:
        return self.name


class Category(TimeStamped):
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="categories", db_index=False
    )  # category_unique_name leads with it
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = models.CharField(_("类别"), max_length=100)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("类别")
        verbose_name_plural = _("类别")
        ordering = ["programme", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="category_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Lifecycle(models.TextChoices):
    NOT_STARTED = "not_started", _("未启动")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")
    CLOSED_OUT = "closed_out", _("已销号")


FINISHED_LIFECYCLES = (Lifecycle.DONE, Lifecycle.CLOSED_OUT)


def overdue(due_date: dt.date | None, lifecycle: str, today: dt.date) -> bool:
    """Past its due date and not finished: the one rule behind every "逾期" shown."""
    return due_date is not None and lifecycle not in FINISHED_LIFECYCLES and due_date < today


def lifecycle_for_rate(rate: Decimal, current: str) -> str:
    """The lifecycle a rate implies; a closed-out item stays closed out."""
    if current == Lifecycle.CLOSED_OUT:
        return current
    if rate >= 100:
        return Lifecycle.DONE
    if rate > 0:
        return Lifecycle.IN_PROGRESS
    return Lifecycle.IN_PROGRESS if current == Lifecycle.IN_PROGRESS else Lifecycle.NOT_STARTED


class Item(TimeStamped):
    """One practical matter on the ledger."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="items", db_index=False
    )  # item_unique_number and the item_prog_* indexes lead with it
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    number = models.CharField(_("编号"), max_length=32)
    seq = models.PositiveIntegerField(_("序号"), default=0)
    name = models.CharField(_("项目名称"), max_length=300)
    content = models.TextField(_("主要内容"), blank=True)
    measures = models.TextField(_("推进措施"), blank=True)
    deadline_text = models.CharField(_("完成时限"), max_length=100, blank=True)
    due_date = models.DateField(_("截止日期"), null=True, blank=True)
    is_ongoing = models.BooleanField(_("长期坚持"), default=False)
    start_date = models.DateField(_("开始日期"), null=True, blank=True)
    sponsor_leaders = models.ManyToManyField(
        Person, blank=True, related_name="sponsored_items", verbose_name=_("区级包保领导")
    )
    lead_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="led_items", verbose_name=_("责任单位")
    )
    partner_units = models.ManyToManyField(
        Unit, blank=True, related_name="partner_items", verbose_name=_("配合单位")
    )
    planned_investment = models.DecimalField(
        _("计划投资（元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    done_investment = models.DecimalField(
        _("完成投资（元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    completion_rate = models.DecimalField(
        _("完成率"), max_digits=5, decimal_places=2, default=Decimal(0), validators=RATE_VALIDATORS
    )
    lifecycle = models.CharField(
        _("状态"), max_length=16, choices=Lifecycle.choices, default=Lifecycle.NOT_STARTED
    )
    progress_text = models.TextField(_("进展情况"), blank=True)
    progress_date = models.DateField(_("最近进展日期"), null=True, blank=True)
    remarks = models.TextField(_("备注"), blank=True)
    closed_out_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    # The office publishes an item to the public portal; unpublished items never leave the
    # system (only public fields and public updates of public items do).
    is_public = models.BooleanField(_("公开"), default=False)
    # Optimistic locks by concern: ``version`` guards the item's own fields (the office's
    # edits, close-out), ``progress_version`` its progress (rate, text, actuals): a progress
    # post never conflicts with an edit of other fields, nor the other way round.
    version = models.PositiveIntegerField(default=1)
    progress_version = models.PositiveIntegerField(default=1)
    # The deadline as first set, kept when an approved change request moves it ("时限已调整").
    original_deadline_text = models.CharField(_("原完成时限"), max_length=100, blank=True)
    # 结转: the item of an earlier programme this one continues.
    continues = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="continued_by",
        verbose_name=_("结转自"),
    )

    class Meta:
        verbose_name = _("实事")
        verbose_name_plural = _("实事")
        ordering = ["programme_id", "category__order", "seq", "id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="item_unique_number")
        ]
        indexes = [
            models.Index(fields=["programme", "lifecycle"], name="item_prog_lifecycle"),
            # The id last makes both covering on PostgreSQL (index-only scans for a unit's
            # items and for sorting a programme); SQLite keeps the rowid in every index anyway.
            # The category in the first lets a unit's items be counted per category from it.
            models.Index(
                fields=["programme", "lead_unit", "category", "seq", "id"],
                name="item_prog_unit_cat_seq",
            ),
            models.Index(
                fields=["programme", "category", "seq", "id"], name="item_prog_cat_seq_id"
            ),
            models.Index(fields=["programme", "is_public"], name="item_prog_public"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def is_overdue(self) -> bool:
        return overdue(self.due_date, self.lifecycle, timezone.localdate())

    @property
    def is_closed_out(self) -> bool:
        return self.lifecycle == Lifecycle.CLOSED_OUT


class LiveManager(models.Manager["Any"]):
    """Rows not removed (targets and milestones are removed softly, with a reason)."""

    def get_queryset(self) -> models.QuerySet[Any]:
        return super().get_queryset().filter(removed_at__isnull=True)


class SoftRemoved(models.Model):
    removed_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    removed_reason = models.CharField(_("删除原因"), max_length=300, blank=True)

    objects = LiveManager()
    all_objects = models.Manager()  # noqa: DJ012 (a manager, not a field)

    class Meta:
        abstract = True


class Target(SoftRemoved, TimeStamped):
    """A quantitative goal of an item: value + unit (7,823 套), with the actual value."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="targets")
    name = models.CharField(_("目标"), max_length=200)
    value = models.DecimalField(_("目标值"), max_digits=18, decimal_places=2)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    actual = models.DecimalField(
        _("完成值"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("工作目标")
        verbose_name_plural = _("工作目标")
        ordering = ["item", "order", "id"]

    def __str__(self) -> str:
        return f"{self.name} {self.value}{self.unit}"

    @property
    def ratio(self) -> Decimal | None:
        if self.actual is None or not self.value:
            return None
        return min(Decimal(100), (self.actual / self.value * 100).quantize(Decimal("0.1")))


class Milestone(SoftRemoved, TimeStamped):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点"), max_length=200)
    due_date = models.DateField(_("计划日期"))
    done_date = models.DateField(_("完成日期"), null=True, blank=True)
    planned_rate = models.DecimalField(
        _("节点计划完成率"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=RATE_VALIDATORS,
    )
    order = models.PositiveIntegerField(default=0)
    # The progress update that reported it done, with its text and files as evidence.
    done_update = models.ForeignKey(
        "ProgressUpdate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("时间节点")
        verbose_name_plural = _("时间节点")
        ordering = ["item", "due_date", "order", "id"]

    def __str__(self) -> str:
        return f"{self.title} {self.due_date}"

    @property
    def is_late(self) -> bool:
        return self.done_date is None and self.due_date < timezone.localdate()


class Review(models.TextChoices):
    """Where a progress update stands with the office (公开审核)."""

    PENDING = "pending", _("待审核")
    PUBLISHED = "published", _("已公开")
    REJECTED = "rejected", _("已退回")
    UNPUBLISHED = "unpublished", _("不公开")
    INTERNAL = "internal", _("内部备注")


class ProgressUpdate(TimeStamped):
    """A dated report on an item: rate, text, target actuals, attachments."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="updates", db_index=False
    )  # update_item_date leads with it
    # The item's programme, kept here (items never change programme) so that the office's
    # queue for one programme counts and pages on one index, without joining every item.
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="+", db_index=False
    )  # update_programme_review leads with it
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_on = models.DateField(_("日期"))
    rate = models.DecimalField(
        _("完成率"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=RATE_VALIDATORS,
    )
    text = models.TextField(_("进展情况"))
    target_actuals = models.JSONField(_("目标完成值"), default=dict, blank=True)
    done_investment = models.DecimalField(
        _("累计完成投资（元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    is_note = models.BooleanField(_("配合单位备注"), default=False)
    # The item's progress before this update applied, and its progress version after: a
    # rejected update that is still the last one applied is rolled back to these values.
    previous = models.JSONField(default=dict, blank=True)
    # Why the rate went down, required when it does; shown on the timeline.
    reason = models.TextField(_("下调原因"), blank=True)
    # ``is_public`` is what the portal reads; ``review`` says how it got there (a unit's
    # update waits as pending, the office publishes or rejects it with a comment).
    is_public = models.BooleanField(_("公开"), default=False)
    review = models.CharField(
        _("审核"), max_length=12, choices=Review.choices, default=Review.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_comment = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("进展")
        verbose_name_plural = _("进展")
        ordering = ["-reported_on", "-id"]
        indexes = [
            models.Index(fields=["item", "-reported_on", "-id"], name="update_item_date"),
            # The office's review queue: a district's (or one programme's) pending updates,
            # oldest first; and a unit's updates sent back to it, newest first (its 我的事项).
            # Not partial indexes: SQLite (and PostgreSQL on a generic plan) cannot use one
            # when the state comes as a parameter; PostgreSQL plans these reads for their
            # values (``core.sql.custom_plans``).
            models.Index(fields=["jurisdiction", "review", "id"], name="update_review_queue"),
            models.Index(fields=["programme", "review", "id"], name="update_programme_review"),
            models.Index(fields=["unit", "review", "-reviewed_at"], name="update_unit_review"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.reported_on}"


class PublishedItem(models.Model):
    """What the public portal shows of an item: its state when the office last published it.

    The row exists while the item is public. Publishing the item copies the item's fields
    here; publishing a unit's update copies its rate and text; the office's own edits of a
    public item refresh the item's part. The portal reads this table and never ``Item``'s
    live columns, so nothing a unit does reaches the public before the office publishes it.
    """

    item = models.OneToOneField(
        Item, primary_key=True, on_delete=models.CASCADE, related_name="published"
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="+", db_index=False
    )  # published_prog_order leads with it
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("编号"), max_length=32)
    seq = models.PositiveIntegerField(_("序号"), default=0)
    name = models.CharField(_("项目名称"), max_length=300)
    deadline_text = models.CharField(_("完成时限"), max_length=100, blank=True)
    due_date = models.DateField(_("截止日期"), null=True, blank=True)
    is_ongoing = models.BooleanField(_("长期坚持"), default=False)
    completion_rate = models.DecimalField(
        _("完成率"), max_digits=5, decimal_places=2, default=Decimal(0)
    )
    lifecycle = models.CharField(
        _("状态"), max_length=16, choices=Lifecycle.choices, default=Lifecycle.NOT_STARTED
    )
    progress_text = models.TextField(_("进展情况"), blank=True)
    progress_date = models.DateField(_("最近进展日期"), null=True, blank=True)
    published_at = models.DateTimeField(_("公开时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("公开内容")
        verbose_name_plural = _("公开内容")
        indexes = [
            models.Index(
                fields=["programme", "category", "seq", "item"], name="published_prog_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class ChangeRequest(TimeStamped):
    """调整申请: a unit asks the office to change fields of an item it leads."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")
        WITHDRAWN = "withdrawn", _("已撤回")

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="change_requests")
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # {field: new value} and {field: value when asked}, as JSON (ids for units and people).
    changes = models.JSONField(_("申请调整内容"), default=dict)
    before = models.JSONField(default=dict)
    reason = models.TextField(_("申请理由"))
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    comment = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("调整申请")
        verbose_name_plural = _("调整申请")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["jurisdiction", "status", "id"], name="change_request_queue")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.get_status_display()}"


def change_request_path(instance: ChangeRequestFile, filename: str) -> str:
    return f"change-requests/{instance.request.item_id}/{filename}"


class ChangeRequestFile(TimeStamped):
    request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("文件"), upload_to=change_request_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.name


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"progress/{instance.update.item_id}/{filename}"


class Attachment(TimeStamped):
    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    is_public = models.BooleanField(_("公开"), default=False)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def import_path(instance: ImportBatch, filename: str) -> str:
    return f"imports/{instance.jurisdiction_id}/{filename}"


class ImportBatch(TimeStamped):
    """An uploaded ledger sheet: previewed first, applied on confirmation.

    A sheet of more than ``SHISHI_IMPORT_BACKGROUND_ROWS`` rows is read and written by a
    background task (``ledger.tasks``): the batch is then ``planning`` or ``applying``,
    with the rows read, validated and written so far, until it is previewed, applied,
    failed (``error`` says why) or cancelled.
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("待确认")
        APPLIED = "applied", _("已导入")
        FAILED = "failed", _("有错误")
        PLANNING = "planning", _("读取中")
        APPLYING = "applying", _("导入中")
        CANCELLED = "cancelled", _("已取消")

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField(_("年度"))
    file = models.FileField(_("文件"), upload_to=import_path, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=255)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREVIEWED)
    summary = models.JSONField(default=dict, blank=True)
    rows = models.PositiveIntegerField(_("行数"), default=0)  # the largest sheet's, from its XML
    rows_read = models.PositiveIntegerField(default=0)
    rows_validated = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)  # the running task's start
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.PLANNING, self.Status.APPLYING)
