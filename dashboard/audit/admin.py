from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: entries cannot be added, edited or deleted from any page."""

    list_display = ["created_at", "actor_name", "tenant_name", "action", "target", "outcome", "vendor_request_id"]
    list_filter = ["outcome", "action"]
    search_fields = ["actor_name", "target", "vendor_request_id"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
