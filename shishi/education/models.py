"""Party-history study and publicity (issue 19, being built; docs/education.md).

This first part holds the red landmarks (红色地标): places with WGS-84 coordinates (converted
for the map shown by ``core.geo``), themed routes through them, public check-ins without a
login and the words a nickname shown in public may not contain. Study activities, campaign
targets, party organisations and publicity come next.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shishi.core.models import TimeStamped
from shishi.orgs.models import Jurisdiction


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
