"""Services by appointment (issue 17): the district's catalogue of services delivered by
appointment — home visits for residents 70 and over (上门服务, 帮办代办), on-site business
services, health-certificate examinations — each with its delivering unit, where it is
delivered, its capacity and its eligibility rules as data (``appointments.eligibility``).

Bookings, visits and health certificates come next (docs/appointments.md).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shishi.core.fields import IDNumberField, LandlineField, LookupHashField, PhoneField
from shishi.core.models import TimeStamped
from shishi.orgs.models import Jurisdiction, Unit


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
