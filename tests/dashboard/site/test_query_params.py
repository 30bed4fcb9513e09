"""No query parameter and no id in a URL answers 500: every GET page, as admin, viewer and
staff, full page and htmx fragment, exports included, gets hostile values for every key it
reads ("²", "9" * 30, "-1", NUL, dates past year 9999...). The list of keys is complete: a
page that reads a key the list does not name fails the test (every read is recorded)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.handlers.wsgi import WSGIRequest, get_bytes_from_wsgi
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils.functional import cached_property
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.dashboard.conftest import HTMX, World2, logged_in
from tests.dashboard.site.test_isolation import acme_layout, kwargs_for, named_patterns

# Every page that answers GET and the query keys its view reads. A new page or a new key
# must be added here: the tests below fail for a page or a key they do not know.
QUERY_PARAMS: dict[str, set[str]] = {
    "people:login": {"next"},
    "people:sso_start": {"next"},
    "people:sso_callback": {"code", "state", "error"},
    "people:two_factor": set(),
    "people:logout": set(),
    "people:password_change": set(),
    "people:password_change_done": set(),
    "people:preferences": set(),
    "home:home": {"page"},
    "home:tenant_home": set(),
    "home:search": {"q"},
    "tenancy:tenant_list": {"page", "q"},
    "credentials:account_list": {"page", "q"},
    "credentials:account_choose_vendor": set(),
    "credentials:account_create": set(),
    "credentials:account_edit": set(),
    "credentials:account_delete": set(),
    "rtc:account_detail": {"page", "q"},
    "rtc:app_rename": {"cancel"},
    "rtc:app_unregister": set(),
    "rtc:servers": set(),
    "rtc:server_recycle": set(),
    "rtc:recording_upload": set(),
    "staff:all_audit": {"action", "outcome", "page", "q", "request_id", "since", "until"},
    "audit:tenant_audit": {"action", "outcome", "page", "q", "request_id", "since", "until"},
    "staff:all_audit_csv": {"action", "outcome", "q", "request_id", "since", "until"},
    "audit:tenant_audit_csv": {"action", "outcome", "q", "request_id", "since", "until"},
    "recordings:active_tasks": set(),
    "staff:all_active_tasks": set(),
    "staff:usage_overview": {"range", "from", "to", "granularity", "app", "account", "tier", "compare", "order"},
    "usage:tenant_usage": {"range", "from", "to", "granularity", "app", "account", "tier", "compare", "export", "page"},
    "usage:account_usage": {
        "range",
        "from",
        "to",
        "granularity",
        "app",
        "account",
        "tier",
        "compare",
        "export",
        "page",
    },
    "usage:app_usage": {"range", "from", "to", "granularity", "app", "account", "tier", "compare", "export", "page"},
    "usage:statement": {"month", "export"},
    "billing:price_book_list": set(),
    "billing:price_book_create": set(),
    "billing:price_book_edit": set(),
    "billing:price_book_delete": set(),
    "billing:markup_edit": set(),
    "live:channel_list": {"app", "page", "q", "show", "user"},
    "live:channel_detail": {"page", "q", "role", "since"},
    "live:member_session": {"user"},
    "live:channel_kick": {"user"},
    "live:channel_close": set(),
    "live:channel_participants": {"page"},
    "live:channel_nonce": set(),
    "live:join_token": {"channel"},
    "live:read_token": set(),
    "live:channel_room": set(),
    "live:member_presence": {"user"},
    "live:channel_recording_status": set(),
    "live:channel_lock": {"user"},
    "live:channel_unlock": {"user"},
    "live:channel_block": {"user"},
    "live:channel_message": {"user"},
    "live:channel_invite": {"user"},
    "live:co_host_add": {"user"},
    "live:co_host_remove": {"user"},
    "live:mirror_create": {"user"},
    "live:channel_merge": {"user", "room"},
    "live:channel_separate": {"user", "room"},
    "live:merged_track": {"user"},
    "live:channel_history": {"day", "page", "user"},
    "live:channel_history_detail": {"channel", "day", "page"},
    "ops:healthz": set(),
    "ops:readyz": set(),
    "metrics:metrics": set(),
    "staff:ops_jobs": set(),
    "mixing:layout_list": set(),
    "mixing:layout_new": {"channel", "preset"},
    "mixing:layout_edit": {"channel", "preset"},
    "mixing:push_start": set(),
    "mixing:push_detail": set(),
    "mixing:push_apply": {"template"},
    "mixing:push_stop": set(),
    "recordings:recording_list": {"account", "page", "q", "show"},
    "recordings:recording_start": set(),
    "recordings:channel_recordings_stop": set(),
    "recordings:recording_detail": set(),
    "recordings:recording_stop": set(),
    "recordings:recording_apply_layout": {"template"},
    "recordings:recording_download": set(),
    "recordings:recording_file": set(),
    "recordings:rule_list": set(),
    "recordings:rule_new": set(),
    "recordings:rule_edit": set(),
    "recordings:rule_delete": set(),
    "recordings:storage_list": set(),
    "recordings:storage_new": set(),
    "recordings:storage_edit": set(),
    "recordings:storage_delete": set(),
    "api_tokens:tenant_tokens": {"page"},
    "api_tokens:tenant_token_revoke": set(),
    "staff:api_tokens": {"page"},
    "staff:api_token_revoke": set(),
    "alerts:alert_list": set(),
    "alerts:rule_new": set(),
    "alerts:rule_edit": set(),
    "alerts:rule_delete": set(),
    "alerts:destination_new": set(),
    "alerts:destination_edit": set(),
    "alerts:destination_delete": set(),
    "alerts:delivery_list": {"page"},
}


# Keys that open the branches where other keys are used: `from` and `to` are read only for a
# custom range, and the comparison reaches back before `from`.
GATES = {"from": {"range": "custom", "compare": "1"}, "to": {"range": "custom", "compare": "1"}}


# Recording callbacks are the vendors' signed POSTs, fuzzed with their own tests.
NOT_PAGES = {"hooks:recording_callback"}


# What a hostile or careless hand puts in a query string.
HOSTILE = [
    "",
    " ",
    "²",
    "١٢",
    "\uff11\uff12",  # fullwidth digits
    "9" * 30,
    str(2**63),
    str(2**63 - 1),
    "-1",
    "0",
    "1e9",
    "1.5",
    "0x10",
    " 7 ",
    "\x00",
    "1\x00",
    "9" * 5000,
    "x" * 5000,
    "99999-01-01",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "2024-02-30",
    "\uff12\uff10\uff12\uff14-01-01",
    "20240101",
    "2024-W01-1",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00",
    "NaN",
]


class ReadKeys(QueryDict):
    """request.GET that remembers which keys the view asked for."""

    read: set[str] = set()

    def __getitem__(self, key: str) -> str:
        ReadKeys.read.add(key)
        return super().__getitem__(key)

    def getlist(self, key: str, default: list | None = None) -> list:
        ReadKeys.read.add(key)
        return super().getlist(key, default)

    def __contains__(self, key: object) -> bool:
        ReadKeys.read.add(str(key))
        return super().__contains__(key)


def _recording_get(request: WSGIRequest) -> QueryDict:
    return ReadKeys(get_bytes_from_wsgi(request.environ, "QUERY_STRING", ""), encoding=request._encoding)


def _no_nul(execute, sql, params, many, context):
    """PostgreSQL refuses NUL in text parameters (SQLite does not): fail here as it would there."""
    rows = params if many else [params]
    for row in rows or []:
        values = row.values() if isinstance(row, dict) else row or []
        assert not any(isinstance(value, str) and "\x00" in value for value in values), f"NUL sent to the DB: {sql}"
    return execute(sql, params, many, context)


@pytest.fixture
def recorded_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    prop = cached_property(_recording_get)
    prop.__set_name__(WSGIRequest, "GET")
    monkeypatch.setattr(WSGIRequest, "GET", prop)
    with connection.execute_wrapper(_no_nul):
        yield


def _check(client: Client, name: str, url: str, query: dict[str, str], htmx: bool) -> None:
    ReadKeys.read = set()
    response = client.get(url, query, headers=HTMX if htmx else {})
    assert response.status_code < 500, (name, query, htmx, response.status_code)
    unknown = ReadKeys.read - QUERY_PARAMS[name]
    assert not unknown, f"{name} reads {unknown}: add them to QUERY_PARAMS"


def test_every_page_is_listed(two_tenants: World2) -> None:
    client = logged_in(two_tenants.staff)
    for name, pattern in named_patterns():
        if name in NOT_PAGES:
            continue
        url = reverse(name, kwargs=kwargs_for(pattern, two_tenants, two_tenants.acme.slug))
        if client.get(url).status_code != 405:
            assert name in QUERY_PARAMS, f"{name} answers GET: add it to QUERY_PARAMS"
        else:
            assert name not in QUERY_PARAMS, f"{name} does not answer GET: remove it from QUERY_PARAMS"


def _url(world: World2, name: str) -> str:
    pattern = dict(named_patterns())[name]
    return reverse(name, kwargs=kwargs_for(pattern, world, world.acme.slug))


def _users(world: World2) -> dict[str, object]:
    return {"admin": world.acme_admin, "viewer": world.acme_viewer, "staff": world.staff}


@pytest.mark.parametrize("name", sorted(name for name, keys in QUERY_PARAMS.items() if keys))
def test_hostile_values_in_every_key_never_answer_500(two_tenants: World2, recorded_reads: None, name: str) -> None:
    """Each hostile value in every key of the page at once, once more through its gates, and
    for the usage reports once more as the CSV or Excel export."""
    url = _url(two_tenants, name)
    keys = QUERY_PARAMS[name]
    gates = {gate: value for key in keys for gate, value in GATES.get(key, {}).items()}
    clients = [logged_in(user) for user in _users(two_tenants).values()]
    for index, value in enumerate(HOSTILE):
        client = clients[index % len(clients)]
        _check(client, name, url, dict.fromkeys(keys, value), htmx=index % 2 == 1)
        if gates:
            _check(client, name, url, dict.fromkeys(keys, value) | gates, htmx=index % 2 == 0)
        if "export" in keys:
            export = {"export": "csv" if index % 2 else "xlsx"}
            _check(client, name, url, dict.fromkeys(keys, value) | gates | export, htmx=False)


def _plausible(world: World2) -> dict[str, list[str]]:
    """Values that open the views' deeper branches, mixed in with the hostile ones."""
    return {
        "app": [str(world.acme_manual_app.pk)],
        "account": [str(world.acme_account.pk)],
        "template": [str(acme_layout(world).pk)],
        "range": ["custom", "7d", "12m"],
        "export": ["csv", "xlsx"],
        "compare": ["1"],
        "granularity": ["hour", "week", "month"],
        "from": ["2024-01-01", "1999-12-31"],
        "to": ["2024-03-01", "2100-01-01"],
        "day": ["2024-01-01"],
        "page": ["2"],
        "show": ["live", "watched", "attention"],
    }


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(data=st.data())
def test_arbitrary_query_strings_never_answer_500(
    two_tenants: World2, recorded_reads: None, data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(sorted(name for name, keys in QUERY_PARAMS.items() if keys)))
    plausible = _plausible(two_tenants)
    values = {
        key: st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40), st.sampled_from(plausible.get(key, ["1"])))
        for key in QUERY_PARAMS[name]
    }
    query = data.draw(st.fixed_dictionaries({}, optional=values))
    # A few repeated keys, as multi-valued filters (?app=1&app=2) are sent.
    repeated = {key: [query[key], data.draw(values[key])] for key in query if data.draw(st.booleans())}
    user = _users(two_tenants)[data.draw(st.sampled_from(["admin", "viewer", "staff"]))]
    _check(logged_in(user), name, _url(two_tenants, name), query | repeated, htmx=data.draw(st.booleans()))


