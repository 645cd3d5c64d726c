"""Supervision (巡回指导, 整改, 督办): inspection groups and rounds, visits and what they
found, rectification to the end, and leaders' instructions.

- An **inspection group** (巡回指导组) of a district has inspectors (accounts) and the units
  it covers. A **round** (一轮巡回指导, code ``2021-1``, unique in the district) has dates,
  a scope, the groups taking part and a **checklist** the office defines ("方案是否完善").
  A round may be a **re-inspection** (回头看) of an earlier round.
- A **visit plan** says which group visits which unit on which day; a **visit** records it:
  date, attendees, the checklist's answers, notes and photos.
- A **finding** (问题) is corrected on the spot (当场整改) or to rectify (限期整改); a
  **suggestion** (建议) is a finding of its own kind. A finding to rectify carries the 四定 —
  measure, deadline, responsible unit, responsible person — and goes open → submitted (the
  unit's **rectification** with evidence) → closed out by the inspector (销号), or returned
  with a reason and submitted again. Overdue ones carry a yellow, then a red card (working
  days, ``supervision.cards``). A finding may link ledger items, and a finding that recurs in
  a re-inspection links the first (``recurrence_of``).
- An **instruction** (领导批示) of a sponsor leader or the office, on an item, a finding or a
  unit, is addressed to a unit with an answer-by date; the unit answers, the leader settles
  it or asks again (督办). Instructions written on paper are entered by the office with a
  scan of the page.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shishi.core.models import TimeStamped
from shishi.ledger.models import Item
from shishi.orgs.models import Jurisdiction, Unit

round_code_validator = RegexValidator(
    r"^[0-9A-Za-z][0-9A-Za-z_-]{0,19}$", _("代码只能由字母、数字、-和_组成，如 2021-1")
)


class Card(models.TextChoices):
    """How overdue a rectification or an instruction is (``supervision.cards``)."""

    NONE = "", _("无")
    YELLOW = "yellow", _("黄牌")
    RED = "red", _("红牌")


class InspectionGroup(TimeStamped):
    """巡回指导组: its inspectors (accounts) and the units it covers."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # group_unique_name leads with it
    name = models.CharField(_("组名"), max_length=100)
    leader_name = models.CharField(_("组长"), max_length=100, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="inspection_groups",
        blank=True,
        verbose_name=_("组员（督导员）"),
    )
    units = models.ManyToManyField(Unit, related_name="+", blank=True, verbose_name=_("联系单位"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("巡回指导组")
        verbose_name_plural = _("巡回指导组")
        # In the order the office set them up (第一组, 第二组, …): names do not sort so.
        ordering = ["jurisdiction", "id"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="group_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Round(TimeStamped):
    """一轮巡回指导: dates, scope, the groups taking part and the checklist."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # round_unique_code leads with it
    code = models.CharField(
        _("代码"),
        max_length=20,
        validators=[round_code_validator],
        help_text=_("如 2021-1；本区内唯一"),
    )
    name = models.CharField(_("名称"), max_length=100)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    scope = models.TextField(_("范围和重点"), blank=True)
    groups = models.ManyToManyField(
        InspectionGroup, related_name="rounds", blank=True, verbose_name=_("参加的指导组")
    )
    # 回头看: a later round that revisits this one's units and re-checks its closed findings.
    revisits = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revisited_by",
        verbose_name=_("回头看的轮次"),
    )
    # Working days before a deadline a rectification is due soon, and after it a yellow
    # card turns red.
    red_after_workdays = models.PositiveSmallIntegerField(_("逾期几个工作日亮红牌"), default=5)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("巡回指导轮次")
        verbose_name_plural = _("巡回指导轮次")
        ordering = ["jurisdiction", "-starts_on", "code"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "code"], name="round_unique_code"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="round_dates_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ChecklistEntry(TimeStamped):
    """One question of a round's checklist ("方案是否完善")."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="checklist")
    text = models.CharField(_("检查内容"), max_length=200)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")
        ordering = ["round", "order", "id"]

    def __str__(self) -> str:
        return self.text


class VisitPlan(TimeStamped):
    """A group is to visit a unit on a day of the round."""

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="plans", db_index=False
    )  # plan_unique_unit leads with it
    group = models.ForeignKey(InspectionGroup, on_delete=models.PROTECT, related_name="plans")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    planned_on = models.DateField(_("计划日期"))

    class Meta:
        verbose_name = _("走访安排")
        verbose_name_plural = _("走访安排")
        ordering = ["round", "planned_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "group", "unit"], name="plan_unique_unit")
        ]

    def __str__(self) -> str:
        return f"{self.group} → {self.unit} {self.planned_on}"


class Visit(TimeStamped):
    """A group's visit to a unit in a round: what was checked, by whom, with what found."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="visits")
    group = models.ForeignKey(InspectionGroup, on_delete=models.PROTECT, related_name="visits")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    plan = models.OneToOneField(
        VisitPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="visit"
    )
    visited_on = models.DateField(_("走访日期"))
    attendees = models.TextField(_("参加人员"), blank=True)
    notes = models.TextField(_("情况记录"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["round", "-visited_on", "id"]
        indexes = [models.Index(fields=["round", "unit"], name="visit_round_unit")]

    def __str__(self) -> str:
        return f"{self.group} · {self.unit} · {self.visited_on}"


class VisitAnswer(models.Model):
    """The visit's answer to one checklist entry."""

    class Answer(models.TextChoices):
        YES = "yes", _("是")
        PARTLY = "partly", _("部分")
        NO = "no", _("否")
        NOT_APPLICABLE = "na", _("不适用")

    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, related_name="answers", db_index=False
    )  # answer_unique_entry leads with it
    entry = models.ForeignKey(ChecklistEntry, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("结论"), max_length=8, choices=Answer.choices)
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("检查结论")
        verbose_name_plural = _("检查结论")
        constraints = [
            models.UniqueConstraint(fields=["visit", "entry"], name="answer_unique_entry")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.answer}"


class StoredFile(TimeStamped):
    """A file kept with a supervision record (photo, evidence, scan)."""

    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def visit_photo_path(instance: VisitPhoto, filename: str) -> str:
    return f"supervision/visits/{instance.visit_id}/{filename}"


class VisitPhoto(StoredFile):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("照片"), upload_to=visit_photo_path, max_length=300)

    class Meta:
        verbose_name = _("走访照片")
        verbose_name_plural = _("走访照片")


