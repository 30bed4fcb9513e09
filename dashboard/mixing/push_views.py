"""Bypass push pages: start a task for a channel, follow it, apply a layout, stop it."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dashboard.core.acting import Page, act, with_request_id
from dashboard.core.cuts import head
from dashboard.live.models import Channel
from dashboard.tenancy.models import Role
from dashboard.tenancy.scoping import TenantScope, tenant_scope

from . import push
from .choice import chosen_layout
from .forms import StartPushForm
from .layouts import LayoutError, from_json
from .models import LayoutTemplate, MixingTask
from .preview import svg


def _task(scope: TenantScope, task_pk: int) -> MixingTask:
    return scope.get(
        MixingTask.objects.select_related("channel__app__vendor_account", "layout_version__template"),
        "channel__app__vendor_account__tenant",
        pk=task_pk,
    )


def _templates(scope: TenantScope) -> QuerySet[LayoutTemplate]:
    return LayoutTemplate.objects.filter(tenant=scope.tenant, versions__isnull=False).distinct()


@require_http_methods(["GET", "POST"])
def push_start(request: HttpRequest, tenant_slug: str, channel_pk: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    channel = scope.get(
        Channel.objects.select_related("app__vendor_account"), "app__vendor_account__tenant", pk=channel_pk
    )
    account = channel.app.vendor_account
    context: dict[str, object] = {"scope": scope, "channel": channel, "account": account}
    context["tasks"] = head(MixingTask.objects.filter(channel=channel), 20)
    options = push.push_options(account.info)
    if options is None:
        context["problem"] = _("%(vendor)s has no bypass push.") % {"vendor": account.vendor_label}
        return render(request, "mixing/push_start.html", context)
    form = StartPushForm(request.POST or None, options=options, templates=_templates(scope))
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["template"].current
        problem = push.stream_url_problem(options, channel, form.cleaned_data["stream_url"]) or push.encoding_problem(
            options, form.cleaned_data["media_encode"], form.cleaned_data["task_profile"], version
        )
        if problem:
            form.add_error(None, problem)
        else:
            return act(
                request,
                lambda: push.start(request.user, channel, version, **form.cleaned_data),
                done=lambda task: _("Push %(task)s started.") % {"task": task.task_id},
                then=lambda task: reverse("mixing:push_detail", args=[scope.tenant.slug, task.pk]),
                page=Page("mixing/push_start.html", context),
                not_sent=(LayoutError,),
            )
    return render(request, "mixing/push_start.html", context)


@require_safe
def push_detail(request: HttpRequest, tenant_slug: str, task_pk: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug)
    task = _task(scope, task_pk)
    layout = from_json(task.layout_version.layout) if task.layout_version else None
    return render(
        request,
        "mixing/push_detail.html",
        {"scope": scope, "task": task, "canvas": svg(layout) if layout else "", "templates": _templates(scope)},
    )


@require_POST
def push_refresh(request: HttpRequest, tenant_slug: str, task_pk: int) -> HttpResponse:
    """Ask the vendor now (a read: viewers may)."""
    scope = tenant_scope(request, tenant_slug)
    task = push.refresh(_task(scope, task_pk))
    if task.check_error:
        messages.error(request, task.check_error)
    return redirect("mixing:push_detail", tenant_slug=scope.tenant.slug, task_pk=task.pk)


@require_http_methods(["GET", "POST"])
def push_apply(request: HttpRequest, tenant_slug: str, task_pk: int) -> HttpResponse:
    """GET: confirm which layout goes to the running task. POST: send it (audited)."""
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    task = _task(scope, task_pk)
    chosen = chosen_layout(scope, request)
    if chosen is None:  # nothing chosen yet: the task page has the choice
        return redirect("mixing:push_detail", tenant_slug=scope.tenant.slug, task_pk=task.pk)
    return act(
        request,
        lambda: push.apply_layout(request.user, task, chosen.version),
        done=lambda request_id: with_request_id(
            _("Layout “%(name)s” applied.") % {"name": chosen.template.name}, request_id
        ),
        then=reverse("mixing:push_detail", args=[scope.tenant.slug, task.pk]),
        page=Page("mixing/push_apply.html", {"scope": scope, "task": task, **chosen.context()}),
        not_sent=(LayoutError,),
    )


@require_http_methods(["GET", "POST"])
def push_stop(request: HttpRequest, tenant_slug: str, task_pk: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    task = _task(scope, task_pk)
    return act(
        request,
        lambda: push.stop(request.user, task),
        done=lambda request_id: with_request_id(_("Push %(task)s stopped.") % {"task": task.task_id}, request_id),
        then=reverse("mixing:push_detail", args=[scope.tenant.slug, task.pk]),
        page=Page("mixing/push_stop.html", {"scope": scope, "task": task}),
    )
