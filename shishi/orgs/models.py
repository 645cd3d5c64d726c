"""Jurisdictions (city → district), units, people, user accounts and memberships."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from shishi.core.models import TimeStamped

division_code_validator = RegexValidator(r"^\d{6}$", _("行政区划代码为6位数字（GB/T 2260）"))


class User(AbstractUser):
    """A login. Roles come from memberships, not from Django groups."""

    display_name = models.CharField(_("姓名"), max_length=100, blank=True)
    # Set when the office resets the password: the account chooses its own at next login.
    must_change_password = models.BooleanField(_("须修改密码"), default=False)

    def __str__(self) -> str:
        return self.display_name or self.username


class Jurisdiction(TimeStamped):
    class Level(models.TextChoices):
        CITY = "city", _("市")
        DISTRICT = "district", _("区县")

    code = models.CharField(
        _("行政区划代码"), max_length=6, unique=True, validators=[division_code_validator]
    )
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = _("辖区")
        verbose_name_plural = _("辖区")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


# The units whose name is unique in their jurisdiction: all but the party branches under a
# committee (those are unique within it). Look a unit up by name with this filter.
NAMED_IN_JURISDICTION = ~models.Q(kind="party_branch") | models.Q(parent__isnull=True)


class Unit(TimeStamped):
    """A bureau, street office, township, party committee or branch.

    A name is unique in its jurisdiction — except a party branch's, which is unique within
    its parent committee (every committee has a 第一党支部). Party organisations carry their
    member count (``members``); a committee's total is its own plus its branches'."""

    class Kind(models.TextChoices):
        BUREAU = "bureau", _("部门")
        STREET = "street", _("街道")
        TOWNSHIP = "township", _("乡镇")
        PARTY_COMMITTEE = "party_committee", _("党委")
        PARTY_BRANCH = "party_branch", _("党支部")
        OTHER = "other", _("其他")

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="units", db_index=False
    )  # unit_unique_name leads with it
    name = models.CharField(_("单位名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices, default=Kind.OTHER)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Party organisations only: members on the roll of this organisation itself.
    members = models.PositiveIntegerField(_("党员数"), null=True, blank=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["jurisdiction", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name"],
                condition=NAMED_IN_JURISDICTION,
                name="unit_unique_name",
            ),
            models.UniqueConstraint(
                fields=["parent", "name"],
                condition=models.Q(kind="party_branch", parent__isnull=False),
                name="party_branch_unique_name",
            ),
        ]
        indexes = [models.Index(fields=["jurisdiction", "kind"], name="unit_kind")]

    def __str__(self) -> str:
        return self.name


PARTY_KINDS = (Unit.Kind.PARTY_COMMITTEE, Unit.Kind.PARTY_BRANCH)


class Person(TimeStamped):
    """A named person in a jurisdiction; sponsor leaders are people (often named by post)."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="people", db_index=False
    )  # person_unique_name leads with it
    name = models.CharField(_("姓名或职务"), max_length=100)
    title = models.CharField(_("职务"), max_length=200, blank=True)
    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["jurisdiction", "name"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="person_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CITY_OFFICE = "city_office", _("市级专班")
    PROGRAMME_OFFICE = "programme_office", _("区专班（领导小组办公室）")
    UNIT_EDITOR = "unit_editor", _("单位填报员")
    # Signs the unit's reports off before they go to the office (审核后报送); edits as an
    # editor does.
    UNIT_HEAD = "unit_head", _("单位负责人（审核报送）")
    UNIT_VIEWER = "unit_viewer", _("单位查看")
    SPONSOR_LEADER = "sponsor_leader", _("包保领导")
    INSPECTOR = "inspector", _("巡回指导组")
    OPERATOR = "operator", _("接线员")
    # The three administrators kept apart (三员分立, 等保 level 3): one person holds at most
    # one of them (``ADMIN_ROLES``, a unique constraint on Membership), and none of them reads
    # or writes the ledger by holding it.
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


# 系统管理员: accounts and settings; 安全管理员: roles, permissions and keys;
# 审计管理员: reads and exports the audit log, nothing else.
ADMIN_ROLES = (Role.SYSTEM_ADMIN.value, Role.SECURITY_ADMIN.value, Role.AUDIT_ADMIN.value)


class Membership(TimeStamped):
    """A user's role in a jurisdiction, optionally tied to a unit."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", db_index=False
    )  # membership_unique leads with it
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="memberships"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "jurisdiction", "unit", "role"], name="membership_unique"
            ),
            # 三员分立: one administrator role per person, held once.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(role__in=ADMIN_ROLES),
                name="membership_one_admin_role",
                violation_error_message=_(
                    "一个人只能担任系统管理员、安全管理员、审计管理员中的一个"
                ),
            ),
        ]

    def __str__(self) -> str:
        where = self.unit.name if self.unit_id and self.unit else self.jurisdiction.name
        return f"{self.user} · {self.get_role_display()} · {where}"


class ApiToken(TimeStamped):
    """A bearer token for the API; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")

    def __str__(self) -> str:
        return f"{self.user} · {self.name or self.pk}"
