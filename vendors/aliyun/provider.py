"""Alibaba Cloud RTC behind the normalized Provider interface."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from vendors.base.mixing import Mixer, Presets
from vendors.base.provider import Capability, CredentialField, Provider, VendorInfo, VendorLimits, connector
from vendors.base.types import (
    App,
    ChannelMetric,
    ChannelRecord,
    ChannelToken,
    ChannelUserRecord,
    Interval,
    KickResult,
    MemberSession,
    Membership,
    MixingRequest,
    MixingTask,
    MixLayout,
    Page,
    UsageMetric,
    UsagePoint,
)

from . import mixing, mpu
from .client import DEFAULT_BASE_URL, MAX_TERMINALS_PER_CALL, VENDOR, AliyunRtcClient
from .layouts import PRESETS

CREDENTIAL_FIELDS = (
    CredentialField(
        "access_key_id", "AccessKey ID", help_text="From the RAM console; a RAM user's key is safer than the account's."
    ),
    CredentialField(
        "access_key_secret", "AccessKey secret", secret=True, help_text="Shown once when the AccessKey is created."
    ),
    CredentialField(
        "security_token",
        "STS security token",
        secret=True,
        required=False,
        help_text="Only for temporary STS credentials; leave empty for a RAM user's AccessKey.",
    ),
)


class AliyunProvider(Provider):
    vendor = VENDOR

    def __init__(self, client: AliyunRtcClient) -> None:
        self.client = client

    def check_connection(self) -> str:
        return self.client.describe_apps(page_size=1).request_id

    def list_apps(self) -> Iterator[App]:
        return self.client.iter_apps()

    def rename_app(self, app_id: str, name: str) -> str:
        return self.client.modify_app(app_id, name)

    def usage(
        self, app_id: str, metric: UsageMetric, interval: Interval, start: datetime, end: datetime
    ) -> list[UsagePoint]:
        return self.client.usage_range(metric, start, end, interval=interval, app_id=app_id)

    def account_usage(
        self, metric: UsageMetric, interval: Interval, start: datetime, end: datetime
    ) -> list[UsagePoint]:
        # The data calls without AppId cover every app of the account.
        return self.client.usage_range(metric, start, end, interval=interval)

    def channel_records(self, app_id: str, day: datetime) -> Iterator[ChannelRecord]:
        return self.client.iter_rtc_channel_list(day, app_id=app_id)

    def channel_records_page(
        self, app_id: str, day: datetime, *, page: int, page_size: int, user_id: str | None = None
    ) -> Page[ChannelRecord]:
        return self.client.describe_rtc_channel_list(
            day, app_id=app_id, user_id=user_id, sort_type="desc", page_no=page, page_size=page_size
        )

    def channel_metric(self, app_id: str, channel_id: str, day: datetime) -> ChannelMetric:
        return self.client.describe_rtc_channel_metric(app_id, channel_id, day)

    def channel_users(
        self, app_id: str, channel_id: str, day: datetime, *, page: int, page_size: int
    ) -> Page[ChannelUserRecord]:
        return self.client.describe_rtc_channel_user_list(
            app_id, day, channel_id=channel_id, page_no=page, page_size=page_size
        )

    def membership(self, app_id: str, channel_id: str) -> Membership:
        return self.client.describe_channel_users(app_id, channel_id)

    def member_session(self, app_id: str, channel_id: str, user_id: str) -> MemberSession:
        return self.client.describe_user_info_in_channel(app_id, channel_id, user_id)

    def kick(self, app_id: str, channel_id: str, user_ids: Sequence[str]) -> list[KickResult]:
        return self.client.remove_all_terminals(app_id, channel_id, user_ids)

    def close_channel(self, app_id: str, channel_id: str) -> str:
        return self.client.delete_channel(app_id, channel_id)

    def participants(self, app_id: str, channel_id: str, *, page: int, page_size: int) -> Page[str]:
        return self.client.describe_channel_participants(
            app_id, channel_id, order="asc", page_num=page, page_size=page_size
        )

    def refresh_channel_nonce(self, app_id: str, channel_id: str, nonce: str) -> ChannelToken:
        return self.client.update_channel(app_id, channel_id, nonce)

    def start_mixing(self, app_id: str, channel_id: str, request: MixingRequest) -> str:
        sent = mixing.to_mpu(request.layout, request.presets or PRESETS)
        return self.client.start_mpu_task(
            app_id,
            channel_id,
            request.task_id,
            stream_url=request.stream_url,
            media_encode=request.media_encode,
            task_profile=request.task_profile,
            layout_ids=[sent.layout_id],
            crop_mode=sent.crop_mode,
            background_color=sent.background_color,
            sub_spec_users=request.subscribed_users,
            user_panes=sent.user_panes,
        )

    def mixing_status(self, app_id: str, task_id: str) -> MixingTask:
        return self.client.get_mpu_task_status(app_id, task_id)

    def update_mixing_layout(self, app_id: str, task_id: str, layout: MixLayout, presets: Presets | None = None) -> str:
        sent = mixing.to_mpu(layout, presets or PRESETS)
        return self.client.update_mpu_layout(
            app_id,
            task_id,
            layout_ids=[sent.layout_id],
            crop_mode=sent.crop_mode,
            background_color=sent.background_color,
            user_panes=sent.user_panes,
        )

    def stop_mixing(self, app_id: str, task_id: str) -> str:
        return self.client.stop_mpu_task(app_id, task_id)

    def close(self) -> None:
        self.client.close()


def make_provider(credentials: Mapping[str, str], **options: Any) -> AliyunProvider:
    return AliyunProvider(
        AliyunRtcClient(
            credentials["access_key_id"],
            credentials["access_key_secret"],
            security_token=credentials.get("security_token") or None,
            **options,
        )
    )


connect = connector(make_provider)


INFO = VendorInfo(
    name=VENDOR,
    label="Alibaba Cloud RTC",
    capabilities=frozenset(
        {
            Capability.LIST_APPS,
            Capability.RENAME_APP,
            Capability.USAGE_STATS,
            Capability.ACCOUNT_USAGE,
            Capability.CHANNEL_RECORDS,
            Capability.LIVE_MEMBERSHIP,
            Capability.MEMBER_SESSION,
            Capability.KICK,
            Capability.CLOSE_CHANNEL,
            Capability.MIXING,
            Capability.PARTICIPANTS,
            Capability.CHANNEL_NONCE,
        }
    ),
    credential_fields=CREDENTIAL_FIELDS,
    default_base_url=DEFAULT_BASE_URL,
    limits=VendorLimits(max_usage_span_days=30, kick_batch_size=MAX_TERMINALS_PER_CALL),
    connect=connect,
    mixer=Mixer(mixing.translate, presets=PRESETS, push=mpu.PUSH_OPTIONS),
)
