"""The audit page's tag: an action's name as people read it (actions.py)."""

from __future__ import annotations

from django import template

from dashboard.audit.actions import action_label

register = template.Library()


@register.simple_tag
def audit_action(action: str) -> str:
    return action_label(action)
