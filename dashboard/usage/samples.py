"""Writing usage samples: a fetched window's buckets into `UsageSample`, as cheaply as each
database takes them, and the one writer's turn SQLite allows.

A window's buckets are upserted on (app, metric, interval, timestamp): a retried or duplicated
window changes nothing. Most windows (a backfill's, every window of a new app) bring only
buckets the database does not hold yet; those skip the upsert's machinery (on PostgreSQL a
plain COPY into the table, a third of the database's work per row gone).
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.db import connection, transaction

from dashboard.rtc.models import RtcApp
from vendors.base.types import DurationBreakdown, UsageMetric, UsagePoint

from .models import TIER_FIELDS, UsageSample

UPSERT_COLUMNS = ("app_id", "metric", "interval", "timestamp", "value", "peak_time", *TIER_FIELDS)
KEY_COLUMNS = UPSERT_COLUMNS[:4]
_KEY_SQL = ", ".join(f'"{c}"' for c in KEY_COLUMNS)  # the key's columns, quoted as both databases quote
STAGING_TABLE = "usage_sample_staging"  # per PostgreSQL session, emptied by each upsert


def store(app: RtcApp, points: list[UsagePoint], *, none_stored: bool = False) -> int:
    """Upsert on (app, metric, interval, timestamp): one round trip or two, whatever the size.

    Plain SQL (SQLite and PostgreSQL both speak ON CONFLICT); building a model instance per row
    cost ten times more than the rest of a window's work. PostgreSQL gets the rows by COPY
    (Django's psycopg cursors bind parameters on the client, which for a multi-row VALUES cost
    more CPU than the rest of the window): straight into the table when none of the series'
    buckets from the first to the last is stored yet, else into a session's staging table and
    one INSERT ... SELECT ... ON CONFLICT from it. SQLite runs one prepared single-row upsert
    over each series' rows (sqlite_upserts; a unique key's check is the upsert's only extra
    there, and a plain INSERT checks it too).

    Nothing is lost to a writer slipping in between the look and the COPY: the COPY would fail
    on the unique key, and the window with it (its job is retried). The sync looks after
    locking the app's row (sync.write_window), so no other window of the app writes in between.
    `none_stored`: the caller found none of the series' buckets stored from the first point to
    the last, in this transaction, and the points are of that one series (rollups.kept's look).
    """
    if connection.vendor == "postgresql":
        rows = bucket_rows(app.pk, points, _postgres_time, COPY_NULL, _iso_text)  # a peak's minute: not kept
        if rows and (none_stored or nothing_stored(app.pk, points)):
            _copy(rows, quote_name(UsageSample._meta.db_table))
            return len(rows)
        with transaction.atomic(savepoint=False):  # the staging rows live until the commit at most
            _copy_upsert(rows)
        return len(rows)
    stored = 0
    with connection.cursor() as cursor:
        for sql, rows in sqlite_upserts(app.pk, points, sqlite_time(), sqlite_time(kept=False)):
            cursor.executemany(sql, rows)
            stored += len(rows)
    return stored


def sqlite_upserts(
    app_pk: int,
    points: list[UsagePoint],
    adapt: Callable[[datetime], object],
    adapt_peak: Callable[[datetime], object] | None = None,
) -> list[tuple[str, list[tuple]]]:
    """SQLite's upserts of the points, one per series (a window's points are one): the series'
    statistic and granularity written in the statement, and the tiers too (zeros) where no point
    of it has any, so each row binds only its app, time, value and peak time (and tiers). SQLite
    binds every parameter of every row anew, under Python's lock the worker threads share: 11 a
    row cost more than the rest of the upsert (docs/performance-history.md, the twelfth pass). The app
    stays a parameter: with it in the text, each app's statements were compiled again (Python's
    sqlite3 keeps 128 a connection), which cost a daily window more than it saved (9.0-9.4
    against 7.0-7.3 us a row at 30 rows). The literals are a granularity in seconds and a
    statistic's name (the enum's: letters and underscores only); a bucket twice in one answer
    keeps the last, as in bucket_rows. Times through `adapt`, peak times through `adapt_peak`
    (default `adapt`)."""
    peak_text = adapt_peak or adapt
    series: dict[tuple[UsageMetric, int], tuple[dict[datetime, tuple], dict[datetime, DurationBreakdown]]] = {}
    metric: UsageMetric | None = None
    interval: object = None
    rows: dict[datetime, tuple] = {}
    tiers: dict[datetime, DurationBreakdown] = {}
    for point in points:
        if point.metric is not metric or point.interval is not interval:  # a window's points share them
            metric, interval = point.metric, point.interval
            rows, tiers = series.setdefault((metric, int(point.interval)), ({}, {}))
        moment, peak_time = point.timestamp, point.peak_time
        rows[moment] = (app_pk, adapt(moment), point.value, None if peak_time is None else peak_text(peak_time))
        if point.duration is not None:
            tiers[moment] = point.duration
        elif tiers:
            tiers.pop(moment, None)
    statements = []
    for (each, seconds), (rows, tiers) in series.items():
        literals = _sqlite_literals(each, seconds)
        if not tiers:
            statements.append((_sqlite_upsert_sql(literals, 3, ("0",) * len(TIER_FIELDS)), list(rows.values())))
            continue
        tiered = [(*row, *tier_figures(tiers.get(moment))) for moment, row in rows.items()]
        statements.append((_sqlite_upsert_sql(literals, 3 + len(TIER_FIELDS), ()), tiered))
    return statements


def tier_figures(tiers: DurationBreakdown | None) -> tuple[int, ...]:
    """A bucket's minutes by tier in TIER_FIELDS order; zeros where the vendor gave none."""
    if tiers is None:
        return (0,) * len(TIER_FIELDS)
    return (tiers.audio, tiers.v360, tiers.v720, tiers.v1080, tiers.content)


