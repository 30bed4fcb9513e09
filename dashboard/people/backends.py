from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, User

from dashboard.core.prepared import prepared

# Read on every request: compiled once (dashboard/core/prepared.py).
_USER_WITH_PREFERENCES = prepared(
    lambda pk: get_user_model()._default_manager.select_related("preferences").filter(pk=pk)
)


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
        found = _USER_WITH_PREFERENCES.instances(get_user_model()._meta.pk.to_python(user_id))
        user = found[0] if found else None
        return user if user is not None and self.user_can_authenticate(user) else None
