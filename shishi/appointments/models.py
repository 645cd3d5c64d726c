"""Services by appointment (issue 17): the district's catalogue of services delivered by
appointment — home visits for residents 70 and over (上门服务, 帮办代办), on-site business
services, health-certificate examinations — each with its delivering unit, where it is
delivered, its capacity and its eligibility rules as data (``appointments.eligibility``).

A booking takes one place of a slot (a working day's morning or afternoon of a service,
its capacity the service's staff times their places per day); the visit records what was
done; a business opened on the spot keeps its checklist and USCC. A health certificate is
issued from an examination (registration at the clinic, exam items, conclusion), verified
publicly by its number, revoked with a reason and reminded before it expires.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shishi.core.fields import IDNumberField, LandlineField, LookupHashField, PhoneField
from shishi.core.models import TimeStamped
from shishi.ledger.models import Target
from shishi.orgs.models import Jurisdiction, Unit, User


class Where(models.TextChoices):
    HOME = "home", _("上门（居民家中）")
    ENTERPRISE = "enterprise", _("上门（企业）")
    OFFICE = "office", _("服务窗口")
    CLINIC = "clinic", _("体检机构")


class AgeFrom(models.TextChoices):
    """When a person reaches an age: on the birthday itself (年满N周岁, the usual reading),
    or from the day after, if an office counts so."""

    BIRTHDAY = "birthday", _("生日当天起")
    DAY_AFTER = "day_after", _("生日次日起")


class Match(models.TextChoices):
    ALL = "all", _("同时满足全部条件")
    ANY = "any", _("满足任一条件")


class Service(TimeStamped):
    """A service of a district delivered by appointment."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # appointment_service_code leads with it
    code = models.SlugField(_("代码"), max_length=40, help_text=_("如 home-visit；本区内唯一"))
    name = models.CharField(_("名称"), max_length=100)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("提供单位")
    )
    where = models.CharField(_("服务地点"), max_length=12, choices=Where.choices)
    bring = models.TextField(_("需携带材料"), blank=True)
    # Slots a staff member serves per working day (the working-day calendar's days).
    per_staff_day = models.PositiveSmallIntegerField(_("每人每工作日可服务次数"), default=4)
    # Eligibility as data: a list of rules (eligibility.RULE_KINDS), met all or any.
    rules = models.JSONField(_("服务条件"), default=list, blank=True)
    match = models.CharField(_("条件关系"), max_length=4, choices=Match.choices, default=Match.ALL)
    age_from = models.CharField(
        _("年龄起算"), max_length=10, choices=AgeFrom.choices, default=AgeFrom.BIRTHDAY
    )
    is_active = models.BooleanField(_("启用"), default=True)
    # Services done feed this ledger target's actual value (through ledger services).
    target = models.ForeignKey(
        Target,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("计入台账目标"),
    )

    class Meta:
        verbose_name = _("预约服务")
        verbose_name_plural = _("预约服务")
        ordering = ["jurisdiction", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "code"], name="appointment_service_code"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Resident(TimeStamped):
    """A person served by appointment, registered by the district (the operator on the
    phone, a grid worker, the resident on the public site). The ID number and the phones are
    encrypted and found by keyed hash (``core.fields``); the birth date is read from the ID
    number once, for eligibility and the age shown."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # the hash indexes lead with it
    name = models.CharField(_("姓名"), max_length=50)
    id_number = IDNumberField(_("居民身份证号"))
    id_hash = LookupHashField(source="id_number", db_index=False)
    birth_date = models.DateField(_("出生日期"))
    phone = PhoneField(_("手机号码"), blank=True)
    phone_hash = LookupHashField(source="phone", db_index=False)
    landline = LandlineField(_("固定电话"), blank=True)
    landline_hash = LookupHashField(source="landline", db_index=False)
    address = models.CharField(_("住址"), max_length=300, blank=True)
    street = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在街道"),
    )
    disability_certificate = models.BooleanField(_("持有残疾人证"), default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("服务对象")
        verbose_name_plural = _("服务对象")
        ordering = ["jurisdiction", "name", "id"]
        constraints = [
            # One record per person and district.
            models.UniqueConstraint(fields=["jurisdiction", "id_hash"], name="resident_once")
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "phone_hash"], name="resident_phone"),
            models.Index(fields=["jurisdiction", "landline_hash"], name="resident_landline"),
        ]

    def __str__(self) -> str:
        return self.name


class Staff(TimeStamped):
    """A staff member who delivers a service: the capacity of a slot counts them, and a
    booking is assigned to one of them."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("服务人员")
        verbose_name_plural = _("服务人员")
        ordering = ["service", "id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "user"], name="appointment_staff_once")
        ]

    def __str__(self) -> str:
        return f"{self.service_id}:{self.user_id}"


