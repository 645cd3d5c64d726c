from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import HttpRequest

from shishi.core.models import AuditCheckpoint, AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written by services and never edited."""

    list_display = ("seq", "created_at", "actor_name", "action", "target_type", "target_repr")
    list_filter = ("action", "target_type")
    search_fields = ("target_repr", "actor_name", "target_id")
    date_hierarchy = "created_at"
    # The account may have been removed since: shown by id then, never looked up blindly.
    exclude = ("actor",)
    readonly_fields = ("actor_account",)

    @admin.display(description="操作账号")
    def actor_account(self, event: AuditEvent) -> str:
        if event.actor_id is None:
            return "-"
        account = get_user_model().objects.filter(pk=event.actor_id).first()
        return str(account) if account else f"#{event.actor_id}（账号已删除）"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(admin.ModelAdmin):
    """Read-only: checkpoints are signed by the audit key and only ever added."""

    list_display = ("seq", "created_at", "hash", "key_id", "algorithm", "notified_at")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
