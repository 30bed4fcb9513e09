"""Layout templates: list, editor (new, edit, a preset to start from), versions, restore."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dashboard.core.cuts import Cut, head
from dashboard.core.params import parse_int
from dashboard.core.requests import ConsoleRequest
from dashboard.live.models import Channel, Presence
from dashboard.tenancy.models import Role
from dashboard.tenancy.scoping import TenantScope, tenant_scope
from vendors.base.types import MixLayout, Pane, RenderMode, Rgb, SourceType

from .forms import PaneForms, PaneFormSet, TemplateForm
from .layouts import EDITOR_PRESETS, LayoutError, from_json, preset_layout, to_json
from .models import RUNNING_TASKS, LayoutTemplate, LayoutVersion, MixingTask
from .preview import previews, svg

# How much of each list the editor shows; each says when it is cut (partials/shown_of.html).
CHANNELS_OFFERED = 50
MEMBERS_OFFERED = 500
VERSIONS_SHOWN = 20
RUNNING_SHOWN = 20


@require_safe
def layout_list(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug)
    templates = [
        (template, template.current)
        for template in LayoutTemplate.objects.filter(tenant=scope.tenant).prefetch_related("versions")
    ]
    return render(
        request,
        "mixing/layout_list.html",
        {
            "scope": scope,
            "templates": templates,
            "presets": [(key, label) for key, (label, _b) in EDITOR_PRESETS.items()],
        },
    )


def _layout_from_forms(form: TemplateForm, panes: PaneForms) -> MixLayout:
    kept = [data for data in panes.cleaned_data if data and not data.get("DELETE")]
    modes = {data["render_mode"] for data in kept}
    # One mode for the whole canvas where every pane agrees (what Aliyun's CropMode needs).
    mode = RenderMode(modes.pop()) if len(modes) == 1 else RenderMode.FIT
    return MixLayout(
        tuple(
            Pane(
                x=round(data["x"], 4),
                y=round(data["y"], 4),
                width=round(data["width"], 4),
                height=round(data["height"], 4),
                z=data["z"],
                user_id=data["user_id"].strip() or None,
                source=SourceType(data["source"]),
                render_mode=RenderMode(data["render_mode"]),
                alpha=round(data["alpha"], 4),
            )
            for data in kept
        ),
        background=Rgb.from_hex(form.cleaned_data["background"]),
        crop_mode=mode,
    )


def _initial(layout: MixLayout) -> list[dict[str, object]]:
    return to_json(layout)["panes"]


def _members(scope: TenantScope, request: HttpRequest) -> tuple[Cut[Channel], Cut[str], Channel | None]:
    """The busiest live channels of the tenant to bind members from, and the chosen one's members."""
    live = head(
        Channel.objects.filter(app__vendor_account__tenant=scope.tenant, is_live=True)
        .select_related("app")
        .order_by("-member_count"),
        CHANNELS_OFFERED,
    )
    wanted = parse_int(request.POST.get("channel") or request.GET.get("channel"))
    chosen = next((c for c in live if c.pk == wanted), None)
    members = (
        head(Presence.objects.filter(channel=chosen).values_list("user_id", flat=True), MEMBERS_OFFERED)
        if chosen
        else Cut([], 0)
    )
    return live, members, chosen