class Period(models.TextChoices):
    MORNING = "am", _("上午")
    AFTERNOON = "pm", _("下午")


class Slot(models.Model):
    """Half a working day of a service. ``booked`` never passes ``capacity``: a booking
    takes a place with one conditional UPDATE (``booked < capacity``), which holds under
    concurrent bookings on SQLite and PostgreSQL alike."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="slots")
    day = models.DateField(_("日期"))
    period = models.CharField(_("时段"), max_length=2, choices=Period.choices)
    capacity = models.PositiveSmallIntegerField(_("可约数"))
    booked = models.PositiveSmallIntegerField(_("已约数"), default=0)

    class Meta:
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        ordering = ["service", "day", "period"]
        constraints = [
            models.UniqueConstraint(fields=["service", "day", "period"], name="slot_once"),
            models.CheckConstraint(
                condition=models.Q(booked__lte=models.F("capacity")), name="slot_not_overbooked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.get_period_display()}"

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


class Channel(models.TextChoices):
    OPERATOR = "operator", _("接线员电话预约")
    FAMILY = "family", _("家属代为预约")
    GRID_WORKER = "grid_worker", _("网格员代为预约")
    PUBLIC = "public", _("居民网上预约")
    ENTERPRISE = "enterprise", _("企业联系人预约")


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    DONE = "done", _("已服务")
    CANCELLED = "cancelled", _("已取消")
    NO_SHOW = "no_show", _("未能服务")


class Booking(TimeStamped):
    """One appointment: a place in a slot for a resident (or an enterprise), by whom it was
    made and on whose behalf, the staff member assigned, its state."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # booking_queue leads with it
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="bookings")
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings"
    )
    # A reference the resident can quote (and the public page looks up with the phone).
    code = models.CharField(_("预约号"), max_length=12, unique=True)
    channel = models.CharField(_("预约方式"), max_length=12, choices=Channel.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    booked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Booked on the resident's behalf: the family member or grid worker.
    proxy_name = models.CharField(_("代约人"), max_length=50, blank=True)
    proxy_relation = models.CharField(_("与本人关系"), max_length=20, blank=True)
    proxy_phone = PhoneField(_("代约人手机"), blank=True)
    # The mobile the confirmation and reminder go to (empty: a call to the landline).
    notify_phone = PhoneField(_("短信通知号码"), blank=True)
    # An enterprise's booking: the enterprise and its contact.
    enterprise_name = models.CharField(_("企业名称"), max_length=200, blank=True)
    enterprise_uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    address = models.CharField(_("服务地址"), max_length=300, blank=True)
    request = models.TextField(_("需办理的事项"), blank=True)
    # The eligibility answer at booking time and the conditions the operator confirmed.
    eligibility = models.JSONField(_("服务条件核对"), default=dict, blank=True)
    staff = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("服务人员"),
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["jurisdiction", "status", "created_at"], name="booking_queue"),
            models.Index(fields=["staff", "status"], name="booking_staff"),
        ]

    def __str__(self) -> str:
        return self.code