def _sqlite_literals(metric: UsageMetric, interval: int) -> tuple[str, str]:
    if not re.fullmatch(r"[a-z_]+", metric.value):
        raise ValueError(f"not a statistic to write into SQL: {metric!r}")
    return f"'{metric.value}'", str(int(interval))


@functools.lru_cache(maxsize=256)
def _sqlite_upsert_sql(literals: tuple[str, ...], parameters: int, zeros: tuple[str, ...]) -> str:
    """The upsert of the app (a parameter), the series' `literals`, `parameters` placeholders and `zeros`."""
    return _upsert_sql("VALUES (" + ", ".join(["%s", *literals, *(["%s"] * parameters), *zeros]) + ")")


def bucket_rows(
    app_pk: int,
    points: list[UsagePoint],
    adapt: Callable[[datetime], object],
    null: object = None,
    adapt_peak: Callable[[datetime], object] | None = None,
) -> list[tuple]:
    """PostgreSQL's rows: one tuple per bucket, in UPSERT_COLUMNS order, times through `adapt`
    (peak times through `adapt_peak`, default `adapt`), a missing peak time `null`; a bucket
    twice in one answer keeps the last, which also keeps PostgreSQL from refusing the statement."""
    peak_text = adapt_peak or adapt
    rows: dict[tuple, tuple] = {}
    metric: UsageMetric | None = None
    name = ""
    for point in points:
        if point.metric is not metric:  # a window's points share it; an enum's .value is a property
            metric = point.metric
            name = metric.value
        tiers = point.duration
        peak_time = point.peak_time
        moment = point.timestamp
        head = (app_pk, name, int(point.interval), adapt(moment), point.value)
        peak = null if peak_time is None else peak_text(peak_time)
        key = (name, head[2], moment)
        if tiers is None:
            rows[key] = (*head, peak, 0, 0, 0, 0, 0)
        else:
            rows[key] = (*head, peak, tiers.audio, tiers.v360, tiers.v720, tiers.v1080, tiers.content)
    return list(rows.values())


def nothing_stored(app_pk: int, points: list[UsagePoint]) -> bool:
    """No bucket of the points' one series (app, metric, interval) is stored from their first
    time to their last; False for points of more than one series (the upsert takes those)."""
    if not one_series(points):
        return False
    moments = [point.timestamp for point in points]
    where, params = series_range(app_pk, points[0].metric.value, int(points[0].interval), min(moments), max(moments))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {quote_name(UsageSample._meta.db_table)} WHERE {where} LIMIT 1", params)
        return cursor.fetchone() is None


def one_series(points: list[UsagePoint]) -> bool:
    """The points are of one series (statistic and granularity), and there is one at least.
    Compared, not hashed: a set of (enum, enum) pairs hashed each member in Python (4% of a
    profiled backfill's CPU)."""
    if not points:
        return False
    metric, interval = points[0].metric, points[0].interval
    return all(point.metric is metric and point.interval == interval for point in points)


def series_range(
    app_pk: int, metric: str, interval: int, first: datetime, last: datetime, *, last_included: bool = True
) -> tuple[str, list[Any]]:
    """A WHERE clause and its parameters for one series' samples from `first` to `last`, in
    words each database reads through the unique key.

    PostgreSQL's planner, on statistics taken while a backfill was young (autovacuum analyses a
    minute apart at best), read one app's days through the daily covering index, every app's
    days of the range filtered one by one (1.8 ms a read at 200 apps, growing with every app;
    0.05 ms by the key). There the app is the key's first column and no other index's, and a
    row comparison over the key's columns in their order bounds the range: no other index has
    a column to start from. SQLite bounds an index by such a comparison only without the app's
    equality beside it, and picks the key for the plain words anyway (no statistics)."""
    adapt = time_adapter()
    ends = (adapt(first), adapt(last))
    if connection.vendor != "postgresql":
        q = quote_name
        where = (
            f"{q('app_id')} = %s AND {q('metric')} = %s AND {q('interval')} = %s AND {q('timestamp')} >= %s "
            f"AND {q('timestamp')} {'<=' if last_included else '<'} %s"
        )
        return where, [app_pk, metric, interval, *ends]
    where = (
        f"{quote_name('app_id')} = %s AND ({_KEY_SQL}) >= (%s, %s, %s, %s) "
        f"AND ({_KEY_SQL}) {'<=' if last_included else '<'} (%s, %s, %s, %s)"
    )
    return where, [app_pk, app_pk, metric, interval, ends[0], app_pk, metric, interval, ends[1]]


