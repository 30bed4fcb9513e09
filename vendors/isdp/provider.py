"""Huawei ISDP+ iRTC behind the normalized Provider interface.

ISDP+ can remove users and close rooms, and record; it cannot say who is in a channel,
list apps or report usage, so those answer UnsupportedCapabilityError.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from vendors.base.errors import CallbackRejectedError, ValidationError
from vendors.base.provider import (
    Capability,
    CredentialField,
    Provider,
    VendorInfo,
    VendorLimits,
    connector,
    kick_one_by_one,
)
from vendors.base.types import (
    JoinRole,
    JoinToken,
    JoinTokenReading,
    KickResult,
    Recording,
    RecordingEvent,
    RecordingFile,
    RecordingKind,
    RecordingRequest,
    RecordingRule,
    RecordingState,
)

from . import callbacks
from . import join_token as tokens
from .client import DEFAULT_BASE_URL, REQUESTS_PER_MINUTE, IsdpClient, check_channel_id
from .errors import VENDOR
from .models import RecordRule, StorageType

CREDENTIAL_FIELDS = (
    CredentialField("app_id", "App ID", help_text="Integration center → Applications in the ISDP+ console."),
    CredentialField("app_token", "App token", secret=True, help_text="Created with the app; the API's password."),
    CredentialField(
        "access_key",
        "Access key",
        secret=True,
        required=False,
        help_text="Signs join tokens and the recording callbacks; needed to verify callbacks.",
    ),
)


# Section 7.4: role 1 is a joiner (publishes and watches), 0 a publisher (publishes only).
JOIN_ROLES = {JoinRole.PUBLISH_AND_WATCH: "1", JoinRole.PUBLISH_ONLY: "0"}
USER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # the SDK guide's userId characters; 64 as for channel ids


def _signed_at(value: object) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(value)) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


class IsdpProvider(Provider):
    vendor = VENDOR

    def __init__(self, client: IsdpClient, access_key: str = "") -> None:
        self.client = client
        self.access_key = access_key

    def check_connection(self) -> str:
        self.client.check_health()
        return ""  # ISDP+ answers carry no request id

    def kick(self, app_id: str, channel_id: str, user_ids: Sequence[str]) -> list[KickResult]:
        return kick_one_by_one(lambda user_id: self.client.release_user(channel_id, user_id), user_ids)

    def close_channel(self, app_id: str, channel_id: str) -> str:
        self.client.release_room(channel_id)
        return ""

    # --- recordings: ISDP+ has no status read; files arrive by signed callback ---------

    def start_recording(self, app_id: str, channel_id: str, request: RecordingRequest) -> Recording:
        if len(request.users) != 1:
            raise ValidationError("ISDP+ records the stream of one user of the channel", field="users", vendor=VENDOR)
        if not request.rule_id:
            raise ValidationError("ISDP+ records by a recording rule: choose one", field="rule_id", vendor=VENDOR)
        capture = self.client.capture_image if request.kind is RecordingKind.IMAGE else self.client.capture_video
        recording_id = capture(
            channel_id,
            request.users[0],
            request.rule_id,
            request.callback_url,
            extra_data=request.extra_data or None,
        )
        handle = {"recording_id": recording_id, "channel_id": channel_id, "kind": request.kind.value}
        return Recording(recording_id, channel_id, RecordingState.RECORDING, "capturing", handle=handle)

    def stop_recording(self, app_id: str, handle: Mapping[str, str]) -> Recording:
        self.client.stop_capture(handle["channel_id"], handle["recording_id"])
        return Recording(
            handle["recording_id"],
            handle["channel_id"],
            RecordingState.STOPPING,
            "stopped",
            handle=dict(handle),
            detail="the file is announced by callback",
        )

    def stop_channel_recordings(self, app_id: str, channel_id: str) -> str:
        self.client.stop_capture(channel_id)
        return ""

    def verify_recording_callback(
        self, headers: Mapping[str, str], body: Mapping[str, object], now: datetime
    ) -> RecordingEvent:
        if not self.access_key:
            raise CallbackRejectedError("the account has no access key, so callbacks cannot be verified")
        event = callbacks.verify(headers, body, self.access_key, now)
        if event.app_id != self.client.app_id:
            raise CallbackRejectedError(f"the callback is for app {event.app_id!r}, not this account's")
        if not event.recording_id:
            raise CallbackRejectedError("the callback names no recording")
        signature = next(v for k, v in headers.items() if k.lower() == callbacks.SIGN_HEADER.lower())
        return RecordingEvent(
            app_id=event.app_id,
            recording_id=event.recording_id,
            channel_id=event.channel_id,
            user_id=event.user_id,
            kind=RecordingKind(event.kind),
            files=self._files(event),
            extra_data=event.extra_data,
            signature=signature.strip().lower(),
        )

    @staticmethod
    def _files(event: callbacks.CallbackEvent) -> tuple[RecordingFile, ...]:
        name = event.file_name or event.file_path.rsplit("/", 1)[-1]
        if event.kind == "image":
            try:
                content = base64.b64decode(event.image_base64, validate=True) if event.image_base64 else b""
            except (binascii.Error, ValueError):
                raise CallbackRejectedError("imageData is not base64") from None
            if not content and not event.file_path:
                return ()
            return (
                RecordingFile(
                    # Snapshots kept by ISDP+ come without a name: named by content, so a repeat is the same file.
                    name or f"{event.recording_id}-{hashlib.sha256(content).hexdigest()[:12]}.png",
                    url=event.file_path,
                    media_type="image/png",
                    size_bytes=len(content) or None,
                    user_id=event.user_id,
                    content=content,
                ),
            )
        if not event.file_id and not event.file_path:
            return ()
        # In ISDP+'s own storage a video is known by its file id alone; on a NAS by its path.
        return (
            RecordingFile(name or event.file_id, url=event.file_path, media_type="video/mp4", user_id=event.user_id),
        )

    @staticmethod
    def recording_callback_reply(status: int, message: str) -> dict[str, object]:
        """The answer ISDP+ expects, in its API's own envelope ("0" acknowledges)."""
        return {"errorCode": "0" if status == 200 else str(status), "errorMessage": message}

    # --- rules and automatic recording -----------------------------------------------

    def recording_rules(self, app_id: str) -> list[RecordingRule]:
        return [self._rule(rule) for rule in self.client.iter_rules()]

    @staticmethod
    def _rule(rule: RecordRule) -> RecordingRule:
        return RecordingRule(
            kind=RecordingKind.IMAGE if rule.recording_type == 1 else RecordingKind.VIDEO,
            mixed=rule.recording_model == 1,
            file_name=rule.file_name,
            callback_url=rule.callback_url,
            enabled=rule.enabled,
            rule_id=str(rule.rule_id or ""),
            record_path=rule.record_path or "",
            capture_interval=rule.capture_interval,
            capture_count=rule.capture_nums,
            extra_data=rule.extra_data or "",
            network_storage=rule.storage_type is StorageType.NAS,
        )

    def save_recording_rule(self, app_id: str, rule: RecordingRule) -> str:
        image = rule.kind is RecordingKind.IMAGE
        vendor_rule = RecordRule(
            storage_type=StorageType.NAS if rule.network_storage else StorageType.ISDP,
            file_name=rule.file_name,
            recording_type=1 if image else 0,
            recording_model=1 if rule.mixed else 0,
            callback_url=rule.callback_url,
            enabled=rule.enabled,
            record_path=rule.record_path or None,
            capture_interval=rule.capture_interval if image else None,
            capture_nums=rule.capture_count if image else None,
            extra_data=rule.extra_data or None,
        )
        if rule.rule_id:
            self.client.update_rule(int(rule.rule_id), vendor_rule)
            return rule.rule_id
        return str(self.client.add_rule(vendor_rule))

    def delete_recording_rule(self, app_id: str, rule_id: str) -> None:
        self.client.delete_rule(int(rule_id))

    def set_auto_recording(self, app_id: str, rule_id: str, *, on: bool) -> None:
        if on:
            self.client.start_auto_record(rule_id)
        else:
            self.client.stop_auto_record(rule_id)

    # --- join tokens (section 7.4), signed with the app's accessKey -----------------------

    def join_token(self, app_id: str, channel_id: str, user_id: str, role: JoinRole) -> JoinToken:
        if app_id != self.client.app_id:
            raise ValidationError(f"this account signs for app {self.client.app_id} only", field="app", vendor=VENDOR)
        if not self.access_key:
            raise ValidationError(
                "the account has no access key: add it to sign join tokens", field="access_key", vendor=VENDOR
            )
        check_channel_id(channel_id)
        if not USER_ID.fullmatch(user_id):
            raise ValidationError("userId is 1 to 64 letters, digits, '-' or '_'", field="user_id", vendor=VENDOR)
        endpoint = next(
            (found for found in self.client.media_endpoints([channel_id]) if found.channel_id in ("", channel_id)),
            None,
        )
        if endpoint is None:
            raise ValidationError(f"getMediaEndpoint named no server for {channel_id}", field="channel", vendor=VENDOR)
        signed_at = self.client.clock()
        params = tokens.JoinParams(
            app_id=app_id,
            channel_id=channel_id,
            user_id=user_id,
            timestamp_ms=int(signed_at.timestamp() * 1000),
            host=endpoint.ip,
            port=endpoint.port,
            role=JOIN_ROLES[role],
        )
        return JoinToken(
            token=tokens.join_token(self.access_key, params),
            app_id=app_id,
            channel_id=channel_id,
            user_id=user_id,
            role=role,
            signed_at=_signed_at(params.timestamp_ms) or signed_at,
            media_host=endpoint.ip,
            media_port=endpoint.port,
        )

    def read_join_token(self, token: str) -> JoinTokenReading:
        token = token.strip()
        data, _signature = tokens.read_join_token(token)
        if not isinstance(data, dict):
            raise ValidationError("not an iRTC join token: its payload is not an object", field="token", vendor=VENDOR)
        app_id = str(data.get("appId", ""))
        holds: bool | None = None
        if app_id == self.client.app_id and self.access_key:
            try:
                tokens.verify_join_token(token, self.access_key)
            except ValidationError:
                holds = False
            else:
                holds = True
        roles = {value: role for role, value in JOIN_ROLES.items()}
        return JoinTokenReading(
            app_id=app_id,
            channel_id=str(data.get("channelId", "")),
            user_id=str(data.get("userId", "")),
            role=roles.get(str(data.get("role", ""))),
            signed_at=_signed_at(data.get("timeStamp")),
            fields=tuple((str(key), str(value)) for key, value in data.items()),
            signature_holds=holds,
        )

    def close(self) -> None:
        self.client.close()


def make_provider(credentials: Mapping[str, str], **options: Any) -> IsdpProvider:
    client = IsdpClient(credentials["app_id"], credentials["app_token"], **options)
    return IsdpProvider(client, credentials.get("access_key", ""))


connect = connector(make_provider)


INFO = VendorInfo(
    name=VENDOR,
    label="Huawei ISDP+ iRTC",
    capabilities=frozenset(
        {
            Capability.KICK,
            Capability.CLOSE_CHANNEL,
            Capability.RECORDING,
            Capability.RECORDING_CALLBACKS,
            Capability.RECORDING_IMAGES,
            Capability.RECORDING_STOP_CHANNEL,
            Capability.RECORDING_RULES,
            Capability.JOIN_TOKEN,
        }
    ),
    credential_fields=CREDENTIAL_FIELDS,
    default_base_url=DEFAULT_BASE_URL,
    limits=VendorLimits(requests_per_second=REQUESTS_PER_MINUTE / 60, per_api=True, rate_window_seconds=60),
    connect=connect,
    join_roles=tuple(JOIN_ROLES),
)
