"""Residents' demands (急难愁盼, 接诉即办): what a resident asks, who handles it, by when.

- A **category** (诉求分类) of a district, in a tree: its default lead unit, its time limits
  (to sign for it, in office hours when urgent, else working days; to resolve it, in working
  days), and whether it is open to Open311 (facility and street problems only).
- A **demand** (诉求) arrives from the public web form, the operator (a phone call or a
  walk-in), Open311 or the city's 12345 hotline; it has a tracking code (查询码), a type
  (enquiry, help, complaint, report, suggestion), the resident's contact (a mobile phone, or
  a landline when the caller has none: the call-back is then by phone) and its place. Its
  life is a state machine (``demands.workflow``); every step is a ``DemandEvent``.
- Whoever files a report (举报) stays confidential: the unit never sees who filed it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shishi.core.fields import LandlineField, LookupHashField, PhoneField
from shishi.core.models import TimeStamped
from shishi.ledger.models import Item
from shishi.orgs.models import Jurisdiction, Unit


class Kind(models.TextChoices):
    ENQUIRY = "enquiry", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class Channel(models.TextChoices):
    WEB = "web", _("网上")
    PHONE = "phone", _("电话")
    WALK_IN = "walk_in", _("来访")
    OPEN311 = "open311", _("Open311")
    HOTLINE = "hotline", _("12345热线")


class Status(models.TextChoices):
    RECEIVED = "received", _("待派单")
    DISPATCHED = "dispatched", _("待签收")
    SENT_BACK = "sent_back", _("已退单")
    ACCEPTED = "accepted", _("办理中")
    RESOLVED = "resolved", _("已答复待回访")
    CLOSED = "closed", _("已办结")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class Appeal(models.TextChoices):
    NONE = "", _("无")
    PENDING = "pending", _("待裁定")
    UPHELD = "upheld", _("申诉成立")
    REJECTED = "rejected", _("申诉不成立")


class Category(TimeStamped):
    """A demand category of a district (路灯, 道路, 噪声扰民, 供热 …), in a tree."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # demand_category_unique leads with it
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.SlugField(_("代码"), max_length=40, help_text=_("如 streetlight；本区内唯一"))
    name = models.CharField(_("名称"), max_length=100)
    lead_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("默认承办单位"),
    )
    # Time limits: to sign for a demand (签收) — office hours when urgent, working days
    # otherwise — and to resolve it (working days; urgent: office hours).
    accept_hours_urgent = models.PositiveSmallIntegerField(_("紧急诉求签收时限（小时）"), default=1)
    accept_workdays = models.PositiveSmallIntegerField(_("签收时限（工作日）"), default=1)
    resolve_hours_urgent = models.PositiveSmallIntegerField(
        _("紧急诉求办理时限（小时）"), default=24
    )
    resolve_workdays = models.PositiveSmallIntegerField(_("办理时限（工作日）"), default=7)
    auto_dispatch = models.BooleanField(
        _("自动派单"), default=False, help_text=_("受理后直接派给默认承办单位")
    )
    open311 = models.BooleanField(
        _("开放给Open311"), default=False, help_text=_("只开放设施、道路等公共问题类")
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ["jurisdiction", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "code"], name="demand_category_unique")
        ]

    def __str__(self) -> str:
        return self.name


