"""One deterministic synthetic world behind every simulator.

Apps have channels and a pool of users. Sessions (one terminal's stay in a channel) are
generated lazily per (app, start hour) from a seeded RNG, so any time range can be asked
for without materialising years of data, and the same seed always gives the same world.
Every statistic is derived from these sessions, so usage totals, active counts and peaks
agree with the channel and member data they summarize:

- duration: session minutes inside the bucket, by the session's tier;
- active users / channels: distinct users / channels with at least one minute in the bucket;
- peak users / channels: the highest per-minute count of distinct users present / channels
  with someone present, and the first minute it was reached.

Time is whole minutes since the epoch (UTC). Nothing exists after `now`: a session still
running is counted up to `now`, later ones are invisible. Kicks and channel closes end
sessions at `now`; complete past hours never change, so they are cached.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import random
import struct
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from vendors.base.types import Tier

MAX_SESSION_MINUTES = 180
HOUR = 60
DAY = 1440
ROLE_COMMUNICATION, ROLE_INTERACTIVE, ROLE_VIEWER = 0, 1, 2
TIERS = (Tier.AUDIO, Tier.V360, Tier.V720, Tier.V1080, Tier.CONTENT)
TIER_WEIGHTS = (0.25, 0.30, 0.30, 0.10, 0.05)
# What random.choices(TIERS, TIER_WEIGHTS) draws from, worked out once rather than per session.
_TIER_CUMULATIVE = tuple(itertools.accumulate(TIER_WEIGHTS))
_TIER_TOTAL = _TIER_CUMULATIVE[-1] + 0.0
# Share of a day's traffic in each UTC hour: quiet nights, busy working hours.
DIURNAL = (1, 1, 2, 3, 5, 6, 7, 7, 7, 6, 6, 6, 6, 6, 7, 7, 6, 5, 4, 3, 2, 2, 1, 1)
WEEKLY = (1.0, 1.05, 1.05, 1.0, 0.95, 0.55, 0.5)  # Monday first
CHANNEL_WORDS = ("lobby", "standup", "classroom", "support", "webinar", "townhall", "gaming", "clinic")
VENDORS = ("aliyun", "anyrtc", "uprtc", "isdp")
APP_WORDS = ("Meet", "Classroom", "Live", "Support", "Town Hall", "Clinic", "Arena", "Studio")


def to_minute(value: datetime) -> int:
    return int(value.astimezone(UTC).timestamp()) // 60


def from_minute(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, tz=UTC)


def _digest(*parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class WorldOptions:
    seed: int = 7
    apps_per_vendor: int = 3
    channels_per_app: int = 12
    users_per_app: int = 5000
    sessions_per_day: int = 2400  # per app, on an average weekday
    live_channel_share: float = 0.35  # channels in interactive-live mode
    history_days: int = 730  # apps were created this long before "now"
    # Text put into every app name and user id and into each app's first channel id: security
    # tests plant markup and spreadsheet formulas where a vendor's own text reaches the console.
    plant: str = ""


@dataclass(frozen=True, slots=True)
class Channel:
    channel_id: str
    profile: int  # 1 communication, 2 interactive live (Aliyun ChannelProfile)
    weight: float


@dataclass(frozen=True, slots=True)
class AppSpec:
    vendor: str
    app_id: str
    name: str
    created_minute: int
    scale: float
    channels: tuple[Channel, ...]
    cumulative_weights: tuple[float, ...]
    users: tuple[str, ...]

    def channel(self, channel_id: str) -> Channel | None:
        for channel in self.channels:
            if channel.channel_id == channel_id:
                return channel
        return None


@dataclass(frozen=True, slots=True)
class Session:
    session_id: str
    app_id: str
    channel_id: str
    user_id: str
    start: int  # minute, inclusive
    end: int  # minute, exclusive
    role: int
    tier: Tier
    publishes: bool

    def minutes_within(self, lo: int, hi: int) -> int:
        return max(0, min(self.end, hi) - max(self.start, lo))


@dataclass(frozen=True, slots=True)
class BucketStats:
    start: int
    length: int
    duration: tuple[int, ...]  # one per tier, in TIERS order
    users: frozenset[str]
    channels: frozenset[str]
    peak_users: int
    peak_users_at: int
    peak_channels: int
    peak_channels_at: int

    @property
    def total_minutes(self) -> int:
        return sum(self.duration)

    def usage_row(self) -> UsageRow:
        return (
            *self.duration,
            len(self.users),
            len(self.channels),
            self.peak_users,
            self.peak_users_at,
            self.peak_channels,
            self.peak_channels_at,
        )


# One bucket's usage as the data service reports it: minutes per tier (TIERS order), active
# users, active channels, peak users and its minute, peak channels and its minute.
UsageRow = tuple[int, ...]
# A complete day's 24 hourly rows and its daily row, packed: 25 x 11 x 4 = 1,100 bytes a day
# (a tier's minutes of a day stay far under 2**32 even over every app of an account).
_PACKED_ROW = struct.Struct("<11I")
MAX_CACHED_DAYS = 50_000  # (app ids, day) pairs: 1,250 bytes each with its key (measured), 63 MB at most
# The other caches hold sessions, whose size grows with the world's traffic: measured at the
# default 2,400 sessions a day, an app-hour's sessions take 37 KB and an hour's statistics
# 14 KB. A demo left running for days must not grow to gigabytes (it reached 200,000 and
# 100,000 entries before: 7 GB and 1.4 GB), and complete days are served from the day cache,
# so these keep what live polls and the day being computed need: about 370, 180 and 140 MB at
# most at the default traffic.
MAX_CACHED_SESSION_HOURS = 10_000  # (app, hour) pairs
MAX_CACHED_CHANNEL_HOURS = 5_000  # (app, hour) pairs, grouped by channel (the same sessions)
MAX_CACHED_HOUR_STATS = 10_000  # (app ids, hour) pairs


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _peak(intervals_by_key: dict[str, list[tuple[int, int]]], lo: int, hi: int) -> tuple[int, int]:
    """Highest per-minute count of keys present in [lo, hi), and the first minute of it."""
    diff = [0] * (hi - lo + 1)
    for spans in intervals_by_key.values():
        spans.sort()
        merged_start, merged_end = spans[0]
        for start, end in spans[1:]:
            if start <= merged_end:
                merged_end = max(merged_end, end)
            else:
                diff[merged_start - lo] += 1
                diff[merged_end - lo] -= 1
                merged_start, merged_end = start, end
        diff[merged_start - lo] += 1
        diff[merged_end - lo] -= 1
    if not intervals_by_key:
        return 0, lo
    present = list(itertools.accumulate(diff[: hi - lo]))
    best = max(present)
    return (best, lo + present.index(best)) if best > 0 else (0, lo)


class World:
    """The synthetic world. Thread-safe; cheap to query for any past range."""

    def __init__(
        self,
        options: WorldOptions = WorldOptions(),
        clock: Callable[[], datetime] | None = None,
        *,
        quiet_after: datetime | None = None,
    ) -> None:
        self.options = options
        self._clock = clock or (lambda: datetime.now(UTC))
        # Nobody joins after this time and everyone present then leaves: every later run of
        # the simulator reports the same usage, while its clock (signatures, tokens) stays real.
        self._quiet_minute = to_minute(quiet_after) if quiet_after else None
        self._lock = threading.RLock()
        self._apps: dict[str, AppSpec] = {}
        self._channels: dict[tuple[str, str], Channel] = {}  # (app id, channel id)
        self._by_vendor: dict[str, list[AppSpec]] = {}
        self._ended: dict[str, int] = {}  # session id -> minute it was ended early
        self._joined: list[Session] = []  # sessions added by `join`, beside the generated ones
        self._changes = 0  # joins, kicks and closes so far
        self._live_state = (0, 0)  # the minute and changes `_live` holds the present of
        self._live: dict[tuple[str, str | None], tuple[Session, ...]] = {}
        self._session_cache: OrderedDict[tuple[str, int], tuple[Session, ...]] = OrderedDict()
        # The same sessions by channel, for the hours a single channel was asked about (a live
        # poll reads four hours of its app for one channel: a tenth or less of the sessions).
        self._channel_cache: OrderedDict[tuple[str, int], dict[str, tuple[Session, ...]]] = OrderedDict()
        self._stats_cache: OrderedDict[tuple[tuple[str, ...], int], BucketStats] = OrderedDict()
        self._day_cache: OrderedDict[tuple[tuple[str, ...], int], bytes] = OrderedDict()
        for vendor in VENDORS:
            self.apps(vendor)

    # --- clock --------------------------------------------------------------------

    def now(self) -> datetime:
        return self._clock()

    def now_minute(self) -> int:
        return to_minute(self._clock())

    # --- apps and channels ------------------------------------------------------------

    def apps(self, vendor: str) -> list[AppSpec]:
        with self._lock:
            if vendor not in self._by_vendor:
                self._by_vendor[vendor] = [self._make_app(vendor, i) for i in range(self.options.apps_per_vendor)]
                for app in self._by_vendor[vendor]:
                    self._apps[app.app_id] = app
                    self._channels.update(((app.app_id, ch.channel_id), ch) for ch in app.channels)
            return list(self._by_vendor[vendor])

    def app(self, app_id: str) -> AppSpec | None:
        return self._apps.get(app_id)

    def channel(self, app_id: str, channel_id: str) -> Channel | None:
        """`app(app_id).channel(channel_id)` by one dict look-up; None for either unknown."""
        return self._channels.get((app_id, channel_id))

    def _make_app(self, vendor: str, index: int) -> AppSpec:
        opts = self.options
        rng = random.Random(_digest(opts.seed, vendor, "app", index))
        app_id = _digest(opts.seed, vendor, index)[:8]
        channels = []
        for c in range(opts.channels_per_app):
            word = CHANNEL_WORDS[(c + index) % len(CHANNEL_WORDS)] + (opts.plant if c == 0 else "")
            profile = 2 if rng.random() < opts.live_channel_share else 1
            channels.append(Channel(f"{word}-{c + 1:03d}", profile, 1.0 / (c + 1)))
        total = sum(ch.weight for ch in channels)
        cumulative, running = [], 0.0
        for ch in channels:
            running += ch.weight / total
            cumulative.append(running)
        users = tuple(f"u{app_id[:4]}{opts.plant}{n:05d}" for n in range(opts.users_per_app))
        created = self.now_minute() - opts.history_days * DAY
        created -= created % DAY
        return AppSpec(
            vendor=vendor,
            app_id=app_id,
            name=f"{APP_WORDS[index % len(APP_WORDS)]} {vendor.title()} {index + 1}{opts.plant}",
            created_minute=created,
            scale=0.6 + 0.8 * rng.random(),
            channels=tuple(channels),
            cumulative_weights=tuple(cumulative),
            users=users,
        )

    # --- sessions -------------------------------------------------------------------

    def _sessions_starting(self, app: AppSpec, hour: int) -> tuple[Session, ...]:
        """Sessions whose start falls in `hour` (hours since the epoch), as generated."""
        key = (app.app_id, hour)
        with self._lock:
            cached = self._session_cache.get(key)
            if cached is not None:
                self._session_cache.move_to_end(key)
                return cached
        sessions = self._generate(app, hour)
        with self._lock:
            self._session_cache[key] = sessions
            if len(self._session_cache) > MAX_CACHED_SESSION_HOURS:
                self._session_cache.popitem(last=False)
        return sessions

    def _channel_sessions_starting(self, app: AppSpec, hour: int, channel_id: str) -> tuple[Session, ...]:
        """`_sessions_starting` of one channel, in the same order."""
        key = (app.app_id, hour)
        with self._lock:
            by_channel = self._channel_cache.get(key)
            if by_channel is not None:
                self._channel_cache.move_to_end(key)
                return by_channel.get(channel_id, ())
        grouped: dict[str, list[Session]] = {}
        for session in self._sessions_starting(app, hour):
            grouped.setdefault(session.channel_id, []).append(session)
        by_channel = {channel: tuple(sessions) for channel, sessions in grouped.items()}
        with self._lock:
            self._channel_cache[key] = by_channel
            if len(self._channel_cache) > MAX_CACHED_CHANNEL_HOURS:
                self._channel_cache.popitem(last=False)
        return by_channel.get(channel_id, ())

    def _generate(self, app: AppSpec, hour: int) -> tuple[Session, ...]:
        start_minute = hour * HOUR
        if start_minute < app.created_minute:
            return ()
        rng = random.Random(_digest(self.options.seed, app.app_id, hour))
        day_index = start_minute // DAY
        weekday = (day_index + 3) % 7  # 1970-01-01 was a Thursday
        growth = 1.0 + 0.3 * min(1.0, (start_minute - app.created_minute) / (365 * DAY))
        mean = (
            self.options.sessions_per_day
            * app.scale
            * growth
            * WEEKLY[weekday]
            * DIURNAL[(start_minute % DAY) // HOUR]
            / sum(DIURNAL)
        )
        count = _poisson(rng, mean)
        sessions = []
        for n in range(count):
            channel = app.channels[bisect.bisect_left(app.cumulative_weights, rng.random())]
            user = app.users[int(len(app.users) * rng.random() ** 1.3)]
            begin = start_minute + rng.randrange(HOUR)
            length = min(MAX_SESSION_MINUTES, max(1, int(rng.lognormvariate(2.9, 0.9))))
            if channel.profile == 2:
                role = ROLE_INTERACTIVE if rng.random() < 0.15 else ROLE_VIEWER
            else:
                role = ROLE_COMMUNICATION
            tier = TIERS[bisect.bisect(_TIER_CUMULATIVE, rng.random() * _TIER_TOTAL, 0, len(TIERS) - 1)]
            sessions.append(
                Session(
                    session_id=_digest(app.app_id, hour, n)[:16],
                    app_id=app.app_id,
                    channel_id=channel.channel_id,
                    user_id=user,
                    start=begin,
                    end=begin + length,
                    role=role,
                    tier=tier,
                    publishes=role != ROLE_VIEWER,
                )
            )
        return tuple(sessions)

    def sessions(self, app_id: str, lo: int, hi: int, channel_id: str | None = None) -> list[Session]:
        """Sessions with at least one minute in [lo, hi), as they stand at `now`.

        A session still running is cut at the end of the current minute; kicks and closes
        cut it where they happened; sessions not yet begun are absent.
        """
        app = self._apps.get(app_id)
        if app is None or hi <= lo:
            return []
        now = self.now_minute()
        if self._quiet_minute is not None:
            now = min(now, self._quiet_minute - 1)
        hi = min(hi, now + 1)
        found = []
        for hour in range((lo - MAX_SESSION_MINUTES) // HOUR, (hi - 1) // HOUR + 1):
            starting = (
                self._channel_sessions_starting(app, hour, channel_id)
                if channel_id
                else self._sessions_starting(app, hour)
            )
            for session in starting:
                if session.start > now:
                    continue
                end = min(session.end, self._ended.get(session.session_id, session.end), now + 1)
                if end != session.end:
                    session = replace(session, end=end)
                if session.end > lo and session.start < hi and session.end > session.start:
                    found.append(session)
        with self._lock:
            joined = [s for s in self._joined if s.app_id == app_id and (not channel_id or s.channel_id == channel_id)]
        for session in joined:
            end = min(session.end, self._ended.get(session.session_id, session.end), now + 1)
            if end > lo and session.start < hi and end > session.start:
                found.append(replace(session, end=end))
        return found

    def live_sessions(self, app_id: str, channel_id: str | None = None) -> list[Session]:
        """Sessions present in the current minute.

        Kept until the minute or the world changes (a join, kick or close): a live poller asks
        about each channel every second or two, and the answer can only change with them."""
        now = self.now_minute()
        with self._lock:
            state = (now, self._changes)
            if self._live_state != state:
                self._live_state, self._live = state, {}
            found = self._live.get((app_id, channel_id))
        if found is None:
            found = tuple(self.sessions(app_id, now, now + 1, channel_id))
            with self._lock:
                if self._live_state == state == (self.now_minute(), self._changes):
                    self._live[(app_id, channel_id)] = found
        return list(found)

    # --- state changes --------------------------------------------------------------
    # Changes happen at `now`, so they touch only the current hour, which is never cached.

    def join(
        self, app_id: str, channel_id: str, user_id: str, *, role: int | None = None, minutes: int = 30
    ) -> Session:
        """Someone joins a channel now (simulated traffic for demos and tests)."""
        app = self._apps[app_id]
        channel = app.channel(channel_id)
        if role is None:
            role = ROLE_COMMUNICATION if channel is None or channel.profile == 1 else ROLE_INTERACTIVE
        now = self.now_minute()
        with self._lock:
            session = Session(
                session_id=_digest(app_id, channel_id, user_id, now, len(self._joined))[:16],
                app_id=app_id,
                channel_id=channel_id,
                user_id=user_id,
                start=now,
                end=now + max(1, minutes),
                role=role,
                tier=Tier.V720,
                publishes=role != ROLE_VIEWER,
            )
            self._joined.append(session)
            self._changes += 1
        return session

    def kick(self, app_id: str, channel_id: str, user_id: str) -> bool:
        """End every live session of `user_id` in the channel; False if none was there."""
        found = [s for s in self.live_sessions(app_id, channel_id) if s.user_id == user_id]
        with self._lock:
            for session in found:
                self._ended[session.session_id] = self.now_minute()
            self._changes += 1
        return bool(found)

    def end_channel(self, app_id: str, channel_id: str) -> int:
        live = self.live_sessions(app_id, channel_id)
        with self._lock:
            for session in live:
                self._ended[session.session_id] = self.now_minute()
            self._changes += 1
        return len(live)

    # --- statistics -----------------------------------------------------------------

    def hour_stats(self, app_ids: tuple[str, ...], hour: int) -> BucketStats:
        key = (app_ids, hour)
        with self._lock:
            cached = self._stats_cache.get(key)
            if cached is not None:
                self._stats_cache.move_to_end(key)
                return cached
        lo, hi = hour * HOUR, (hour + 1) * HOUR
        stats = self._compute(app_ids, lo, hi)
        if hi <= self.now_minute():
            with self._lock:
                self._stats_cache[key] = stats
                if len(self._stats_cache) > MAX_CACHED_HOUR_STATS:
                    self._stats_cache.popitem(last=False)
        return stats

    def _compute(self, app_ids: tuple[str, ...], lo: int, hi: int) -> BucketStats:
        return _tally(lo, hi, [(app_id, self.sessions(app_id, lo, hi)) for app_id in app_ids], len(app_ids) > 1)

    def _compute_hours(self, app_ids: tuple[str, ...], day: int) -> list[BucketStats]:
        """`_compute` of each hour of the day, from one `sessions` call per app."""
        by_hour: list[list[tuple[str, list[Session]]]] = [[(app_id, []) for app_id in app_ids] for _ in range(24)]
        for index, app_id in enumerate(app_ids):
            for session in self.sessions(app_id, day, day + DAY):
                first = (max(session.start, day) - day) // HOUR
                last = (min(session.end, day + DAY) - 1 - day) // HOUR
                for hour in range(first, last + 1):
                    by_hour[hour][index][1].append(session)
        several = len(app_ids) > 1
        return [
            _tally(day + h * HOUR, day + (h + 1) * HOUR, by_hour[h], several)
            if any(sessions for _, sessions in by_hour[h])
            else _quiet(day + h * HOUR, HOUR)
            for h in range(24)
        ]

    def bucket_stats(self, app_ids: tuple[str, ...], start: int, length: int) -> BucketStats:
        """Stats of the given apps together for [start, start + length), in whole hours."""
        hours = [self.hour_stats(app_ids, h) for h in range(start // HOUR, (start + length) // HOUR)]
        return hours[0] if len(hours) == 1 else merge_hours(start, length, hours)

    def usage_rows(self, app_ids: tuple[str, ...], first: int, step: int, last: int) -> list[UsageRow]:
        """`bucket_stats(app_ids, bucket, step).usage_row()` of each bucket from `first` (a
        multiple of `step`) while it begins before `last`. Complete days come from a cache of
        their rows: an hour or day of the past is worked out once, whoever asks."""
        if step not in (HOUR, DAY):
            return [self.bucket_stats(app_ids, bucket, step).usage_row() for bucket in range(first, last, step)]
        rows: list[UsageRow] = []
        now = self.now_minute()
        bucket = first
        while bucket < last:
            day = bucket - bucket % DAY
            if day + DAY > now:  # today (or later): it follows the clock
                rows.extend(self.bucket_stats(app_ids, b, step).usage_row() for b in range(bucket, last, step))
                break
            day_rows = self._day_rows(app_ids, day)
            if step == DAY:
                rows.append(day_rows[24])
                bucket += DAY
            else:
                hours = -(-(min(last, day + DAY) - bucket) // HOUR)
                offset = (bucket - day) // HOUR
                rows.extend(day_rows[offset : offset + hours])
                bucket += hours * HOUR
        return rows

    def warm(self, vendors: Iterable[str], days: int) -> int:
        """Work out the usage rows of the last `days` complete days ahead of the first request:
        for each app of each vendor alone and for a vendor's apps together (an account that
        sees every app asks without an app id). A vendor's statistics exist before anyone asks
        for them; the simulator makes its own on demand, and a benchmark beside it would
        otherwise time that too. Returns the number of (apps, day) pairs made; more than the
        day cache holds is refused, since the first ones would be dropped before they are read."""
        groups = [tuple(app.app_id for app in self.apps(vendor)) for vendor in vendors]
        pairs = sum(len(apps) + 1 for apps in groups) * days
        if pairs > MAX_CACHED_DAYS:
            raise ValueError(f"{pairs:,} days of apps to keep, over the {MAX_CACHED_DAYS:,} kept")
        today = self.now_minute() // DAY * DAY
        for apps in groups:
            for back in range(days, 0, -1):
                day = today - back * DAY  # day by day: the apps' sessions of the day are still cached for their sum
                for app_id in apps:
                    self._day_rows((app_id,), day)
                self._day_rows(apps, day)
        return pairs

    def _day_rows(self, app_ids: tuple[str, ...], day: int) -> list[UsageRow]:
        """The 24 hourly rows and the daily row of a complete day."""
        key = (app_ids, day)
        with self._lock:
            packed = self._day_cache.get(key)
            if packed is not None:
                self._day_cache.move_to_end(key)
        if packed is None:
            hours = self._compute_hours(app_ids, day)
            rows = [hour.usage_row() for hour in hours]
            rows.append(merge_hours(day, DAY, hours).usage_row())
            packed = b"".join(_PACKED_ROW.pack(*row) for row in rows)
            with self._lock:
                self._day_cache[key] = packed
                if len(self._day_cache) > MAX_CACHED_DAYS:
                    self._day_cache.popitem(last=False)
        return list(_PACKED_ROW.iter_unpack(packed))


def _quiet(lo: int, length: int) -> BucketStats:
    """`_tally` of a bucket nobody was in (a small app's night hours), without its work."""
    return BucketStats(lo, length, (0, 0, 0, 0, 0), frozenset(), frozenset(), 0, lo, 0, lo)


def _tally(lo: int, hi: int, sessions_by_app: Iterable[tuple[str, list[Session]]], several: bool) -> BucketStats:
    """The stats of [lo, hi) from the sessions of each app that have a minute in it."""
    duration = [0, 0, 0, 0, 0]
    by_user: dict[str, list[tuple[int, int]]] = {}
    by_channel: dict[str, list[tuple[int, int]]] = {}
    for app_id, sessions in sessions_by_app:
        for session in sessions:
            start, end = max(session.start, lo), min(session.end, hi)
            duration[TIERS.index(session.tier)] += end - start
            user = f"{app_id}/{session.user_id}" if several else session.user_id
            channel = f"{app_id}/{session.channel_id}" if several else session.channel_id
            by_user.setdefault(user, []).append((start, end))
            by_channel.setdefault(channel, []).append((start, end))
    peak_users, peak_users_at = _peak(by_user, lo, hi)
    peak_channels, peak_channels_at = _peak(by_channel, lo, hi)
    return BucketStats(
        lo,
        hi - lo,
        tuple(duration),
        frozenset(by_user),
        frozenset(by_channel),
        peak_users,
        peak_users_at,
        peak_channels,
        peak_channels_at,
    )


def merge_hours(start: int, length: int, hours: list[BucketStats]) -> BucketStats:
    """Consecutive hours into one bucket: minutes add up, distinct sets unite, the peak is
    the highest hourly peak (the first one reached, on ties)."""
    duration = [0, 0, 0, 0, 0]
    users: set[str] = set()
    channels: set[str] = set()
    peak_users, peak_users_at, peak_channels, peak_channels_at = 0, start, 0, start
    for part in hours:
        for i, minutes in enumerate(part.duration):
            duration[i] += minutes
        users |= part.users
        channels |= part.channels
        if part.peak_users > peak_users:
            peak_users, peak_users_at = part.peak_users, part.peak_users_at
        if part.peak_channels > peak_channels:
            peak_channels, peak_channels_at = part.peak_channels, part.peak_channels_at
    return BucketStats(
        start,
        length,
        tuple(duration),
        frozenset(users),
        frozenset(channels),
        peak_users,
        peak_users_at,
        peak_channels,
        peak_channels_at,
    )