class Matter(TimeStamped):
    """A matter staff handle on a visit (社保认证, 医保报销, 户籍, 残疾人证, 企业开办, …):
    the list the office keeps."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    name = models.CharField(_("事项"), max_length=50)
    order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("代办事项")
        verbose_name_plural = _("代办事项")
        ordering = ["jurisdiction", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "name"], name="matter_once")]

    def __str__(self) -> str:
        return self.name


class Outcome(models.TextChoices):
    DONE = "done", _("已办结")
    PARTLY = "partly", _("部分办理，后续跟进")
    REFERRED = "referred", _("已转有关部门")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class Visit(TimeStamped):
    """What the staff member recorded at the visit."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="visit")
    visited_at = models.DateTimeField(_("服务时间"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("办理结果"), max_length=10, choices=Outcome.choices)
    matters = models.ManyToManyField(Matter, blank=True, related_name="+", verbose_name=_("事项"))
    notes = models.TextField(_("情况说明"), blank=True)
    # The resident's confirmation: who confirmed (the resident or a family member present).
    confirmed_by = models.CharField(_("确认人"), max_length=50, blank=True)
    satisfaction = models.CharField(
        _("满意度"), max_length=12, choices=Satisfaction.choices, blank=True
    )

    class Meta:
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")

    def __str__(self) -> str:
        return f"{self.booking_id} {self.visited_at:%Y-%m-%d}"


def visit_photo_path(instance: VisitPhoto, filename: str) -> str:
    return f"appointments/visits/{instance.visit_id}/{filename}"


class VisitPhoto(TimeStamped):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("照片"), upload_to=visit_photo_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("服务照片")
        verbose_name_plural = _("服务照片")

    def __str__(self) -> str:
        return self.name


class BusinessOpening(TimeStamped):
    """A business registered on the spot at an enterprise visit: the checklist done there
    (``OPENING_STEPS``), the same-day opening pack, the business's USCC."""

    visit = models.OneToOneField(Visit, on_delete=models.CASCADE, related_name="opening")
    business_name = models.CharField(_("企业名称"), max_length=200)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    # {step: true|false} for each of OPENING_STEPS.
    checklist = models.JSONField(_("开办事项"), default=dict)
    pack_given_on = models.DateField(_("开业大礼包发放日期"), null=True, blank=True)
    pack_items = models.CharField(_("礼包内容"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("现场开办")
        verbose_name_plural = _("现场开办")

    def __str__(self) -> str:
        return self.business_name


OPENING_STEPS: tuple[tuple[str, str], ...] = (
    ("name_approval", "名称核准"),
    ("licence", "营业执照"),
    ("seal", "刻制印章"),
    ("tax", "税务登记"),
    ("bank_account", "银行开户"),
    ("social_security", "社保登记"),
)


# --- electronic health certificates ----------------------------------------------------------


class Trade(models.TextChoices):
    FOOD = "food", _("食品生产经营")
    PUBLIC_PLACE = "public_place", _("公共场所")
    DRINKING_WATER = "drinking_water", _("生活饮用水")
    OTHER = "other", _("其他")


class ExamItem(models.TextChoices):
    PHYSICAL = "physical", _("体格检查")
    ALT = "alt", _("肝功能（谷丙转氨酶）")
    STOOL = "stool", _("粪便培养")
    CHEST = "chest", _("胸部X线检查")


class Conclusion(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    RETEST = "retest", _("需复检")


def exam_photo_path(instance: HealthExam, filename: str) -> str:
    return f"appointments/exams/{instance.pk or 'new'}/{filename}"


class HealthExam(TimeStamped):
    """A worker's health examination at a clinic: registration (ID checked, photo), the
    exam items' results (``ExamResult``), the conclusion."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    booking = models.OneToOneField(
        Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="exam"
    )
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="exams")
    clinic = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("体检机构")
    )
    trade = models.CharField(_("从业类别"), max_length=16, choices=Trade.choices)
    employer = models.CharField(_("工作单位"), max_length=200, blank=True)
    registered_at = models.DateTimeField(_("登记时间"), null=True, blank=True)
    registered_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    id_checked = models.BooleanField(_("已核验身份证"), default=False)
    photo = models.FileField(_("照片"), upload_to=exam_photo_path, max_length=300, blank=True)
    conclusion = models.CharField(_("结论"), max_length=8, choices=Conclusion.choices, blank=True)
    barred_condition = models.CharField(_("不得从业的疾病"), max_length=100, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    concluded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("健康体检")
        verbose_name_plural = _("健康体检")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["jurisdiction", "created_at"], name="exam_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.pk}"


class ExamResult(TimeStamped):
    exam = models.ForeignKey(HealthExam, on_delete=models.CASCADE, related_name="results")
    item = models.CharField(_("检查项目"), max_length=10, choices=ExamItem.choices)
    result = models.CharField(_("结果"), max_length=200)
    normal = models.BooleanField(_("正常"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")
        ordering = ["exam", "item"]
        constraints = [models.UniqueConstraint(fields=["exam", "item"], name="exam_result_once")]

    def __str__(self) -> str:
        return f"{self.exam_id} {self.item}"


class HealthCertificate(TimeStamped):
    """An electronic health certificate, valid for one year. Its status is ``revoked``
    once revoked, else ``expired`` after ``valid_until``, else ``valid``. ``holder_name``
    is kept beside the resident so public verification reads one row."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # certificate_expiry leads with it
    number = models.CharField(_("证号"), max_length=20, unique=True)
    exam = models.OneToOneField(HealthExam, on_delete=models.PROTECT, related_name="certificate")
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="certificates", db_index=False
    )
    holder_name = models.CharField(_("持证人"), max_length=50)
    trade = models.CharField(_("从业类别"), max_length=16, choices=Trade.choices)
    issuer = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("发证机构")
    )
    valid_from = models.DateField(_("有效期自"))
    valid_until = models.DateField(_("有效期至"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminded_30_at = models.DateTimeField(null=True, blank=True)
    reminded_7_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("电子健康证")
        verbose_name_plural = _("电子健康证")
        ordering = ["-valid_from", "-id"]
        indexes = [
            models.Index(fields=["jurisdiction", "valid_until"], name="certificate_expiry"),
            models.Index(fields=["resident", "valid_until"], name="certificate_holder"),
        ]

    def __str__(self) -> str:
        return self.number