class DispatchRule(TimeStamped):
    """Where a category's demands from one street go (按街道派单): taken in with that street,
    such a demand is dispatched to the rule's unit at once (other streets: the category's
    lead unit, when it dispatches by itself)."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="rules", db_index=False
    )  # demand_rule_once leads with it
    street = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("街道")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("承办单位")
    )

    class Meta:
        verbose_name = _("按街道派单规则")
        verbose_name_plural = _("按街道派单规则")
        ordering = ["category", "street__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "street"], name="demand_rule_once")
        ]

    def __str__(self) -> str:
        return f"{self.category_id}/{self.street_id} → {self.unit_id}"


class Demand(TimeStamped):
    """One resident's demand, from intake to closure."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    # The tracking code (查询码) the resident follows the case with; unique.
    number = models.CharField(_("查询码"), max_length=20, unique=True)
    kind = models.CharField(_("诉求类型"), max_length=12, choices=Kind.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="demands", verbose_name=_("分类")
    )
    urgency = models.CharField(
        _("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    channel = models.CharField(_("来源"), max_length=10, choices=Channel.choices)
    description = models.TextField(_("诉求内容"))
    address = models.CharField(_("地点"), max_length=300, blank=True)
    # WGS-84, as GPS and Open311 give them; a map in GCJ-02 converts when it shows them.
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    lon = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    street = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在街道"),
    )
    # The resident: a name (optional), a mobile (verified by an SMS code on the web) or a
    # landline (the operator's entry; the call-back is then by phone).
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = PhoneField(_("手机号码"), blank=True)
    phone_hash = LookupHashField(source="phone")
    landline = LandlineField(_("固定电话"), blank=True)
    landline_hash = LookupHashField(source="landline")
    hotline_number = models.CharField(_("12345工单号"), max_length=40, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("承办单位"),
    )
    # Deadlines of the current stage, fixed when it starts (time limits through the calendar).
    accept_by = models.DateTimeField(_("签收时限"), null=True, blank=True)
    resolve_by = models.DateTimeField(_("办理时限"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    reply = models.TextField(_("答复内容"), blank=True)
    satisfaction = models.CharField(
        _("满意度"), max_length=14, choices=Satisfaction.choices, blank=True
    )
    # Rates: a demand counts against its unit unless an appeal was upheld (申诉).
    assessed = models.BooleanField(_("纳入考核"), default=True)
    appeal = models.CharField(
        _("申诉"), max_length=10, choices=Appeal.choices, blank=True, default=""
    )
    appeal_reason = models.TextField(_("申诉理由"), blank=True)
    reopened = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    # The unit's request for more time (申请延期), waiting for the office: working days asked
    # for (None: no request pending) and why.
    extension_days = models.PositiveSmallIntegerField(
        _("申请延期（工作日）"), null=True, blank=True
    )
    extension_reason = models.TextField(_("延期理由"), blank=True)
    item = models.ForeignKey(
        Item,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="demands",
        verbose_name=_("关联实事事项"),
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("群众诉求")
        verbose_name_plural = _("群众诉求")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A 12345 ticket is taken in once, however often the hotline sends it.
            models.UniqueConstraint(
                fields=["jurisdiction", "hotline_number"],
                condition=~models.Q(hotline_number=""),
                name="demand_hotline_once",
            )
        ]
        indexes = [
            # The operator's queue and the unit's queue: by status, oldest first.
            models.Index(fields=["jurisdiction", "status", "created_at"], name="demand_queue"),
            models.Index(fields=["unit", "status", "created_at"], name="demand_unit_queue"),
            # Open311's newest public demands, the hotline's export; the month's rates.
            models.Index(fields=["jurisdiction", "created_at"], name="demand_created"),
            models.Index(fields=["jurisdiction", "dispatched_at"], name="demand_dispatched"),
            models.Index(fields=["jurisdiction", "closed_at"], name="demand_closed"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_confidential(self) -> bool:
        """A report (举报): who filed it is never shown to the unit."""
        return self.kind == Kind.REPORT


class DemandEvent(models.Model):
    """One step of a demand's life: who did what, when, with what note."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=20)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("说明"), blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("诉求办理记录")
        verbose_name_plural = _("诉求办理记录")
        ordering = ["demand", "at", "id"]

    def __str__(self) -> str:
        return f"{self.demand_id} {self.action}"


def demand_photo_path(instance: DemandPhoto, filename: str) -> str:
    return f"demands/{instance.demand_id}/{filename}"


class DemandPhoto(TimeStamped):
    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("照片"), upload_to=demand_photo_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("诉求照片")
        verbose_name_plural = _("诉求照片")

    def __str__(self) -> str:
        return self.name


class Open311Key(TimeStamped):
    """A partner's key for posting requests to the Open311 server (``demands.open311``), for
    one district. Only its SHA-256 is stored (as ``orgs.ApiToken``'s): the key is printed
    once by ``shishi create_open311_key`` and cannot be read back."""

    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属区")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Written at most once a minute: enough to tell a live key from a forgotten one.
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("Open311密钥")
        verbose_name_plural = _("Open311密钥")

    def __str__(self) -> str:
        return self.name


# --- public intake (the web form's SMS codes, the texts sent to residents) ------------------


class PhoneCode(models.Model):
    """A verification code sent to a mobile on the public form: stored as a keyed hash only,
    alive ``intake.CODE_MINUTES``, dead after ``intake.CODE_TRIES`` wrong tries or once used."""

    phone_hash = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")

    def __str__(self) -> str:
        return f"code {self.pk}"


class ResidentText(models.Model):
    """One SMS to a resident's number (a code, a demand taken in, a reply): the delivery
    record. The number is kept encrypted; the text of a code is never kept."""

    demand = models.ForeignKey(
        Demand, null=True, blank=True, on_delete=models.CASCADE, related_name="texts"
    )
    # The district it was sent for: the demand's, or for a code the form's (older rows: none).
    jurisdiction = models.ForeignKey(
        Jurisdiction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(_("用途"), max_length=16)
    phone = PhoneField(_("手机号码"))
    text = models.TextField(_("短信内容"), blank=True)
    status = models.CharField(_("状态"), max_length=12, default="queued")
    provider_id = models.CharField(max_length=100, blank=True)
    error = models.CharField(_("原因"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("群众短信")
        verbose_name_plural = _("群众短信")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["jurisdiction", "-created_at"], name="resident_text_district")
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.status}"
