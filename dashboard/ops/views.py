"""Liveness, readiness, and the staff page about jobs."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import health


@login_not_required  # probes carry no session
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches nothing else, so a slow database never gets
    a healthy web process restarted."""
    return JsonResponse({"status": "ok"})


@login_not_required  # probes carry no session; details need staff or the token
@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: database, job engine, scheduler heartbeat, oldest waiting job. 503 if any fails.

    Anyone gets the verdict; what was checked (database kind, queue depth, heartbeat age) only
    staff and probes sending `Authorization: Bearer <HEALTH_TOKEN>`."""
    checks = health.readiness()
    ready = all(check.ok for check in checks)
    body: dict[str, object] = {"status": "ready" if ready else "not ready"}
    if may_see_details(request):
        body["checks"] = {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}
    return JsonResponse(body, status=200 if ready else 503)


def may_see_details(request: HttpRequest) -> bool:
    if request.user.is_authenticated and request.user.is_staff:
        return True
    token = settings.HEALTH_TOKEN
    scheme, _space, sent = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and constant_time_compare(sent.strip(), token)


@require_safe
def jobs_page(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied
    now = timezone.now()
    hour = health.throughput(now - timedelta(hours=1))
    day = {row.name: row for row in health.throughput(now - timedelta(days=1))}
    context = {
        "checks": health.readiness(),
        "depth": health.queue_depth(),
        "oldest": health.oldest_pending_age(now),
        "hour": hour,
        "day": day,
        "names": sorted(set(day) | {row.name for row in hour}),
        "hour_by_name": {row.name: row for row in hour},
        "failed_hour": sum(row.failed for row in hour),
        "completed_hour": sum(row.completed for row in hour),
    }
    return render(request, "ops/jobs.html", context)