def _int_keys(pattern: URLPattern) -> list[str]:
    return [key for key, converter in pattern.pattern.converters.items() if isinstance(converter.to_python("1"), int)]


INT_CONVERTED = [name for name, pattern in named_patterns() if _int_keys(pattern)]


@pytest.mark.parametrize("name", INT_CONVERTED)
@pytest.mark.parametrize("number", [2**63, 10**30, int("9" * 300)], ids=["2**63", "10**30", "300 nines"])
def test_an_id_past_the_database_range_in_a_url_is_404(two_tenants: World2, name: str, number: int) -> None:
    pattern = dict(named_patterns())[name]
    client = logged_in(two_tenants.staff)
    for key in _int_keys(pattern):
        kwargs = kwargs_for(pattern, two_tenants, two_tenants.acme.slug) | {key: number}
        url = reverse(name, kwargs=kwargs)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            # 404 before the view runs, even where the view takes only the other method (no 405).
            assert response.status_code == 404, (method, url, response.status_code)


def test_the_largest_id_the_database_holds_is_an_ordinary_404(two_tenants: World2) -> None:
    client = logged_in(two_tenants.staff)
    assert client.get(reverse("recordings:recording_detail", args=["acme", 2**63 - 1])).status_code == 404
    assert client.get(reverse("live:channel_list", args=["acme", 2**63 - 1])).status_code == 404


def test_a_custom_range_out_of_reach_is_said_and_the_default_shown(two_tenants: World2) -> None:
    client = logged_in(two_tenants.acme_admin)
    query = {"range": "custom", "from": "0001-01-01", "to": "9999-12-31", "compare": "1"}
    page = client.get(reverse("usage:tenant_usage", args=["acme"]), query)
    assert page.status_code == 200
    assert "A custom range lies between 2000-01-01 and 2099-12-31" in page.content.decode()
    assert page.context["filters"].preset == "30d"


def test_a_history_day_out_of_reach_is_said_and_today_shown(two_tenants: World2) -> None:
    client = logged_in(two_tenants.acme_admin)
    url = reverse("live:channel_history", args=["acme", two_tenants.acme_manual_app.pk])
    for day, said in (("0001-01-01", "no records before 2000-01-01"), ("99999-01-01", "is not a date")):
        page = client.get(url, {"day": day})
        assert page.status_code == 200 and said in page.content.decode(), day
