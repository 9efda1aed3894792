from django.contrib import admin

from .models import ApiToken, AuditEvent, Invitation, Membership, Notification, UserPreferences


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "partner", "role", "restricted", "created_at")
    list_filter = ("role", "restricted")
    search_fields = ("user__email", "partner__name")
    autocomplete_fields = ("user", "partner")


@admin.register(UserPreferences)
class UserPreferencesAdmin(admin.ModelAdmin):
    list_display = ("user", "language")
    list_filter = ("language",)
    search_fields = ("user__email",)
    autocomplete_fields = ("user",)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "partner", "role", "status", "created_at", "expires_at")
    list_filter = ("status", "role")
    search_fields = ("email", "partner__name")
    autocomplete_fields = ("partner",)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The trail is evidence: readable, never edited."""

    list_display = ("created_at", "partner", "actor", "action", "target")
    list_filter = ("action",)
    search_fields = ("target", "partner__name", "actor__email")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """What the portal told each member: readable for support, written only by the portal."""

    list_display = ("created_at", "partner", "user", "kind", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("user__email", "partner__name", "key")
    list_select_related = ("partner", "user")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Made only by their member (access.services.api_token_create shows the secret once): here they are
    looked at, and revoked by setting ``revoked_at``."""

    list_display = ("name", "membership", "created_at", "last_used_at", "expires_at", "revoked_at")
    search_fields = ("name", "prefix", "membership__user__email", "membership__partner__name")
    readonly_fields = ("membership", "name", "prefix", "scopes", "created_by", "created_at", "last_used_at")
    exclude = ("secret_hash",)

    def has_add_permission(self, request):
        return False
