"""Party-history study, red landmarks and publicity (issue 19; docs/education.md).

- Study activities (五学: the five ways) entered by units and reviewed by the office, each
  optionally on a line of the 十百千万 campaign, whose targets (``CampaignTarget``) fill up
  from the approved activities.
- Red landmarks (红色地标): places with WGS-84 coordinates (converted for the map shown by
  ``core.geo``), themed routes through them, public check-ins without a login and the words
  a nickname shown in public may not contain.
- Publicity: channels (official accounts, Weibo, apps, LED screens), their columns, posts
  with views, and media reports by level.

Party organisations (committees, branches) are ``orgs.Unit`` rows of kinds
``party_committee`` and ``party_branch`` with ``members``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shishi.core.models import TimeStamped
from shishi.orgs.models import Jurisdiction, Unit, User


class Landmark(TimeStamped):
    """A red landmark of a district. Coordinates are WGS-84 (as GPS gives them); a page shows
    them in its map's datum (``core.geo.wgs84_to``). ``check_ins`` counts every check-in
    kept (a conditional increment with each), so the open data reads no other table."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # landmark_order leads with it
    name = models.CharField(_("名称"), max_length=200)
    address = models.CharField(_("地址"), max_length=300)
    lat = models.DecimalField(_("纬度（WGS-84）"), max_digits=9, decimal_places=6, null=True)
    lon = models.DecimalField(_("经度（WGS-84）"), max_digits=9, decimal_places=6, null=True)
    description = models.TextField(_("简介"), blank=True)
    opening_hours = models.CharField(_("开放时间"), max_length=200, blank=True)
    # A sample the demo adds until the office imports its own list (shown as 示例).
    is_sample = models.BooleanField(_("示例"), default=False)
    is_active = models.BooleanField(_("开放打卡"), default=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    check_ins = models.PositiveIntegerField(_("打卡次数"), default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("红色地标")
        verbose_name_plural = _("红色地标")
        ordering = ["jurisdiction", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="landmark_name")
        ]
        indexes = [models.Index(fields=["jurisdiction", "order", "id"], name="landmark_order")]

    def __str__(self) -> str:
        return self.name


def landmark_photo_path(instance: LandmarkPhoto, filename: str) -> str:
    return f"education/landmarks/{instance.landmark_id}/{filename}"


class LandmarkPhoto(TimeStamped):
    landmark = models.ForeignKey(Landmark, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("照片"), upload_to=landmark_photo_path, max_length=300)
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("地标照片")
        verbose_name_plural = _("地标照片")
        ordering = ["landmark", "order", "id"]

    def __str__(self) -> str:
        return self.caption or str(self.image)


class Route(TimeStamped):
    """A themed route: landmarks in order (``RouteStop``)."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("线路名称"), max_length=200)
    description = models.TextField(_("线路介绍"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("主题线路")
        verbose_name_plural = _("主题线路")
        ordering = ["jurisdiction", "name"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "name"], name="route_name")]

    def __str__(self) -> str:
        return self.name


class RouteStop(models.Model):
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="stops")
    landmark = models.ForeignKey(Landmark, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("线路站点")
        verbose_name_plural = _("线路站点")
        ordering = ["route", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["route", "landmark"], name="route_stop_once")
        ]

    def __str__(self) -> str:
        return f"{self.route_id}:{self.order}"


class CheckIn(models.Model):
    """One check-in at a landmark, without a login. ``who`` is the person as the form names
    them — ``n:<nickname>`` or ``p:<last four digits>`` — and a person checks in once per
    landmark per day (``check_in_once``, which also settles two taps at once). ``client`` is
    a keyed hash of the client's address (for the per-client limit's audit, never the
    address itself)."""

    landmark = models.ForeignKey(Landmark, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    who = models.CharField(max_length=40)
    nickname = models.CharField(_("昵称"), max_length=20, blank=True)  # shown in public
    group = models.CharField(_("团队"), max_length=50, blank=True)  # e.g. a branch's name
    client = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("打卡")
        verbose_name_plural = _("打卡")
        constraints = [
            models.UniqueConstraint(fields=["landmark", "day", "who"], name="check_in_once")
        ]
        indexes = [models.Index(fields=["landmark", "group", "day"], name="check_in_group")]

    def __str__(self) -> str:
        return f"{self.landmark_id} {self.day} {self.who}"


class SensitiveWord(models.Model):
    """A word a nickname shown in public may not contain (the office keeps the list)."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="+")
    word = models.CharField(_("敏感词"), max_length=50)

    class Meta:
        verbose_name = _("敏感词")
        verbose_name_plural = _("敏感词")
        ordering = ["jurisdiction", "word"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "word"], name="sensitive_word_once")
        ]

    def __str__(self) -> str:
        return self.word


# --- study activities and the 十百千万 campaign ----------------------------------------------


class StudyKind(models.TextChoices):
    """The five ways of study (五学)."""

    SELF = "self", _("潜心自学")
    GROUP = "group", _("集中研学")
    ONLINE = "online", _("线上悟学")
    VISIT = "visit", _("参观见学")
    CARRIER = "carrier", _("载体促学")


class CampaignLine(models.TextChoices):
    """The lines of the 十百千万 campaign. What a line counts is ``campaign.MEASURES``: the
    distinct speakers of its approved activities (experts, secretaries, veterans) or their
    participants (visits)."""

    EXPERT_TOUR = "expert_tour", _("十名专家巡回宣讲")
    SECRETARY_LECTURE = "secretary_lecture", _("百名书记讲党课")
    VETERAN_STORY = "veteran_story", _("千名老党员讲红色故事")
    BASE_VISIT = "base_visit", _("万名党员群众走进红色教育基地")


