"""anyRTC cloud recording behind the normalized Provider interface.

The API records; it has no app listing, usage or membership reads, so apps are registered
by hand in the console and the rest answers UnsupportedCapabilityError.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from vendors.base.errors import ConflictError, NotFoundError, ValidationError
from vendors.base.mixing import Mixer
from vendors.base.provider import (
    Capability,
    CredentialField,
    Provider,
    StorageProvider,
    VendorInfo,
    VendorLimits,
    connector,
)
from vendors.base.types import (
    RESOLUTIONS,
    MixLayout,
    Recording,
    RecordingFile,
    RecordingKind,
    RecordingRequest,
    RecordingState,
)

from . import mixing, rules
from .client import DEFAULT_BASE_URL, RATE_LIMIT_PER_SECOND, AnyRtcClient
from .errors import VENDOR
from .models import Layout, RecordedFile, Storage, Subscription, Transcoding
from .models import RecordingRequest as AnyRtcRequest

# Bitrates of the spec's transcoding table at 15 fps for the console's three resolutions.
BITRATES_KBPS = {"1080p": 2080, "720p": 1130, "480p": 610}
ADAPTIVE = 1  # mixedVideoLayout when no layout is chosen: the vendor arranges everyone

CREDENTIAL_FIELDS = (
    CredentialField("customer_id", "Customer ID", help_text="From the RESTful API page of the anyRTC console."),
    CredentialField(
        "customer_secret",
        "Customer secret",
        secret=True,
        help_text="Shown beside the Customer ID; the console sends both as HTTP Basic authentication.",
    ),
)


class AnyRtcProvider(Provider):
    vendor = VENDOR

    def __init__(self, client: AnyRtcClient) -> None:
        self.client = client

    def check_connection(self) -> str:
        self.client.verify_credentials()
        return ""  # anyRTC answers carry no request id

    def start_recording(self, app_id: str, channel_id: str, request: RecordingRequest) -> Recording:
        """acquire + start. The recorder joins as a uid of its own, never a member's."""
        if request.kind is not RecordingKind.VIDEO:
            raise ValidationError("the console records video with anyRTC", field="kind", vendor=VENDOR)
        mode = "mix" if request.mixed else "individual"
        uid = f"recorder-{secrets.token_hex(4)}"
        users = tuple(request.users) or None
        transcoding = None
        if request.mixed:
            width, height = RESOLUTIONS.get(request.resolution, RESOLUTIONS["720p"])
            transcoding = Transcoding(
                width=width,
                height=height,
                fps=15,
                bitrate=BITRATES_KBPS.get(request.resolution, 1130),
                layout=self._layout(request.layout) if request.layout else Layout(mixed_video_layout=ADAPTIVE),
            )
        elif request.layout:
            raise ValidationError("only mixed recordings take a layout", field="layout", vendor=VENDOR)
        storage = request.storage
        body = AnyRtcRequest(
            max_idle_time=request.max_idle_seconds,
            subscription=Subscription(audio=users, video=users),
            transcoding=transcoding,
            storage=Storage(
                storage.vendor, storage.region, storage.bucket, storage.access_key, storage.secret_key, storage.prefix
            )
            if storage
            else None,
        )
        started = self.client.record(app_id, channel_id, uid, mode, body)
        return Recording(
            recording_id=started.sid,
            channel_id=channel_id,
            state=RecordingState.STARTING,
            handle={
                "resource_id": started.resource_id,
                "sid": started.sid,
                "mode": mode,
                "uid": uid,
                "cname": channel_id,
            },
        )

    @staticmethod
    def _layout(layout: MixLayout) -> Layout:
        found = mixing.problems(layout)
        if found:
            raise ValidationError("; ".join(found), field="layout", vendor=VENDOR)
        return mixing.to_layout(layout)

    def recording_status(self, app_id: str, handle: Mapping[str, str]) -> Recording:
        try:
            result = self.client.query(app_id, handle["resource_id"], handle["sid"], handle["mode"])
        except NotFoundError:
            # anyRTC forgets a recording some seconds after it ends; its files were listed before.
            return self._recording(handle, RecordingState.FINISHED, "ended", detail="the vendor no longer lists it")
        except ConflictError as error:
            if error.code != "501":
                raise
            return self._recording(handle, RecordingState.STOPPING, "exiting", detail=error.message)
        if result.status is None:  # the VoD extension reports a service state instead
            state = (
                RecordingState.RECORDING
                if result.recording_service == "serviceInProgress"
                else (
                    RecordingState.STOPPING
                    if result.recording_service == "serviceCompleted"
                    else RecordingState.STARTING
                )
            )
            return self._recording(handle, state, result.recording_service, files=result.files)
        return self._recording(
            handle, result.status.state, f"{int(result.status)} {result.status.name.lower()}", files=result.files
        )

    def stop_recording(self, app_id: str, handle: Mapping[str, str]) -> Recording:
        result = self.client.stop(
            app_id, handle["resource_id"], handle["sid"], handle["mode"], handle["cname"], handle["uid"]
        )
        detail = "nobody published: no file was made" if result.nobody_published else ""
        return self._recording(
            handle, RecordingState.STOPPING, f"uploading: {result.uploading_status}", files=result.files, detail=detail
        )

    def update_recording_layout(self, app_id: str, handle: Mapping[str, str], layout: MixLayout) -> str:
        if handle.get("mode") != "mix":
            raise ValidationError("only mixed recordings have a layout", field="layout", vendor=VENDOR)
        self.client.update_layout(
            app_id, handle["resource_id"], handle["sid"], handle["cname"], handle["uid"], self._layout(layout)
        )
        return ""

    def update_recording_users(self, app_id: str, handle: Mapping[str, str], users: Sequence[str]) -> str:
        chosen = list(users) or [rules.ALL_STREAMS]
        self.client.update_subscription(
            app_id,
            handle["resource_id"],
            handle["sid"],
            handle["mode"],
            handle["cname"],
            handle["uid"],
            audio=chosen,
            video=chosen,
        )
        return ""

    @staticmethod
    def _recording(
        handle: Mapping[str, str],
        state: RecordingState,
        vendor_status: str,
        *,
        files: tuple[RecordedFile, ...] = (),
        detail: str = "",
    ) -> Recording:
        return Recording(
            recording_id=handle["sid"],
            channel_id=handle["cname"],
            state=state,
            vendor_status=vendor_status,
            files=tuple(
                RecordingFile(name=file.filename, media_type="application/vnd.apple.mpegurl", user_id=file.uid)
                for file in files
            ),
            handle=dict(handle),
            detail=detail,
        )

    def close(self) -> None:
        self.client.close()


def make_provider(credentials: Mapping[str, str], **options: Any) -> AnyRtcProvider:
    return AnyRtcProvider(AnyRtcClient(credentials["customer_id"], credentials["customer_secret"], **options))


connect = connector(make_provider)


INFO = VendorInfo(
    name=VENDOR,
    label="anyRTC cloud recording",
    capabilities=frozenset(
        {
            Capability.RECORDING,
            Capability.RECORDING_STATUS,
            Capability.RECORDING_LAYOUT,
            Capability.RECORDING_SUBSCRIPTIONS,
            Capability.RECORDING_STORAGE,
            Capability.RECORDING_RESOLUTION,
        }
    ),
    credential_fields=CREDENTIAL_FIELDS,
    default_base_url=DEFAULT_BASE_URL,
    limits=VendorLimits(requests_per_second=RATE_LIMIT_PER_SECOND),
    connect=connect,
    storage_providers=tuple(
        StorageProvider(number, name, rules.STORAGE_REGIONS[number])
        for number, name in sorted(rules.STORAGE_VENDORS.items())
    ),
    mixer=Mixer(mixing.translate),
)
