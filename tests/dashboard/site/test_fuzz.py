"""Arbitrary input never breaks the console: every form answers with form errors, every
POST URL and the report filters answer below 500 (hypothesis; the vendors' parsers are
fuzzed the same way in tests/vendors)."""

from __future__ import annotations

import pytest
from django.http import HttpRequest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.credentials.forms import VendorAccountForm
from dashboard.credentials.models import VendorAccount
from dashboard.live.forms import CloseForm, CreateChannelForm, KickForm, WatchForm
from dashboard.mixing.forms import PaneForm, TemplateForm
from dashboard.mixing.models import LayoutTemplate
from dashboard.people.forms import LoginForm, PreferencesForm
from dashboard.recordings.forms import RuleForm, StartRecordingForm, StorageForm, UsersForm
from dashboard.recordings.models import StorageTarget
from dashboard.rtc.forms import RegisterAppForm
from dashboard.rtc.models import RtcApp
from tests.dashboard.conftest import World2, logged_in
from tests.dashboard.site.test_mutations import POST_DATA, post_urls
from vendors import registry
from vendors.base.types import RecordingKind, RecordingRule

# Text as people and attackers type it: any unicode, NUL bytes and very long strings included.
TEXT = st.one_of(st.text(max_size=300), st.sampled_from(["", " ", "\x00", "0" * 5000, "../../etc", "<script>"]))


def fields_of(names: list[str]) -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries({}, optional={name: TEXT for name in names})


FUZZ = settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


@FUZZ
@given(data=st.data())
def test_every_form_answers_arbitrary_input_with_form_errors(two_tenants: World2, data: st.DataObject) -> None:
    apps = RtcApp.objects.all()
    forms = [
        lambda d: VendorAccountForm(
            d,
            vendor=registry.get(data.draw(st.sampled_from(registry.names()))),
            instance=VendorAccount(tenant=two_tenants.acme),
        ),
        lambda d: RegisterAppForm(d, instance=RtcApp(vendor_account=two_tenants.acme_account)),
        lambda d: WatchForm(d, apps=apps),
        lambda d: CreateChannelForm(d, apps=apps),
        lambda d: KickForm(d),
        lambda d: CloseForm(d, channel_id="room-1"),
        lambda d: PreferencesForm(d),
        lambda d: LoginForm(HttpRequest(), data=d),
        lambda d: TemplateForm(d),
        lambda d: PaneForm(d),
        lambda d: StartRecordingForm(
            d,
            info=registry.get(data.draw(st.sampled_from(["anyrtc", "uprtc", "isdp"]))),
            templates=LayoutTemplate.objects.all(),
            storages=StorageTarget.objects.all(),
            rules=[RecordingRule(RecordingKind.VIDEO, False, "f", "https://x/", rule_id="1001")],
        ),
        lambda d: UsersForm(d),
        lambda d: RuleForm(d),
        lambda d: StorageForm(d, instance=StorageTarget(tenant=two_tenants.acme), tenant=two_tenants.acme),
    ]
    for make in forms:
        names = list(make({}).fields)
        form = make(data.draw(fields_of(names)))
        form.is_valid()  # errors are fine; an exception is not
        assert isinstance(form.errors, dict)


@pytest.fixture
def post_targets(two_tenants: World2) -> list[tuple[str, str]]:
    return [(name, url) for name, url in post_urls(two_tenants) if name not in {"people:logout", "people:login"}]


@FUZZ
@given(data=st.data())
def test_no_post_url_answers_500_to_arbitrary_forms(two_tenants: World2, post_targets, data: st.DataObject) -> None:
    name, url = data.draw(st.sampled_from(post_targets))
    fields = sorted(set(POST_DATA[name]) | {"app", "users", "name", "label", "token", "q", "page"})
    response = logged_in(two_tenants.acme_admin).post(url, data.draw(fields_of(fields)))
    assert response.status_code < 500, (name, response.status_code)


@FUZZ
@given(
    query=fields_of(["range", "granularity", "from", "to", "app", "account", "tier", "compare", "page", "q", "user"])
)
def test_report_and_list_filters_never_answer_500(two_tenants: World2, query: dict[str, str]) -> None:
    client = logged_in(two_tenants.acme_viewer)
    for url in (
        reverse("usage:tenant_usage", args=["acme"]),
        reverse("live:channel_list", args=["acme", two_tenants.acme_account.pk]),
        reverse("credentials:account_list", args=["acme"]),
    ):
        assert client.get(url, query).status_code < 500, url