class Finding(TimeStamped):
    """A problem found on a visit (corrected on the spot, or to rectify), or a suggestion."""

    class Kind(models.TextChoices):
        ON_THE_SPOT = "on_the_spot", _("当场整改")
        TO_RECTIFY = "to_rectify", _("限期整改")
        SUGGESTION = "suggestion", _("意见建议")

    class Category(models.TextChoices):
        PLAN = "plan", _("方案不完善")
        MEASURES = "measures", _("措施不具体")
        LEDGER = "ledger", _("台账不规范")
        PROGRESS = "progress", _("进度滞后")
        QUALITY = "quality", _("质量不达标")
        FUNDS = "funds", _("资金使用不规范")
        PUBLICITY = "publicity", _("宣传不到位")
        OTHER = "other", _("其他")

    class Severity(models.TextChoices):
        MINOR = "minor", _("一般")
        SERIOUS = "serious", _("较重")
        MAJOR = "major", _("严重")

    class Status(models.TextChoices):
        CORRECTED = "corrected", _("已当场整改")
        OPEN = "open", _("整改中")
        SUBMITTED = "submitted", _("待核验")
        RETURNED = "returned", _("退回重改")
        CLOSED = "closed", _("已销号")
        NOTED = "noted", _("已提出")  # a suggestion

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="findings")
    group = models.ForeignKey(InspectionGroup, on_delete=models.PROTECT, related_name="findings")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="findings"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    category = models.CharField(
        _("问题类别"), max_length=16, choices=Category.choices, default=Category.OTHER
    )
    severity = models.CharField(
        _("严重程度"), max_length=8, choices=Severity.choices, default=Severity.MINOR
    )
    problem = models.TextField(_("问题或建议"))
    items = models.ManyToManyField(
        Item, related_name="findings", blank=True, verbose_name=_("相关实事事项")
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices)
    # 四定: measure, deadline, responsible unit, responsible person (to rectify only).
    measure = models.TextField(_("整改措施"), blank=True)
    deadline = models.DateField(_("整改时限"), null=True, blank=True)
    responsible_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任单位")
    )
    responsible_person = models.CharField(_("责任人"), max_length=100, blank=True)
    card = models.CharField(_("警示"), max_length=8, choices=Card.choices, blank=True, default="")
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # 回头看: this finding is the same problem as an earlier, closed one, come back.
    recurrence_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recurrences",
        verbose_name=_("复发自"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("问题和建议")
        verbose_name_plural = _("问题和建议")
        ordering = ["round", "id"]
        indexes = [
            models.Index(fields=["jurisdiction", "status", "deadline"], name="finding_open"),
            models.Index(fields=["round", "group", "unit"], name="finding_round"),
            models.Index(fields=["responsible_unit", "status"], name="finding_unit"),
        ]

    def __str__(self) -> str:
        return self.problem[:40]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_problem(self) -> bool:
        return self.kind != self.Kind.SUGGESTION


OPEN_STATUSES = (Finding.Status.OPEN, Finding.Status.SUBMITTED, Finding.Status.RETURNED)


class Rectification(TimeStamped):
    """One answer of the responsible unit to a finding, and the inspector's verdict on it."""

    class Verdict(models.TextChoices):
        PENDING = "pending", _("待核验")
        ACCEPTED = "accepted", _("核验通过")
        RETURNED = "returned", _("退回")

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="rectifications")
    measures = models.TextField(_("整改措施和成效"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verdict = models.CharField(
        _("核验结论"), max_length=8, choices=Verdict.choices, default=Verdict.PENDING
    )
    verdict_reason = models.TextField(_("核验意见"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("整改情况")
        verbose_name_plural = _("整改情况")
        ordering = ["finding", "id"]

    def __str__(self) -> str:
        return f"{self.finding_id} · {self.get_verdict_display()}"


def rectification_file_path(instance: RectificationFile, filename: str) -> str:
    return f"supervision/rectifications/{instance.rectification_id}/{filename}"


class RectificationFile(StoredFile):
    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("佐证材料"), upload_to=rectification_file_path, max_length=300)

    class Meta:
        verbose_name = _("整改佐证")
        verbose_name_plural = _("整改佐证")


class Recheck(TimeStamped):
    """回头看: a re-inspection round re-checks a closed finding of an earlier round."""

    class Result(models.TextChoices):
        HOLDS = "holds", _("整改到位")
        RECURRED = "recurred", _("问题反弹")

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="rechecks")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="rechecks")
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="rechecks"
    )
    result = models.CharField(_("复查结论"), max_length=8, choices=Result.choices)
    note = models.TextField(_("说明"), blank=True)
    recurrence = models.OneToOneField(
        Finding, null=True, blank=True, on_delete=models.SET_NULL, related_name="recheck_origin"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("回头看复查")
        verbose_name_plural = _("回头看复查")
        constraints = [
            models.UniqueConstraint(fields=["finding", "round"], name="recheck_once_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.finding_id} · {self.get_result_display()}"


class Instruction(TimeStamped):
    """领导批示: a leader's (or the office's) written instruction, tracked to settled (督办)."""

    class Status(models.TextChoices):
        OPEN = "open", _("待答复")
        ANSWERED = "answered", _("已答复")
        SETTLED = "settled", _("已办结")

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # instruction_open leads with it
    # Who wrote it: a leader by name (批示人), and the account that did, when the leader
    # wrote it in shishi; the office enters one written on paper (``entered_by``, ``scan``).
    author_name = models.CharField(_("批示领导"), max_length=100)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_on = models.DateField(_("批示日期"))
    text = models.TextField(_("批示内容"))
    # What it is on: an item, a finding, or just the unit.
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.PROTECT, related_name="instructions"
    )
    finding = models.ForeignKey(
        Finding, null=True, blank=True, on_delete=models.PROTECT, related_name="instructions"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("承办单位")
    )
    answer_by = models.DateField(_("答复时限"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    card = models.CharField(_("警示"), max_length=8, choices=Card.choices, blank=True, default="")
    settled_on = models.DateField(_("办结日期"), null=True, blank=True)
    scan = models.FileField(
        _("批示原件扫描件"), upload_to="supervision/instructions/%Y/", blank=True, max_length=300
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("领导批示")
        verbose_name_plural = _("领导批示")
        ordering = ["jurisdiction", "written_on", "id"]
        indexes = [
            models.Index(
                fields=["jurisdiction", "status", "written_on", "id"], name="instruction_open"
            ),
            models.Index(fields=["unit", "status"], name="instruction_unit"),
            # 督办: the district's open ones, oldest first (PostgreSQL reads only those).
            models.Index(
                fields=["jurisdiction", "written_on", "id"],
                condition=~models.Q(status="settled"),
                name="instruction_unsettled",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.SETTLED

    @property
    def age_days(self) -> int:
        """Days since it was written, to the day it was settled (or today): 督办's age."""
        end = self.settled_on or timezone.localdate()
        return (end - self.written_on).days


class InstructionStep(TimeStamped):
    """One step of an instruction's thread: the unit's answer, the leader asking again (with
    a new answer-by date), or settling it."""

    class Kind(models.TextChoices):
        ANSWER = "answer", _("答复")
        ASK_AGAIN = "ask_again", _("再次批示")
        SETTLE = "settle", _("办结")

    instruction = models.ForeignKey(Instruction, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    text = models.TextField(_("内容"), blank=True)
    answer_by = models.DateField(_("新的答复时限"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("批示办理")
        verbose_name_plural = _("批示办理")
        ordering = ["instruction", "id"]

    def __str__(self) -> str:
        return f"{self.instruction_id} · {self.get_kind_display()}"


def step_file_path(instance: StepFile, filename: str) -> str:
    return f"supervision/instruction-steps/{instance.step_id}/{filename}"


class StepFile(StoredFile):
    step = models.ForeignKey(InstructionStep, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("附件"), upload_to=step_file_path, max_length=300)

    class Meta:
        verbose_name = _("批示办理附件")
        verbose_name_plural = _("批示办理附件")
