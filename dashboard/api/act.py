"""Act endpoints (tokens with the act scope): kick, close a channel, start and stop a recording.

Each validates with the page's own form and calls the same audited service as the page
(dashboard.live.actions, dashboard.recordings.actions); the entries name the token as actor
(`token:<name>`). dashboard.core.acting.act() is the pages' confirm-then-redirect around those
services; here the request itself is the confirmation and a refusal is an ApiError.
"""

from typing import Annotated, Any, Literal

from django import forms
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from dashboard.audit.log import TokenActor
from dashboard.live import actions as live_actions
from dashboard.live.forms import CloseForm, KickForm
from dashboard.mixing.models import LayoutTemplate
from dashboard.recordings import actions as recording_actions
from dashboard.recordings import rules
from dashboard.recordings.forms import StartRecordingForm
from dashboard.recordings.models import StorageTarget
from dashboard.recordings.starting import start_from_form
from vendors.base.errors import UnsupportedCapabilityError
from vendors.base.provider import Capability

from .access import api_scope, token_of
from .errors import ACT_ERRORS, ApiError, Refused
from .read import AN_ID, TENANT, channel_of, recording_of
from .schemas import ChannelOut, RecordingOut

router = Router(tags=["act"])


def actor(request: HttpRequest) -> TokenActor:
    return TokenActor(token_of(request).name)


def valid(form: forms.Form) -> dict[str, Any]:
    if not form.is_valid():
        details = [
            {"loc": ["body", name], "msg": str(message), "type": "form"}
            for name, messages in form.errors.items()
            for message in messages
        ]
        raise Refused(422, "invalid_request", "The request is not valid.", details)
    return form.cleaned_data


def unsupported(what: str) -> UnsupportedCapabilityError:
    return UnsupportedCapabilityError(f"The vendor has no API to {what}.")


USER_ID = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@-]+$")]


class KickIn(Schema):
    users: list[USER_ID] = Field(..., min_length=1, max_length=500, description="User ids to remove.")
    reason: str = Field("", max_length=300, description="Kept in the audit log.")


class KickResultOut(Schema):
    user_id: str
    ok: bool
    code: str = Field(description="The vendor's code for this terminal.")
    message: str
    vendor_request_id: str


class KickOut(Schema):
    results: list[KickResultOut]


@router.post(
    "/tenants/{tenant}/channels/{channel}/kick", response={200: KickOut, ACT_ERRORS: ApiError}, url_name="kick"
)
def kick(request: HttpRequest, body: KickIn, tenant: str = TENANT, channel: int = AN_ID) -> dict[str, Any]:
    """Remove users from a live channel. The vendor answers per user: each result says whether
    it removed that user (with its code and request id); each is an audit entry."""
    scope = api_scope(request, tenant, act=True)
    found = channel_of(scope, channel)
    if not found.app.vendor_account.info.can(Capability.KICK):
        raise unsupported("remove users")
    data = valid(KickForm({"users": "\n".join(body.users), "reason": body.reason}))
    outcome = live_actions.kick(actor(request), found, data["users"], data["reason"])
    return {
        "results": [
            {
                "user_id": result.user_id,
                "ok": result.ok,
                "code": result.code,
                "message": result.message,
                "vendor_request_id": result.request_id,
            }
            for result in outcome.results
        ]
    }


class CloseIn(Schema):
    channel_id: str = Field(
        ..., min_length=1, max_length=128, description="The channel's vendor id, repeated (the page has it typed)."
    )
    reason: str = Field("", max_length=300)


class ClosedOut(Schema):
    vendor_request_id: str
    channel: ChannelOut


@router.post(
    "/tenants/{tenant}/channels/{channel}/close", response={200: ClosedOut, ACT_ERRORS: ApiError}, url_name="close"
)
def close(request: HttpRequest, body: CloseIn, tenant: str = TENANT, channel: int = AN_ID) -> dict[str, Any]:
    """Close the channel at the vendor (everyone leaves). `channel_id` must repeat the channel's id."""
    scope = api_scope(request, tenant, act=True)
    found = channel_of(scope, channel)
    if not found.app.vendor_account.info.can(Capability.CLOSE_CHANNEL):
        raise unsupported("close channels")
    data = valid(CloseForm({"confirm_channel_id": body.channel_id, "reason": body.reason}, channel_id=found.channel_id))
    request_id = live_actions.close(actor(request), found, data["reason"])
    found.refresh_from_db()
    return {"vendor_request_id": request_id, "channel": found}


class RecordingIn(Schema):
    """The recording form's fields; only those the vendor takes are read (see its capabilities)."""

    kind: Literal["video", "image"] = Field("video", description="`image`: snapshots.")
    mixed: bool = True
    users: list[USER_ID] = Field([], max_length=32, description="Empty: everyone who publishes.")
    resolution: Literal["1080p", "720p", "480p"] = "720p"
    featured_user: str = Field("", max_length=128, pattern=r"^[A-Za-z0-9_.:@-]*$")
    layout: int | None = Field(None, ge=1, le=2**63 - 1, description="A saved layout's id.")
    storage: int | None = Field(None, ge=1, le=2**63 - 1, description="A storage bucket's id.")
    rule: str = Field("", max_length=64, description="A recording rule's id (vendors with rules).")


@router.post(
    "/tenants/{tenant}/channels/{channel}/recordings",
    response={201: RecordingOut, ACT_ERRORS: ApiError},
    url_name="recording_start",
)
def start_recording(request: HttpRequest, body: RecordingIn, tenant: str = TENANT, channel: int = AN_ID) -> Status[Any]:
    """Start recording the channel, with what its vendor can be asked for."""
    scope = api_scope(request, tenant, act=True)
    found = channel_of(scope, channel)
    account = found.app.vendor_account
    info = account.info
    if not info.can(Capability.RECORDING):
        raise unsupported("record")
    vendor_rules = rules.rules(found.app) if info.can(Capability.RECORDING_RULES) else []
    form = StartRecordingForm(
        {
            "kind": body.kind,
            "mixed": "on" if body.mixed else "",
            "users": "\n".join(body.users),
            "resolution": body.resolution,
            "featured_user": body.featured_user,
            "template": body.layout or "",
            "storage": body.storage or "",
            "rule": body.rule,
        },
        info=info,
        templates=LayoutTemplate.objects.filter(tenant=scope.tenant, versions__isnull=False).distinct(),
        storages=StorageTarget.objects.filter(tenant=scope.tenant),
        rules=vendor_rules,
    )
    data = valid(form)
    recording = start_from_form(actor(request), found, data, request)
    return Status(201, recording)


class StoppedOut(Schema):
    vendor_request_id: str
    recording: RecordingOut


@router.post(
    "/tenants/{tenant}/recordings/{recording}/stop",
    response={200: StoppedOut, ACT_ERRORS: ApiError},
    url_name="recording_stop",
)
def stop_recording(request: HttpRequest, tenant: str = TENANT, recording: int = AN_ID) -> dict[str, Any]:
    """Stop a recording; the vendor's answer (state, files) is kept on it."""
    scope = api_scope(request, tenant, act=True)
    found = recording_of(scope, recording)
    request_id = recording_actions.stop(actor(request), found)
    return {"vendor_request_id": request_id, "recording": found}
