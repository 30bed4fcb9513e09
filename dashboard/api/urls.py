"""The API's routes, and the console's pages for its tokens."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path
from django.utils.cache import patch_cache_control

from . import views
from .api import api

app_name = "api_tokens"

# Under t/<slug:tenant_slug>/ (dashboard/urls.py): every view here takes the tenant_slug.
tenant_urlpatterns = [
    path("api-tokens/", views.tenant_tokens, name="tenant_tokens"),
    path("api-tokens/<id:token_pk>/revoke/", views.tenant_token_revoke, name="tenant_token_revoke"),
]

# Staff pages over every tenant, in the "staff" namespace (dashboard/urls.py).
staff_urlpatterns = [
    path("api-tokens/", views.staff_tokens, name="api_tokens"),
    path("api-tokens/<id:token_pk>/revoke/", views.staff_token_revoke, name="api_token_revoke"),
]


def _for_tokens(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The API authenticates every call by its token (not a session, so no login redirect),
    and no answer may be kept by a shared cache."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        patch_cache_control(response, private=True, no_store=True)
        return response

    wrapped.login_required = False  # type: ignore[attr-defined]
    return wrapped


def api_urlpatterns() -> list[URLPattern | URLResolver]:
    patterns, _app, _namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = _for_tokens(pattern.callback)
    return patterns
