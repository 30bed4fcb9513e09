from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, User


class PasswordBackend(ModelBackend):
    """Django's password check, except for staff when STAFF_PASSWORD_LOGIN is off: they sign in
    through the identity provider only (its password policy and second factor), everywhere a
    password is asked (the login page, the admin site's own login)."""

    def user_can_authenticate(self, user: User | AnonymousUser | None) -> bool:
        if getattr(user, "is_staff", False) and not settings.STAFF_PASSWORD_LOGIN:
            return False
        return super().user_can_authenticate(user)

    def get_user(self, user_id: int | str) -> User | None:
        """The signed-in user of each request, with their preferences in the same query
        (people.middleware reads them on every page)."""
        try:
            user = get_user_model()._default_manager.select_related("preferences").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
