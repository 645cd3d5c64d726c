"""Admin for looking things up; edits of items go through the ledger pages (services)."""

from django.contrib import admin
from django.http import HttpRequest

from shishi.core.admin import AuditedModelAdmin
from shishi.ledger.models import Category, ImportBatch, Item, Programme


@admin.register(Programme)
class ProgrammeAdmin(AuditedModelAdmin):
    list_display = ("name", "jurisdiction", "year")
    list_filter = ("jurisdiction", "year")


@admin.register(Category)
class CategoryAdmin(AuditedModelAdmin):
    list_display = ("name", "programme", "order")
    list_filter = ("programme",)


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "lead_unit", "completion_rate", "lifecycle", "due_date")
    list_filter = ("programme", "lifecycle")
    search_fields = ("name", "number")
    list_select_related = ("lead_unit",)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # writes go through services so they are audited

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = (
        "original_name",
        "jurisdiction",
        "year",
        "status",
        "rows",
        "uploaded_by",
        "confirmed_by",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "jurisdiction")
    readonly_fields = (
        "summary",
        "rows",
        "rows_read",
        "rows_validated",
        "rows_written",
        "started_at",
        "finished_at",
        "error",
    )
