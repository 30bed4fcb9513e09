"""The single sign-on pages: off (404) until OIDC_RP_CLIENT_ID and OIDC_OP_ISSUER are set.

Sign-on starts at people:sso_start (mozilla-django-oidc's request view: state, nonce, PKCE);
the provider sends the browser back to people:sso_callback, whose state is honoured once. Who
may sign in, and with which roles, is decided by the backend (dashboard/tenancy/signon.py).
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

log = logging.getLogger(__name__)
# Set in the session of someone who signed in through the provider.
SIGNED_ON = "signed_on_with_provider"


def signon_enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID and settings.OIDC_OP_ISSUER)


@login_not_required
@never_cache
@require_safe
def sso_start(request: HttpRequest) -> HttpResponse:
    if not signon_enabled():
        raise Http404
    response: HttpResponse = OIDCAuthenticationRequestView.as_view()(request)
    return response


class CallbackView(OIDCAuthenticationCallbackView):
    """mozilla-django-oidc's callback: a refused token, state or provider answer is a message on
    the login page (and a warning in the log), never an error page."""

    @property
    def failure_url(self) -> str:
        return reverse("people:login")

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            response: HttpResponse = super().get(request)
        except (SuspiciousOperation, requests.RequestException) as error:
            log.warning("single sign-on refused: %s", error)
            return self.login_failure()
        return response

    def login_failure(self) -> HttpResponse:
        messages.error(
            self.request,
            _("Signing in with %(provider)s did not succeed. Try again, or ask support staff for access.")
            % {"provider": provider_name()},
        )
        response: HttpResponse = super().login_failure()
        return response

    def login_success(self) -> HttpResponse:
        response: HttpResponse = super().login_success()
        self.request.session[SIGNED_ON] = True
        return response


@login_not_required
@never_cache
@require_safe
def sso_callback(request: HttpRequest) -> HttpResponse:
    if not signon_enabled():
        raise Http404
    response: HttpResponse = CallbackView.as_view()(request)
    return response


def provider_name() -> str:
    return settings.OIDC_PROVIDER_NAME or _("your organisation's sign-in")


def provider_logout_url(request: HttpRequest, id_token: str) -> str | None:
    """RP-initiated logout: the provider ends its session too, then sends the browser back to
    the login page (register that address with the provider as a post-logout redirect URI)."""
    if not (signon_enabled() and settings.OIDC_OP_LOGOUT_ENDPOINT and id_token):
        return None
    query = {
        "id_token_hint": id_token,
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("people:login")),
    }
    return f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{urlencode(query)}"
