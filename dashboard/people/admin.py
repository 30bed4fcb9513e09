from django.contrib import admin
from django.http import HttpRequest

from .models import SignOnIdentity


@admin.register(SignOnIdentity)
class SignOnIdentityAdmin(admin.ModelAdmin):
    """Who signs in through the identity provider as whom. Made by sign-on only; deleting one
    lets the next sign-on of that subject make a new account."""

    list_display = ["user", "subject", "issuer", "created_at"]
    search_fields = ["user__username", "subject"]
    readonly_fields = ["user", "issuer", "subject", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SignOnIdentity | None = None) -> bool:
        return False