def _editor(request: ConsoleRequest, scope: TenantScope, template: LayoutTemplate | None) -> HttpResponse:
    current = template.current if template else None
    if request.method == "POST":
        form = TemplateForm(request.POST)
        panes = PaneFormSet(request.POST, prefix="pane")
        valid = form.is_valid() and panes.is_valid()
        layout = _layout_from_forms(form, panes) if valid else None
        if layout is not None and "save" in request.POST and not form.cleaned_data["name"].strip():
            form.add_error("name", _("Give the layout a name to save it."))
        elif layout is not None and "save" in request.POST:
            saved = _save(request, scope, template, form.cleaned_data["name"].strip(), layout, form)
            if saved is not None:
                messages.success(
                    request,
                    _("Layout “%(name)s” saved as version %(number)d.")
                    % {"name": saved.template.name, "number": saved.number},
                )
                return redirect("mixing:layout_edit", tenant_slug=scope.tenant.slug, template_pk=saved.template.pk)
    else:
        key = request.GET.get("preset", "")
        if key in EDITOR_PRESETS:
            layout = preset_layout(key)
        elif current is not None:
            layout = from_json(current.layout)
        else:
            layout = preset_layout("grid-2")
        form = TemplateForm(
            initial={
                "name": template.name if template else "",
                "background": layout.background.hex,
            }
        )
        panes = PaneFormSet(initial=_initial(layout), prefix="pane")
    live, members, chosen = _members(scope, request)
    can_apply = bool(template and current and scope.can_manage)
    context = {
        "scope": scope,
        "template": template,
        "current": current,
        "form": form,
        "panes": panes,
        "layout": layout,
        "canvas": svg(layout, element_id="layout-canvas") if layout else "",
        "previews": previews(layout) if layout else [],
        "presets": [(key, label) for key, (label, _b) in EDITOR_PRESETS.items()],
        "live_channels": live,
        "members": members,
        "chosen_channel": chosen,
        "versions": head(template.versions.select_related("author"), VERSIONS_SHOWN) if template else Cut([], 0),
        "can_apply": can_apply,
        **(_running(scope) if can_apply else {}),
    }
    return render(request, "mixing/layout_editor.html", context)


def _running(scope: TenantScope) -> dict[str, object]:
    """Running pushes this layout can be applied to (each with its own confirmation); the template
    adds the mixed recordings (recordings' layout_recordings tag)."""
    return {
        "running_pushes": head(
            MixingTask.objects.filter(RUNNING_TASKS, channel__app__vendor_account__tenant=scope.tenant).select_related(
                "channel"
            ),
            RUNNING_SHOWN,
        ),
    }


def _save(
    request: ConsoleRequest,
    scope: TenantScope,
    template: LayoutTemplate | None,
    name: str,
    layout: MixLayout,
    form: TemplateForm,
) -> LayoutVersion | None:
    try:
        with transaction.atomic():
            if template is None:
                template = LayoutTemplate.objects.create(tenant=scope.tenant, name=name)
            elif template.name != name:
                template.name = name
                template.save(update_fields=["name"])
            number = template.next_number()
            return LayoutVersion.objects.create(
                template=template, number=number, layout=to_json(layout), author=request.user
            )
    except IntegrityError:
        form.add_error("name", _("This tenant already has a layout with this name."))
        return None


@require_http_methods(["GET", "POST"])
def layout_new(request: ConsoleRequest, tenant_slug: str) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN if request.method == "POST" else Role.VIEWER)
    return _editor(request, scope, None)


@require_http_methods(["GET", "POST"])
def layout_edit(request: ConsoleRequest, tenant_slug: str, template_pk: int) -> HttpResponse:
    scope = tenant_scope(request, tenant_slug, Role.ADMIN if request.method == "POST" else Role.VIEWER)
    template = scope.get(LayoutTemplate, pk=template_pk)
    return _editor(request, scope, template)


@require_POST
def layout_restore(request: ConsoleRequest, tenant_slug: str, template_pk: int, number: int) -> HttpResponse:
    """An older version becomes the newest, as a new version (history is never rewritten)."""
    scope = tenant_scope(request, tenant_slug, Role.ADMIN)
    template = scope.get(LayoutTemplate, pk=template_pk)
    old = template.versions.filter(number=number).first()
    if old is None:
        messages.error(request, _("There is no version %(number)d.") % {"number": number})
    else:
        try:
            from_json(old.layout)
        except LayoutError as error:
            messages.error(
                request, _("Version %(number)d cannot be restored: %(error)s") % {"number": number, "error": error}
            )
        else:
            new = LayoutVersion.objects.create(
                template=template, number=template.next_number(), layout=old.layout, author=request.user
            )
            messages.success(
                request, _("Version %(old)d restored as version %(new)d.") % {"old": number, "new": new.number}
            )
    return redirect("mixing:layout_edit", tenant_slug=scope.tenant.slug, template_pk=template.pk)
