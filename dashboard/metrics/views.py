"""/metrics for Prometheus: a bearer token (METRICS_TOKEN) or an address allow-list
(METRICS_ALLOWED_ADDRESSES); off (404) until one of them is set."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from .calls import flush
from .collect import ConsoleCollector


@login_not_required  # Prometheus carries no session: the token or its address lets it in
@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not (settings.METRICS_TOKEN or settings.METRICS_ALLOWED_ADDRESSES):
        raise Http404
    if not (token_matches(request) or address_allowed(request)):
        raise PermissionDenied
    flush()  # this process's own calls, so far, are in the totals it reads
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ConsoleCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def token_matches(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _space, sent = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and constant_time_compare(sent.strip(), token)


def address_allowed(request: HttpRequest) -> bool:
    """REMOTE_ADDR only (never a forwarded header a client could write): behind a proxy, that
    is the proxy's address, so use the token there."""
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(allowed, strict=False) for allowed in settings.METRICS_ALLOWED_ADDRESSES)
