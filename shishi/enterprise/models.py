"""Enterprise services (issue 18, being built; docs/enterprise.md): the policy library
(惠企政策) with each policy's conditions as structured predicates, the enterprise register
keyed by USCC (GB 32100), the matches a background task stores (eligible or possible only),
pushes with read receipts (never the same policy twice to an enterprise), payouts of the
benefits given without applying (免申即享), and enterprise service requests handled by units
and service stations (益企工作站).

Amounts are in 万元. Figures an enterprise does not report are NULL, which the matcher reads
as unknown ("possible"), never as zero. The pure parts: the industry codes
(``industry``, GB/T 4754-2017) and the size standard (``size``, 大中小微 2017).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shishi.core.fields import LookupHashField, PhoneField
from shishi.core.models import TimeStamped
from shishi.enterprise.size import Size
from shishi.orgs.models import Jurisdiction, Unit, User


class Level(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")
    DISTRICT = "district", _("区级")


class Benefit(models.TextChoices):
    SUBSIDY = "subsidy", _("资金补贴")
    TAX = "tax", _("税费减免")
    INTEREST = "interest", _("贷款贴息")
    AWARD = "award", _("奖励")
    SERVICE = "service", _("服务")


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    EXPIRED = "expired", _("已失效")


def policy_file_path(instance: Policy, filename: str) -> str:
    return f"enterprise/policies/{instance.pk or 'new'}/{filename}"


class Policy(TimeStamped):
    """A policy that benefits enterprises, with its conditions (``PolicyCondition``)."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # policy_library leads with it
    title = models.CharField(_("政策名称"), max_length=300)
    doc_number = models.CharField(_("文号"), max_length=100, blank=True)
    issuer = models.CharField(_("发文单位"), max_length=200, blank=True)
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices)
    valid_from = models.DateField(_("有效期自"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    benefit = models.CharField(_("支持方式"), max_length=10, choices=Benefit.choices)
    amount_text = models.CharField(_("支持标准"), max_length=500, blank=True)
    guide = models.TextField(_("申报指南"), blank=True)
    materials = models.TextField(_("申报材料"), blank=True)
    contact = models.CharField(_("咨询电话和部门"), max_length=200, blank=True)
    source_url = models.URLField(_("原文链接"), max_length=500, blank=True)
    source_file = models.FileField(
        _("原文文件"), upload_to=policy_file_path, max_length=300, blank=True
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT
    )
    # 免申即享: benefit without applying — only when every condition is structured.
    no_apply = models.BooleanField(_("免申即享"), default=False)
    # Pushed to the enterprises it fits once published or changed (``push.push_after_match``);
    # off: the office pushes from the policy's matches page when it chooses.
    auto_push = models.BooleanField(_("发布和修改后自动推送"), default=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # A hash of what an enterprise is told (title, benefit, conditions): a changed policy is
    # pushed again only to enterprises it newly fits.
    content_hash = models.CharField(max_length=64, blank=True)
    # When the stored matches were last computed for this policy.
    matched_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("惠企政策")
        verbose_name_plural = _("惠企政策")
        ordering = ["jurisdiction", "-published_at", "-id"]
        indexes = [
            models.Index(fields=["jurisdiction", "status", "level"], name="policy_library"),
        ]

    def __str__(self) -> str:
        return self.title


class ConditionKind(models.TextChoices):
    INDUSTRY_ANY = "industry_any", _("行业属于")
    INDUSTRY_NONE = "industry_none", _("行业不属于")
    SIZE_IN = "size_in", _("企业规模")
    STREET_IN = "street_in", _("注册地所在街道")
    QUALIFICATION_ALL = "qualification_all", _("同时具有资质")
    QUALIFICATION_ANY = "qualification_any", _("具有任一资质")
    YEARS_MIN = "years_min", _("成立满（年）")
    YEARS_MAX = "years_max", _("成立不超过（年）")
    EMPLOYEES_MIN = "employees_min", _("从业人员不少于")
    EMPLOYEES_MAX = "employees_max", _("从业人员不多于")
    REVENUE_MIN = "revenue_min", _("营业收入不低于（万元）")
    REVENUE_MAX = "revenue_max", _("营业收入不高于（万元）")
    TAX_MIN = "tax_min", _("纳税额不低于（万元）")
    TEXT = "text", _("其他条件（文字）")


class PolicyCondition(models.Model):
    """One predicate of a policy. ``params`` by kind: industries ``{"codes": ["I65"]}``
    (GB/T 4754-2017, canonical with the section letter), sizes ``{"sizes": ["small"]}``,
    streets ``{"streets": [unit ids]}``, qualifications ``{"names": [...]}``, numbers
    ``{"value": n}``, text ``{"text": "…"}`` (shown to the reader; never decided)."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="conditions")
    kind = models.CharField(_("条件"), max_length=20, choices=ConditionKind.choices)
    params = models.JSONField(_("取值"), default=dict)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("政策条件")
        verbose_name_plural = _("政策条件")
        ordering = ["policy", "order", "id"]

    def __str__(self) -> str:
        return f"{self.policy_id}:{self.kind}"


class Enterprise(TimeStamped):
    """An enterprise of the district's register, keyed by its USCC. ``size`` is derived
    from the industry and the figures (``size``) whenever they change; empty when unknown."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # enterprise_uscc leads with it
    uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    name = models.CharField(_("企业名称"), max_length=200)
    industry_code = models.CharField(_("行业代码"), max_length=5, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("从业人员"), null=True, blank=True)
    revenue = models.DecimalField(
        _("营业收入（万元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    total_assets = models.DecimalField(
        _("资产总额（万元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    tax_paid = models.DecimalField(
        _("纳税额（万元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    address = models.CharField(_("注册地址"), max_length=300, blank=True)
    street = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属街道"),
    )
    size = models.CharField(_("企业规模"), max_length=6, choices=Size.choices, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        ordering = ["jurisdiction", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "uscc"], name="enterprise_uscc")
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "industry_code"], name="enterprise_industry"),
            models.Index(fields=["jurisdiction", "name"], name="enterprise_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Qualification(models.Model):
    """A qualification an enterprise holds (高新技术企业, 专精特新, 科技型中小企业, …): a row
    each, so a policy's qualification conditions compile to EXISTS subqueries."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="qualifications"
    )
    name = models.CharField(_("资质"), max_length=50)

    class Meta:
        verbose_name = _("企业资质")
        verbose_name_plural = _("企业资质")
        ordering = ["enterprise", "name"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="qualification_once")
        ]
        indexes = [models.Index(fields=["name", "enterprise"], name="qualification_by_name")]

    def __str__(self) -> str:
        return self.name


class Contact(TimeStamped):
    """A person of an enterprise who gets its pushes; with a user, they sign in and see
    their own enterprise only."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("联系人"), max_length=50)
    phone = PhoneField(_("手机号码"), blank=True)
    phone_hash = LookupHashField(source="phone")
    email = models.EmailField(_("电子邮箱"), blank=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_primary = models.BooleanField(_("主要联系人"), default=False)

    class Meta:
        verbose_name = _("企业联系人")
        verbose_name_plural = _("企业联系人")
        ordering = ["enterprise", "-is_primary", "id"]

    def __str__(self) -> str:
        return self.name


class Verdict(models.TextChoices):
    ELIGIBLE = "eligible", _("符合")
    POSSIBLE = "possible", _("可能符合")
    INELIGIBLE = "ineligible", _("不符合")


class Match(models.Model):
    """A stored match of a published policy and an enterprise: eligible or possible only
    (the ineligible pairs are the rest).

    Derived rows, rewritten whole by the matcher (``matches``): 344 policies against 100,000
    enterprises store about ten million of them, so a row is as narrow as it can be — the
    pair as the primary key (which also serves "the enterprises of a policy"), the verdict,
    no surrogate id, no second index, and no database foreign-key constraints (checking them
    row by row doubled the time to store them; Django still deletes an enterprise's or a
    policy's matches with it). When they were computed is the policy's ``matched_at``.
    """

    pk = models.CompositePrimaryKey("policy_id", "enterprise_id")
    policy = models.ForeignKey(
        Policy,
        on_delete=models.CASCADE,
        related_name="matches",
        db_constraint=False,
        db_index=False,  # the primary key leads with it
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        related_name="matches",
        db_constraint=False,
        db_index=False,  # read by policy; an enterprise's are judged live (``verdicts``)
    )
    verdict = models.CharField(_("结果"), max_length=10, choices=Verdict.choices)

    class Meta:
        verbose_name = _("政策匹配")
        verbose_name_plural = _("政策匹配")

    def __str__(self) -> str:
        return f"{self.policy_id}:{self.enterprise_id} {self.verdict}"


class Push(TimeStamped):
    """A policy sent to an enterprise's contacts; the token is the read receipt's link."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="pushes")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="pushes")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channels = models.CharField(_("渠道"), max_length=50, blank=True)
    token = models.CharField(max_length=43, unique=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("政策推送")
        verbose_name_plural = _("政策推送")
        constraints = [
            # No enterprise gets the same policy twice.
            models.UniqueConstraint(fields=["policy", "enterprise"], name="push_once")
        ]
        indexes = [models.Index(fields=["enterprise", "sent_at"], name="push_enterprise")]

    def __str__(self) -> str:
        return f"{self.policy_id}:{self.enterprise_id}"


class PayoutStatus(models.TextChoices):
    LISTED = "listed", _("待兑现")
    HANDED = "handed", _("已交付兑现部门")
    PAID = "paid", _("已兑现")
    REFUSED = "refused", _("不予兑现")


class Payout(TimeStamped):
    """A benefit given without applying (免申即享), tracked to the end."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="payouts")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="payouts")
    status = models.CharField(
        _("状态"), max_length=8, choices=PayoutStatus.choices, default=PayoutStatus.LISTED
    )
    amount = models.DecimalField(
        _("金额（万元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    paid_on = models.DateField(_("兑现日期"), null=True, blank=True)
    department = models.CharField(_("兑现部门"), max_length=100, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("政策兑现")
        verbose_name_plural = _("政策兑现")
        constraints = [models.UniqueConstraint(fields=["policy", "enterprise"], name="payout_once")]

    def __str__(self) -> str:
        return f"{self.policy_id}:{self.enterprise_id} {self.status}"


class Station(TimeStamped):
    """A service station for enterprises (益企工作站): its staff and the enterprises it
    serves."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("工作站"), max_length=100)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    staff = models.ManyToManyField(User, blank=True, related_name="+", verbose_name=_("工作人员"))
    enterprises = models.ManyToManyField(
        Enterprise, blank=True, related_name="stations", verbose_name=_("服务企业")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("益企工作站")
        verbose_name_plural = _("益企工作站")
        ordering = ["jurisdiction", "name"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="station_once")
        ]

    def __str__(self) -> str:
        return self.name


class RequestKind(models.TextChoices):
    FINANCING = "financing", _("融资对接")
    GREEN_CHANNEL = "green_channel", _("开办绿色通道")
    SITE = "site", _("用地选址和审批帮办")
    TALENT = "talent", _("人才招引")
    OTHER = "other", _("其他")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("待受理")
    HANDLING = "handling", _("办理中")
    CLOSED = "closed", _("已办结")


class RequestOutcome(models.TextChoices):
    SOLVED = "solved", _("已解决")
    PARTLY = "partly", _("部分解决")
    UNSOLVABLE = "unsolvable", _("无法解决")


class ServiceRequest(TimeStamped):
    """What an enterprise asks for (the public form with a phone code, or entered at a
    station), owned by a unit, due in working days, to an outcome and the enterprise's
    rating."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # request_queue leads with it
    number = models.CharField(_("编号"), max_length=12, unique=True)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="requests")
    station = models.ForeignKey(
        Station, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    kind = models.CharField(_("类别"), max_length=14, choices=RequestKind.choices)
    description = models.TextField(_("诉求内容"))
    channel = models.CharField(_("来源"), max_length=10)  # public | station | office
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = PhoneField(_("联系电话"))
    owner_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("承办单位"),
    )
    limit_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"), default=10)
    due_on = models.DateField(_("办理期限"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    outcome = models.CharField(
        _("办理结果"), max_length=10, choices=RequestOutcome.choices, blank=True
    )
    outcome_text = models.TextField(_("办理情况"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("企业评价"), null=True, blank=True)  # 1–5
    rating_note = models.CharField(_("评价说明"), max_length=300, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("企业诉求")
        verbose_name_plural = _("企业诉求")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["jurisdiction", "status", "created_at"], name="request_queue"),
            models.Index(fields=["owner_unit", "status"], name="request_unit"),
        ]

    def __str__(self) -> str:
        return self.number


class RequestEvent(models.Model):
    """A step of a service request: taken, assigned, a contact with the enterprise, closed,
    rated."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("动作"), max_length=20)
    note = models.TextField(_("说明"), blank=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("企业诉求记录")
        verbose_name_plural = _("企业诉求记录")
        ordering = ["request", "at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.action}"


class SheetKind(models.TextChoices):
    ENTERPRISES = "enterprises", _("企业名录")
    POLICIES = "policies", _("政策库")
    # shishi.education's sheets use the same upload → preview → confirm batches.
    LANDMARKS = "landmarks", _("红色地标")
    PARTY_ORGS = "party_orgs", _("党组织")
    POSTS = "posts", _("宣传稿件")
    MEDIA = "media", _("媒体报道")


class SheetStatus(models.TextChoices):
    PREVIEWED = "previewed", _("待确认")
    APPLIED = "applied", _("已导入")
    FAILED = "failed", _("有错误")
    CANCELLED = "cancelled", _("已取消")


def sheet_path(instance: SheetImport, filename: str) -> str:
    return f"enterprise/imports/{instance.jurisdiction_id}/{filename}"


class SheetImport(TimeStamped):
    """An uploaded sheet (the enterprise register, the policy library, or one of
    ``shishi.education``'s: landmarks, party organisations, posts, media reports): previewed first
    (``summary``: counts, errors as ``row R, column C: reason``, a sample of rows), written
    on confirmation, all or nothing."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=SheetKind.choices)
    file = models.FileField(_("文件"), upload_to=sheet_path, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=255)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=SheetStatus.choices, default=SheetStatus.PREVIEWED
    )
    summary = models.JSONField(default=dict, blank=True)
    uploaded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"
