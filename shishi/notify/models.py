"""Messages and their deliveries, people's contact details and choices, group robots.

One ``notify()`` call (a *notice*) writes one ``Message`` per recipient (the inbox entry; a
robot's message has a hook instead of a user) and one ``Delivery`` per message and channel
beyond the inbox (e-mail, SMS, the robot's webhook). Deliveries are the delivery log: the
worker moves them queued → sending → sent / delivered / failed / unknown.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shishi.core.fields import LookupHashField, PhoneField
from shishi.core.models import TimeStamped
from shishi.orgs.models import Jurisdiction, Unit


class Channel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    WECOM = "wecom", _("企业微信群")
    DINGTALK = "dingtalk", _("钉钉群")


# Channels a person chooses per kind (the inbox is always on; robots belong to groups).
PERSONAL_CHANNELS = (Channel.EMAIL, Channel.SMS)
ROBOT_CHANNELS = (Channel.WECOM, Channel.DINGTALK)


class Contact(TimeStamped):
    """A person's phone (encrypted, with a keyed hash to find it) and delivery settings.

    The e-mail address is the account's (``User.email``). No row: no phone, default settings.
    """

    class Digest(models.TextChoices):
        IMMEDIATE = "immediate", _("逐条发送")
        DAILY = "daily", _("每日汇总")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # The mobile number (core.fields: a PersonalNumber, encrypted in the column; its keyed
    # hash set on save). Deliveries copy its ciphertext (``.token()``) as their address.
    phone_encrypted = PhoneField(blank=True)
    phone_hash = LookupHashField(source="phone_encrypted")
    phone_masked = models.CharField(max_length=20, blank=True)
    quiet_start = models.TimeField(_("免打扰开始"), null=True, blank=True, default=dt.time(22))
    quiet_end = models.TimeField(_("免打扰结束"), null=True, blank=True, default=dt.time(7))
    email_digest = models.CharField(
        _("邮件"), max_length=16, choices=Digest.choices, default=Digest.IMMEDIATE
    )
    language = models.CharField(_("消息语言"), max_length=16, default="zh-hans")

    class Meta:
        verbose_name = _("联系方式")
        verbose_name_plural = _("联系方式")

    def __str__(self) -> str:
        return f"{self.user_id} {self.phone_masked}"


class Preference(models.Model):
    """The channels a person chose for one kind of message (besides the inbox)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notify_preferences",
        db_index=False,
    )  # preference_unique leads with it
    kind = models.CharField(max_length=64)
    channels = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("消息偏好")
        verbose_name_plural = _("消息偏好")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notify_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.channels}"


class RobotHook(TimeStamped):
    """A WeCom or DingTalk group robot of a district (``unit`` empty) or of one unit."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # notify_hook_scope leads with it
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="robot_hooks"
    )
    kind = models.CharField(
        _("类型"), max_length=16, choices=[(c.value, c.label) for c in ROBOT_CHANNELS]
    )
    name = models.CharField(_("名称"), max_length=100)
    url_encrypted = models.TextField()
    url_masked = models.CharField(max_length=300, blank=True)
    secret_encrypted = models.TextField(blank=True)  # DingTalk's signing secret
    active = models.BooleanField(_("启用"), default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        indexes = [
            models.Index(fields=["jurisdiction", "unit", "active"], name="notify_hook_scope")
        ]

    def __str__(self) -> str:
        return self.name


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class Message(models.Model):
    """One notice for one recipient: a user (their inbox entry) or a group robot."""

    notice = models.CharField(max_length=32)  # the notify() call that wrote it
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notify_messages",
        db_index=False,
    )  # notify_inbox leads with it
    hook = models.ForeignKey(
        RobotHook, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=64)
    urgency = models.CharField(max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    context = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=16, default="zh-hans")
    text = models.TextField(blank=True)  # the inbox text, rendered in the recipient's language
    link = models.CharField(max_length=500, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notify_unread"),
            models.Index(fields=["recipient", "-created_at", "-id"], name="notify_inbox"),
            models.Index(fields=["notice"], name="notify_notice"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=Q(recipient__isnull=False) & ~Q(dedupe_key=""),
                name="notify_message_dedupe_user",
            ),
            models.UniqueConstraint(
                fields=["hook", "dedupe_key"],
                condition=Q(hook__isnull=False) & ~Q(dedupe_key=""),
                name="notify_message_dedupe_hook",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=True) ^ Q(hook__isnull=True),
                name="notify_message_one_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id or self.hook_id}"


class Status(models.TextChoices):
    QUEUED = "queued", _("排队")
    DIGEST = "digest", _("待汇总")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("失败")
    UNKNOWN = "unknown", _("结果未知")


class Delivery(models.Model):
    """One message on one channel: the delivery log's row and the worker's unit of work.

    ``key`` (``<message id>:<channel>``) is the idempotency key the channel passes on where
    its service takes one. ``address_encrypted`` holds the e-mail address or phone number as
    it was when the notice was written (robots read their hook's URL).
    """

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )  # notify_rate leads with it
    hook = models.ForeignKey(
        RobotHook, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )  # notify_pacing leads with it
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )  # notify_log leads with it
    kind = models.CharField(max_length=64)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    urgent = models.BooleanField(default=False)
    address_encrypted = models.TextField(blank=True)
    address_masked = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    handed_at = models.DateTimeField(null=True, blank=True)  # given to the worker
    claim = models.CharField(max_length=32, blank=True)  # the batch that last took it
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notify_due"),
            models.Index(fields=["claim"], name="notify_claim"),
            models.Index(fields=["jurisdiction", "-created_at", "-id"], name="notify_log"),
            models.Index(fields=["-created_at", "-id"], name="notify_log_all"),
            models.Index(fields=["recipient", "channel", "created_at"], name="notify_rate"),
            models.Index(fields=["hook", "last_attempt_at"], name="notify_pacing"),
            models.Index(
                fields=["provider_id"], name="notify_provider", condition=~Q(provider_id="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.status}"
