from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from .models import Preferences


def user_language_middleware(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """A signed-in user's saved language wins over the browser's; their time zone is used for times.

    override(), not activate(): the choices must not outlive this request in its thread.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = zone = ""
        if user is not None and user.is_authenticated:
            language, zone = Preferences.objects.filter(user=user).values_list("language", "time_zone").first() or (
                "",
                "",
            )
        with (
            timezone.override(ZoneInfo(zone)) if zone else nullcontext(),
            translation.override(language) if language else nullcontext(),
        ):
            if language:
                request.LANGUAGE_CODE = translation.get_language()
            return get_response(request)

    return middleware
