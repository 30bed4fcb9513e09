"""The one helper every state-changing action calls: `record`, or `audited` around a vendor call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser, User

from vendors.base.errors import VendorError

from .actions import ACTIONS
from .models import AuditEntry, Outcome

if TYPE_CHECKING:
    from dashboard.credentials.models import VendorAccount
    from dashboard.tenancy.models import Tenant


class TokenActor(AnonymousUser):
    """An API token acting (dashboard/api): no person behind the request, so nothing it starts
    is "started by" a user; its entries name the token. `token:` cannot begin a username
    (Django's allow letters, digits and @.+-_ only), so no person can pass for a token."""

    def __init__(self, token_name: str) -> None:
        self.audit_name = f"token:{token_name}"

    def __str__(self) -> str:
        return self.audit_name


def actor_name(actor: User | AnonymousUser | None) -> str:
    if isinstance(actor, TokenActor):
        return actor.audit_name
    if actor is not None and actor.is_authenticated:
        return actor.get_username()
    return "system"


def record(
    actor: User | AnonymousUser | None,
    action: str,
    *,
    tenant: Tenant | None = None,
    vendor_account: VendorAccount | None = None,
    target: str = "",
    outcome: str = Outcome.SUCCESS,
    vendor_request_id: str = "",
    error_code: str = "",
    message: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: add it to dashboard.audit.actions.ACTIONS")
    if vendor_account is not None and tenant is None:
        tenant = vendor_account.tenant
    user = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry.objects.create(
        actor=user,
        actor_name=actor_name(actor),
        tenant=tenant,
        tenant_name=tenant.name if tenant else "",
        vendor_account=vendor_account,
        vendor_account_label=vendor_account.label if vendor_account else "",
        vendor=vendor_account.vendor if vendor_account else "",
        action=action,
        target=target[:300],
        outcome=outcome,
        vendor_request_id=vendor_request_id or "",
        error_code=error_code,
        message=message,
        detail=detail or {},
    )


@dataclass
class AuditedCall:
    """What the wrapped block tells the audit entry on success."""

    vendor_request_id: str = ""
    message: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    entry: AuditEntry | None = None


@contextmanager
def audited(
    actor: User | AnonymousUser | None,
    action: str,
    *,
    vendor_account: VendorAccount,
    target: str = "",
) -> Iterator[AuditedCall]:
    """Record the vendor call in the block: success with its request id, or the vendor's error.

    The error propagates after it is recorded, for the view to show.
    """
    call = AuditedCall()
    try:
        yield call
    except Exception as error:
        vendor_error = error if isinstance(error, VendorError) else None
        call.entry = record(
            actor,
            action,
            vendor_account=vendor_account,
            target=target,
            outcome=Outcome.FAILURE,
            vendor_request_id=vendor_error.request_id if vendor_error else "",
            error_code=(vendor_error.code if vendor_error else "") or type(error).__name__,
            message=vendor_error.message if vendor_error else str(error),
            detail=call.detail,
        )
        raise
    call.entry = record(
        actor,
        action,
        vendor_account=vendor_account,
        target=target,
        vendor_request_id=call.vendor_request_id,
        message=call.message,
        detail=call.detail,
    )
