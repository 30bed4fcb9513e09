"""Which saved layout a running push or recording is to take, as the confirmation page shows it."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest

from dashboard.core.params import parse_int
from dashboard.tenancy.scoping import TenantScope

from .layouts import from_json
from .models import LayoutTemplate, LayoutVersion
from .preview import svg


@dataclass(frozen=True)
class ChosenLayout:
    template: LayoutTemplate
    version: LayoutVersion
    canvas: str  # the layout drawn as SVG

    def context(self) -> dict[str, object]:
        return {"template": self.template, "version": self.version, "canvas": self.canvas}


def chosen_layout(scope: TenantScope, request: HttpRequest) -> ChosenLayout | None:
    """The tenant's saved layout named by `template` (POST or GET); None when none is named,
    404 for another tenant's or one never saved."""
    chosen = parse_int(request.POST.get("template") or request.GET.get("template"))
    if chosen is None:
        return None
    template = scope.get(LayoutTemplate.objects.filter(versions__isnull=False).distinct(), pk=chosen)
    version = template.current
    if version is None:  # its versions went between the two queries
        raise Http404
    return ChosenLayout(template, version, svg(from_json(version.layout)))
