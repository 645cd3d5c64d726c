from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from shishi.core.admin import AuditedModelAdmin
from shishi.orgs.models import ApiToken, Jurisdiction, Membership, Person, Unit, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["jurisdiction", "unit"]


@admin.register(User)
class UserAdmin(AuditedModelAdmin, BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        ("shishi", {"fields": ("display_name",)}),
    )
    list_display = ("username", "display_name", "is_active", "is_staff", "last_login")
    search_fields = ("username", "display_name")
    inlines = [MembershipInline]


@admin.register(Jurisdiction)
class JurisdictionAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "level", "parent")
    search_fields = ("code", "name")
    list_filter = ("level",)


@admin.register(Unit)
class UnitAdmin(AuditedModelAdmin):
    list_display = ("name", "kind", "jurisdiction", "parent")
    search_fields = ("name",)
    list_filter = ("jurisdiction", "kind")
    autocomplete_fields = ["parent"]


@admin.register(Person)
class PersonAdmin(AuditedModelAdmin):
    list_display = ("name", "title", "jurisdiction", "user")
    search_fields = ("name", "title")
    list_filter = ("jurisdiction",)
    autocomplete_fields = ["user"]


@admin.register(Membership)
class MembershipAdmin(AuditedModelAdmin):
    list_display = ("user", "role", "jurisdiction", "unit")
    list_filter = ("role", "jurisdiction")
    search_fields = ("user__username", "user__display_name", "unit__name")
    autocomplete_fields = ["user", "jurisdiction", "unit"]


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedModelAdmin):
    list_display = ("user", "name", "created_at", "last_used_at")
    readonly_fields = ("key_hash", "last_used_at")
    search_fields = ("user__username", "name")
