"""Core models: the shared base for domain rows and the hash-chained audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    """Every domain row carries when it was created and last changed."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class AuditChainHead(models.Model):
    """One row holding the chain's last hash; locked while an event is appended."""

    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self) -> str:
        return f"#{self.seq} {self.last_hash[:12]}"


class AuditEvent(models.Model):
    """One change made through a service: who, when, what, old → new values.

    ``hash`` = HMAC(key ``key_id``, prev_hash + canonical JSON of the event), with a key kept
    outside the database (``shishi.core.auditkeys``), so any edit or deletion of a past event
    breaks the chain and nobody without the key can seal a forged one
    (``shishi.core.audit.verify_chain``). Events from before keys (``key_id`` "", algorithm
    ``sha256``) carry a bare sha256; the first checkpoint after the upgrade seals them.
    """

    seq = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(db_index=True)
    # The acting account, as a fact of the event: its id is hashed with the event, so
    # removing the account must leave it as it is (no SET NULL, no constraint to stop the
    # removal); ``actor_name`` keeps the name the account had.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=300, blank=True)
    jurisdiction_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    key_id = models.CharField(max_length=32, blank=True, default="")  # "": legacy sha256
    algorithm = models.CharField(max_length=16, default="sha256")  # hmac-sha256, hmac-sm3

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        indexes = [models.Index(fields=["target_type", "target_id", "seq"], name="audit_target")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_type}:{self.target_id}"


class AuditCheckpoint(models.Model):
    """The chain's head at a moment, signed with the audit key (``core.checkpoints``).

    Written by the daily job and ``shishi audit_checkpoint`` here, to an append-only file
    (``SHISHI_AUDIT_CHECKPOINT_DIR``) and to the offices' inbox and e-mail: copies outside
    the database that whoever edits the database cannot rewrite. ``verify_audit`` holds the
    chain to them, which catches dropped last events and a rewound head.
    """

    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)
    key_id = models.CharField(max_length=32)
    algorithm = models.CharField(max_length=16)
    signature = models.CharField(max_length=64)
    notified_at = models.DateTimeField(null=True, blank=True)  # sent to the offices

    class Meta:
        verbose_name = _("审计检查点")
        verbose_name_plural = _("审计检查点")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]} {self.created_at:%Y-%m-%d %H:%M}"


class LoginThrottle(models.Model):
    """Failed logins counted per account or per client address (``core.throttle``).

    ``key`` is a keyed hash of the account's name or the address, so the table holds
    neither. Shared by every server process through the database: a login already costs a
    password hash, next to which this row's read and write are nothing.
    """

    class Kind(models.TextChoices):
        ACCOUNT = "account", _("账号")
        ADDRESS = "address", _("地址")

    key = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    failures = models.PositiveIntegerField(default=0)  # in the window since window_start
    window_start = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    lockouts = models.PositiveSmallIntegerField(default=0)  # in a row: each lock doubles
    # An account's row: the key of the address of its last successful login, which the
    # account's lock does not stop (that address still has its own limit).
    trusted = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("登录限制")
        verbose_name_plural = _("登录限制")

    def __str__(self) -> str:
        return f"{self.kind} {self.key[:12]}"