def quote_name(name: str) -> str:
    return connection.ops.quote_name(name)


def _as_is(value: datetime) -> datetime:
    return value


def time_adapter(*, kept: bool = True) -> Callable[[datetime], Any]:
    """A time as the database's parameter: SQLite's text (sqlite_time), PostgreSQL's as it is.
    `kept=False` for a time that does not come again (now, a peak's minute): its text is not
    kept, where it would push out the bucket times' that do."""
    return sqlite_time(kept=kept) if connection.vendor == "sqlite" else _as_is


def sqlite_time(*, kept: bool = True) -> Callable[[datetime], object]:
    """Django's text for a time in SQLite, without its per-value time-zone round trip when the
    database is in UTC: the same string (equal times are one instant, whose text in UTC is one)."""
    if connection.timezone_name != "UTC":
        return connection.ops.adapt_datetimefield_value
    return _sqlite_kept_text if kept else _sqlite_text


def _sqlite_text(value: datetime | None) -> object:
    if value is None:  # as Django's
        return None
    if value.tzinfo is UTC:
        return str(value.replace(tzinfo=None))
    return connection.ops.adapt_datetimefield_value(value)


def _iso_text(value: datetime) -> str:
    """A time as COPY's text for a timestamptz, with its offset: the instant whatever the session's zone."""
    if value.tzinfo is None:
        raise ValueError(f"a naive time cannot be stored: {value!r}")
    return value.isoformat()


K = TypeVar("K")
V = TypeVar("V")


def kept_values(kept: dict[K, V], make: Callable[[K], V]) -> Callable[[K], V]:
    """`make(key)`, made once per key (a time, or a time's text: every app's windows bring the
    same hours and days) and kept in `kept`, which is emptied when it holds _TEXTS_MAX."""

    def known(value: K) -> V:
        found = kept.get(value)
        if found is None:
            found = make(value)
            if len(kept) >= _TEXTS_MAX:
                kept.clear()
            kept[value] = found
        return found

    return known


SQLITE_TEXTS: dict[datetime, Any] = {}
POSTGRES_TEXTS: dict[datetime, Any] = {}
_TEXTS_MAX = 65_536  # a year of hours is 8,760 (peak times are not kept)
_postgres_time = kept_values(POSTGRES_TEXTS, _iso_text)
_sqlite_kept_text = kept_values(SQLITE_TEXTS, _sqlite_text)
# COPY's text format: a row per line, tab between columns, \N for NULL. Every value here is
# an integer, a statistic's name or a time's ISO text: none holds a tab, a newline or a backslash.
COPY_NULL = "\\N"
COPY_LINE = "\t".join(["%s"] * len(UPSERT_COLUMNS)) + "\n"


def _upsert_sql(source: str) -> str:
    columns = ", ".join(quote_name(c) for c in UPSERT_COLUMNS)
    updates = ", ".join(f"{quote_name(c)} = excluded.{quote_name(c)}" for c in UPSERT_COLUMNS[len(KEY_COLUMNS) :])
    keys = ", ".join(quote_name(c) for c in KEY_COLUMNS)
    table = quote_name(UsageSample._meta.db_table)
    return f"INSERT INTO {table} ({columns}) {source} ON CONFLICT ({keys}) DO UPDATE SET {updates}"


def _copy(rows: list[tuple], table: str) -> None:
    columns = ", ".join(quote_name(c) for c in UPSERT_COLUMNS)
    # psycopg's own cursor: its errors (a refused app among them) become Django's here.
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        # One block of text: psycopg's write_row() dumped each value in Python, a third of the
        # copy's CPU.
        copy.write("".join([COPY_LINE % row for row in rows]))


def _copy_upsert(rows: list[tuple]) -> None:
    columns = ", ".join(quote_name(c) for c in UPSERT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING_TABLE} ON COMMIT DELETE ROWS AS "
            f"SELECT {columns} FROM {quote_name(UsageSample._meta.db_table)} WITH NO DATA"
        )
    _copy(rows, STAGING_TABLE)
    with connection.cursor() as cursor:
        # Emptied as it is read, so a second store in the same transaction starts clean.
        cursor.execute(
            f"WITH moved AS (DELETE FROM {STAGING_TABLE} RETURNING {columns}) "
            + _upsert_sql(f"SELECT {columns} FROM moved")
        )


_sqlite_writer = threading.Lock()


def write_turn() -> contextlib.AbstractContextManager:
    """SQLite takes one writer at a time and makes the others poll with growing sleeps; worker
    threads of one process queue here instead and go the moment the writer is done."""
    return _sqlite_writer if connection.vendor == "sqlite" else contextlib.nullcontext()
