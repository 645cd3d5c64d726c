from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models, router
from django.db.models.deletion import Collector
from django.http import HttpRequest

from shishi.core import audit, replay
from shishi.core.models import AuditCheckpoint, AuditEvent
from shishi.core.pii import mask_email

# Never recorded, even as a change: a password hash is a secret.
_SECRET_FIELDS = ("password",)


class AuditedModelAdmin(admin.ModelAdmin):
    """Changes made on the admin site are audit events like the services' own: the system
    administrator's acts are audited (三员分立), and ``verify_audit``'s replay sees the new
    values (``admin.add`` / ``admin.change`` with old → new of each changed field;
    ``admin.delete`` for the row and every audited row deleted with it)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _record_save(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Inline rows (a user's memberships) are audited as their own rows."""
        doomed = [f.instance for f in formset.deleted_forms if f.instance.pk is not None]
        _record_deletion(request, doomed)
        super().save_formset(request, form, formset, change)
        added = {id(o) for o in formset.new_objects}
        changed = {id(o) for o, _fields in formset.changed_objects}
        for inline_form in formset.forms:
            obj = inline_form.instance
            if obj.pk is not None and id(obj) in added | changed:
                _record_save(request, obj, inline_form, change=id(obj) in changed)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        _record_deletion(request, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        _record_deletion(request, list(queryset))
        super().delete_queryset(request, queryset)


def _record_save(request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
    """An ``admin.add`` / ``admin.change`` event: old → new of each changed column."""
    changes: dict[str, list[Any]] = {}
    for name in form.changed_data:
        try:
            field = obj._meta.get_field(name)
        except Exception:  # a form-only field (e.g. a password pair)
            continue
        if field.many_to_many or not field.concrete or name in _SECRET_FIELDS:
            continue
        old = form.initial.get(name) if change else None
        new = getattr(obj, field.attname)
        if isinstance(field, models.EmailField):
            old, new = mask_email(old or ""), mask_email(new or "")
        changes[field.attname] = [old, new]
    if changes or not change:
        audit.record(
            actor=request.user,
            action="admin.change" if change else "admin.add",
            target=obj,
            changes=changes,
            jurisdiction_id=_jurisdiction_of(obj),
        )


def _jurisdiction_of(obj: Any) -> int | None:
    value = getattr(obj, "jurisdiction_id", None)
    return value if isinstance(value, int) else None


def _record_deletion(request: HttpRequest, objs: list[Any]) -> None:
    """An ``admin.delete`` event for each object and each audited row deleted with it."""
    if not objs:
        return
    audited = replay.discover()
    collector = Collector(using=router.db_for_write(type(objs[0])))
    collector.collect(objs)
    gone: list[Any] = []
    for model, instances in collector.data.items():
        if model._meta.label_lower in audited or model is type(objs[0]):
            gone += list(instances)
    for qs in collector.fast_deletes:
        if qs.model._meta.label_lower in audited:
            gone += list(qs)
    audit.record_many(
        actor=request.user,
        entries=[audit.entry_for("admin.delete", o, {}, _jurisdiction_of(o)) for o in gone],
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never added, changed or deleted on the admin site (the audit trail)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
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


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    """Read-only: checkpoints are signed by the audit key and only ever added."""

    list_display = ("seq", "created_at", "hash", "key_id", "algorithm", "notified_at")
    date_hierarchy = "created_at"
