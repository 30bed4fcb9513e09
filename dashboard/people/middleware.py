from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from .models import Preferences


def user_language_middleware(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """A signed-in user's saved language wins over the browser's Accept-Language."""

    def middleware(request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = Preferences.objects.filter(user=user).values_list("language", flat=True).first()
            if language:
                # override(), not activate(): the choice must not outlive this request's thread use.
                with translation.override(language):
                    request.LANGUAGE_CODE = translation.get_language()
                    return get_response(request)
        return get_response(request)

    return middleware
