"""What the API answers, field by field (the OpenAPI schema is made from these). Times are
ISO 8601 in UTC; minutes are whole minutes; counts are users or channels, as named."""

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema

from dashboard.audit.models import AuditEntry
from dashboard.live.models import Channel
from dashboard.recordings.models import Recording, RecordingFile
from dashboard.rtc.models import RtcApp


class TenantOut(Schema):
    slug: str
    name: str


class AppOut(Schema):
    id: int
    app_id: str = Field(description="The vendor's id of the app.")
    name: str
    vendor: str
    account_id: int
    account_label: str
    status: str
    source: str
    missing_from_listing: bool
    sync_blocked: bool
    last_synced_at: datetime | None

    @staticmethod
    def resolve_vendor(app: RtcApp) -> str:
        return app.vendor_account.vendor

    @staticmethod
    def resolve_account_id(app: RtcApp) -> int:
        return app.vendor_account_id

    @staticmethod
    def resolve_account_label(app: RtcApp) -> str:
        return app.vendor_account.label


class ChannelOut(Schema):
    id: int
    channel_id: str
    app: int = Field(description="The app's id in this API.")
    app_id: str = Field(description="The vendor's id of the app.")
    account_id: int
    vendor: str
    is_live: bool
    watched: bool
    mode: str
    live_since: datetime | None
    member_count: int = Field(description="Members (users) at the last poll.")
    peak_members: int = Field(description="Observed peak, users.")
    peak_at: datetime | None
    observed_member_minutes: float = Field(description="Minutes sampled by the console's polls, not billed.")
    last_polled_at: datetime | None
    poll_error: str
    closed_at: datetime | None

    @staticmethod
    def resolve_app(channel: Channel) -> int:
        return channel.app_id

    @staticmethod
    def resolve_app_id(channel: Channel) -> str:
        return channel.app.app_id

    @staticmethod
    def resolve_account_id(channel: Channel) -> int:
        return channel.app.vendor_account_id

    @staticmethod
    def resolve_vendor(channel: Channel) -> str:
        return channel.app.vendor_account.vendor


class MemberOut(Schema):
    user_id: str
    role: str
    first_seen_at: datetime
    last_seen_at: datetime
    there_before: bool = Field(description="Already in when polling began: joined at some time before.")
    kicked_at: datetime | None = Field(description="Kicked, waiting for a poll to confirm.")


class RecordingFileOut(Schema):
    name: str
    media_type: str
    size_bytes: int | None
    user_id: str


class RecordingOut(Schema):
    id: int
    recording_id: str
    channel: int = Field(description="The channel's id in this API.")
    channel_id: str
    account_id: int
    vendor: str
    state: str
    kind: str
    mixed: bool
    automatic: bool
    options: dict[str, Any]
    started_by: str = Field(description="User name; empty for automatic recordings or API tokens.")
    started_at: datetime
    stop_requested_at: datetime | None
    ended_at: datetime | None
    vendor_status: str
    detail: str
    check_error: str
    file_count: int

    @staticmethod
    def resolve_channel(recording: Recording) -> int:
        return recording.channel_id

    @staticmethod
    def resolve_channel_id(recording: Recording) -> str:
        return recording.channel.channel_id

    @staticmethod
    def resolve_account_id(recording: Recording) -> int:
        return recording.channel.app.vendor_account_id

    @staticmethod
    def resolve_vendor(recording: Recording) -> str:
        return recording.channel.app.vendor_account.vendor

    @staticmethod
    def resolve_started_by(recording: Recording) -> str:
        return recording.started_by.get_username() if recording.started_by else ""


class RecordingDetailOut(RecordingOut):
    files: list[RecordingFileOut]

    @staticmethod
    def resolve_files(recording: Recording) -> list[RecordingFile]:
        return list(recording.files.all())


class AuditOut(Schema):
    id: int
    created_at: datetime
    actor: str = Field(description="User name, `token:<name>` for an API token, or `system`.")
    action: str
    target: str
    outcome: str
    vendor: str
    vendor_account: str
    vendor_request_id: str
    error_code: str
    message: str
    detail: dict[str, Any]

    @staticmethod
    def resolve_actor(entry: AuditEntry) -> str:
        return entry.actor_name

    @staticmethod
    def resolve_vendor_account(entry: AuditEntry) -> str:
        return entry.vendor_account_label

    @staticmethod
    def resolve_detail(entry: AuditEntry) -> dict[str, Any]:
        return entry.detail if isinstance(entry.detail, dict) else {"value": entry.detail}


# --- usage ---------------------------------------------------------------------------------------


class UsageFigures(Schema):
    minutes: int = Field(description="Call duration over the chosen tiers, minutes.")
    tier_minutes: dict[str, int] = Field(description="Minutes per resolution tier.")
    active_users: int
    active_channels: int
    peak_users: int
    peak_users_at: datetime | None = Field(description="Only for one app: a sum of peaks has no time.")
    peak_channels: int
    peak_channels_at: datetime | None


class UsageRow(Schema):
    start: datetime = Field(description="The period's start, UTC.")
    label: str = Field(description="The period as the page labels it, in the report's time zone for hours.")
    partial: bool = Field(description="The period is still running: its figures will grow.")
    no_data: bool = Field(description="Not synced (before the first stored period, or not reached yet): not a zero.")
    figures: UsageFigures | None
    cost: str | None = Field(description="Decimal, in `cost_currency`; null without one price book currency.")


class UsageOut(Schema):
    tenant: str
    range: str
    start: date = Field(description="First day, in the time zone.")
    end: date = Field(description="Last day (inclusive), in the time zone.")
    start_utc: datetime
    end_utc: datetime
    time_zone: str
    granularity: str = Field(description="As asked.")
    resolved_granularity: str = Field(description="As used (auto resolved).")
    tiers: list[str]
    apps: list[int] = Field(description="The apps summed (ids in this API).")
    data_from: datetime | None = Field(description="The first stored period of these apps.")
    totals: UsageFigures
    peak_basis: Literal["app", "account", "sum"] = Field(
        description="How the peaks are made: `app` one app's; `account` the vendor's own figure for every app of "
        "one account at once; `sum` peaks added over apps or accounts (an upper bound of the combined peak)."
    )
    cost_currency: str | None
    cost_total: str | None
    sync_problems: list[str]
    rows: list[UsageRow]
