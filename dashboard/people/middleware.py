from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, ResolverMatch, resolve
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from .models import Preferences
from .signon import SIGNED_ON


def user_language_middleware(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """A signed-in user's saved language wins over the browser's; their time zone is used for times.

    override(), not activate(): the choices must not outlive this request in its thread.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = zone = ""
        if user is not None and user.is_authenticated:
            language, zone = saved_preferences(user)
        with (
            timezone.override(ZoneInfo(zone)) if zone else nullcontext(),
            translation.override(language) if language else nullcontext(),
        ):
            if language:
                request.LANGUAGE_CODE = translation.get_language()
            return get_response(request)

    return middleware


PREFERENCES = Preferences._meta.get_field("user").remote_field


def saved_preferences(user: Any) -> tuple[str, str]:
    """The user's language and time zone ("" for none): loaded with the user by the password
    backend (people.backends), read here otherwise (signed on through the identity provider)."""
    instance: Any = getattr(user, "_wrapped", user)  # request.user is a lazy object
    if PREFERENCES.is_cached(instance):
        saved: Preferences | None = PREFERENCES.get_cached_value(instance)  # type: ignore[assignment]
        return (saved.language, saved.time_zone) if saved is not None else ("", "")
    return Preferences.objects.filter(user=instance).values_list("language", "time_zone").first() or ("", "")


def private_pages_middleware(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """Every answer to a signed-in user (pages, fragments, downloads, errors) is `private,
    no-store`: a shared proxy must not keep tenant data, nor the browser's back-forward cache
    once the user has logged out. Static files never get here (WhiteNoise answers them first),
    so they stay cacheable; the login page is already never-cache (Django's login view)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated  # before the view: logout ends it
        response = get_response(request)
        if signed_in or (user is not None and request.user.is_authenticated):
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware


# Where a staff member without two-factor login may still go when it is required.
TWO_FACTOR_EXEMPT = (
    "people:two_factor",
    "people:logout",
    "people:login",
    "people:sso_start",
    "people:sso_callback",
    "ops:healthz",
    "ops:readyz",
)


def staff_two_factor_middleware(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """With STAFF_REQUIRE_TWO_FACTOR, staff who have not logged in with a code are sent to set
    it up (or, if they have a device, to log in again with it) before anything else. Staff who
    signed in through the identity provider are not: its own second factor applies."""

    def middleware(request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.STAFF_REQUIRE_TWO_FACTOR
            and user is not None
            and user.is_authenticated
            and user.is_staff
            and not user.is_verified()
            and not request.session.get(SIGNED_ON)
        ):
            match = request.resolver_match or resolve_quietly(request.path_info)
            if match is None or match.view_name not in TWO_FACTOR_EXEMPT:
                messages.warning(request, _("Staff must log in with two-factor: set it up to go on."))
                return redirect("people:two_factor")
        return get_response(request)

    return middleware


def resolve_quietly(path: str) -> ResolverMatch | None:
    try:
        return resolve(path)
    except Resolver404:
        return None