class StudyActivity(TimeStamped):
    """One study activity, entered by a unit (often a party organisation) and reviewed by the
    office: only approved ones count towards the campaign and the figures."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已通过")
        RETURNED = "returned", _("已退回")

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # study_activity_day leads with it
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("组织单位")
    )
    kind = models.CharField(_("学习方式"), max_length=16, choices=StudyKind.choices)
    line = models.CharField(_("十百千万"), max_length=24, choices=CampaignLine.choices, blank=True)
    title = models.CharField(_("活动名称"), max_length=200)
    speaker = models.CharField(_("主讲人"), max_length=100, blank=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    held_on = models.DateField(_("活动日期"))
    participants = models.PositiveIntegerField(_("参加人数"), default=0)
    # Optional list of who took part, one name a line (not personal data beyond a name).
    participant_names = models.TextField(_("参加人员名单"), blank=True)
    # A visit to one of the district's red landmarks (参观见学 / base visits).
    landmark = models.ForeignKey(
        Landmark, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.TextField(_("活动简介"), blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("学习活动")
        verbose_name_plural = _("学习活动")
        ordering = ["jurisdiction", "-held_on", "-id"]
        indexes = [
            models.Index(fields=["jurisdiction", "held_on"], name="study_activity_day"),
            models.Index(fields=["jurisdiction", "line", "status"], name="study_activity_line"),
        ]

    def __str__(self) -> str:
        return self.title


def study_photo_path(instance: StudyPhoto, filename: str) -> str:
    return f"education/activities/{instance.activity_id}/{filename}"


class StudyPhoto(TimeStamped):
    activity = models.ForeignKey(StudyActivity, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("照片"), upload_to=study_photo_path, max_length=300)
    caption = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("活动照片")
        verbose_name_plural = _("活动照片")
        ordering = ["activity", "id"]

    def __str__(self) -> str:
        return self.caption or str(self.image)


class CampaignTarget(TimeStamped):
    """A 十百千万 target for a year: the district's (``unit`` empty) or one organisation's
    (a committee's target counts the activities of its branches too)."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # campaign_target_once leads with it
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    line = models.CharField(_("十百千万"), max_length=24, choices=CampaignLine.choices)
    target = models.PositiveIntegerField(_("目标"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("十百千万目标")
        verbose_name_plural = _("十百千万目标")
        ordering = ["jurisdiction", "year", "unit", "line"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year", "line", "unit"], name="campaign_target_once"
            ),
            models.UniqueConstraint(
                fields=["jurisdiction", "year", "line"],
                condition=models.Q(unit__isnull=True),
                name="campaign_target_district_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.line} {self.target}"


# --- publicity ---------------------------------------------------------------------------


class Channel(TimeStamped):
    """A publicity channel: an official account, a Weibo account, an app, a group of LED
    screens (``screens`` of them) or a website."""

    class Kind(models.TextChoices):
        WECHAT = "wechat", _("微信公众号")
        WEIBO = "weibo", _("微博")
        APP = "app", _("客户端")
        VIDEO = "video", _("短视频号")
        LED = "led", _("LED屏")
        WEBSITE = "website", _("网站")
        OTHER = "other", _("其他")

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # channel_name leads with it
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("主办单位"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=200)
    account = models.CharField(_("账号"), max_length=100, blank=True)
    screens = models.PositiveIntegerField(_("屏幕数"), default=0)  # LED screens only
    is_active = models.BooleanField(_("启用"), default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("宣传阵地")
        verbose_name_plural = _("宣传阵地")
        ordering = ["jurisdiction", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="channel_name")
        ]

    def __str__(self) -> str:
        return self.name


class Column(TimeStamped):
    """A column of a channel, e.g. 学党史·办实事."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="columns")
    name = models.CharField(_("栏目名称"), max_length=100)
    opened_on = models.DateField(_("开设日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("栏目")
        verbose_name_plural = _("栏目")
        ordering = ["channel", "name"]
        constraints = [models.UniqueConstraint(fields=["channel", "name"], name="column_name")]

    def __str__(self) -> str:
        return self.name


class Post(TimeStamped):
    """A post on a channel (in a column or not), with its views as entered or imported.
    (channel, title, date) identifies a post, so a re-import updates its views."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="posts")
    column = models.ForeignKey(
        Column, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    title = models.CharField(_("标题"), max_length=300)
    published_on = models.DateField(_("发布日期"))
    link = models.URLField(_("链接"), max_length=500, blank=True)
    views = models.PositiveIntegerField(_("阅读量"), default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("稿件")
        verbose_name_plural = _("稿件")
        ordering = ["channel", "-published_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "title", "published_on"], name="post_once")
        ]
        indexes = [models.Index(fields=["published_on"], name="post_day")]

    def __str__(self) -> str:
        return self.title


class MediaLevel(models.TextChoices):
    CENTRAL = "central", _("中央级")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")
    DISTRICT = "district", _("区级")


class MediaReport(TimeStamped):
    """A report on the district's work in an outside outlet, by the outlet's level."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # media_report_day leads with it
    outlet = models.CharField(_("媒体"), max_length=100)
    level = models.CharField(_("级别"), max_length=16, choices=MediaLevel.choices)
    title = models.CharField(_("标题"), max_length=300)
    published_on = models.DateField(_("刊发日期"))
    link = models.URLField(_("链接"), max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("媒体报道")
        verbose_name_plural = _("媒体报道")
        ordering = ["jurisdiction", "-published_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "outlet", "title", "published_on"],
                name="media_report_once",
            )
        ]
        indexes = [models.Index(fields=["jurisdiction", "published_on"], name="media_report_day")]

    def __str__(self) -> str:
        return self.title
