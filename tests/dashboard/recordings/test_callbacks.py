"""dashboard/recordings/callbacks.py: the ISDP+ callback endpoint (forged, stale, replayed and repeated
calls, values out of range), snapshots kept."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.recordings import callbacks
from dashboard.recordings.models import CallbackReceipt, Recording, RecordingFile, State
from tests.dashboard.conftest import logged_in
from tests.dashboard.recordings.conftest import (
    Setup,
    start_isdp_capture,
)
from vendors.isdp import callbacks as isdp_callbacks
from vendors.isdp.sim import access_key


def test_an_isdp_callback_completes_the_recording_and_bad_ones_change_nothing(setup: Setup) -> None:
    admin = logged_in(setup.tenants.acme_admin)
    recording = start_isdp_capture(setup, admin)
    sim = setup.sims["isdp"]
    capture = sim.captures[recording.recording_id]
    assert capture.callback_url.startswith("http://testserver/hooks/recordings/")
    admin.post(reverse("recordings:recording_stop", args=["acme", recording.pk]))
    recording.refresh_from_db()
    assert recording.state == State.STOPPING
    setup.clock.advance(seconds=4)
    assert sim.pump() == 1  # delivered to the console and acknowledged
    recording.refresh_from_db()
    assert recording.state == State.FINISHED and recording.file_count == 1 and recording.vendor_status == "callback"
    page = admin.get(reverse("recordings:recording_detail", args=["acme", recording.pk])).content.decode()
    assert "1 file(s) attached" in page and RecordingFile.objects.get(recording=recording).name in page
    assert "Recording rule" in page and "Resolution" not in page and "Mixed into one video" not in page

    body = capture.deliveries[-1]["body"]
    url = capture.callback_url
    key = access_key(capture.app_id)
    before = (RecordingFile.objects.count(), CallbackReceipt.objects.count(), Recording.objects.count())

    def post(payload: dict, signature: str) -> object:
        return Client().post(url, data=payload, content_type="application/json", headers={"X-HW-SIGN": signature})

    replay = post(body, isdp_callbacks.sign(key, body))
    assert replay.status_code == 409 and "replay" in replay.json()["errorMessage"]
    forged = post({**body, "channelId": "someone-elses"}, isdp_callbacks.sign(key, body))
    assert forged.status_code == 403 and "does not match" in forged.json()["errorMessage"]
    # The spec signs neither recordingId nor the file fields: a copy with them altered still
    # carries a signature already honoured once, so it is refused as a replay.
    altered = post({**body, "recordingId": "someone-elses"}, isdp_callbacks.sign(key, body))
    assert altered.status_code == 409
    wrong_key = post(body | {"authTimestamp": str(int(datetime.now(UTC).timestamp()) + 60)}, "ab" * 32)
    assert wrong_key.status_code == 403
    old = body | {"authTimestamp": str(int((datetime.now(UTC) - timedelta(minutes=10)).timestamp()))}
    stale = post(old, isdp_callbacks.sign(key, old))
    assert stale.status_code == 403 and "stale" in stale.json()["errorMessage"]
    unsigned = Client().post(url, data=body, content_type="application/json")
    assert unsigned.status_code == 403
    other_app = body | {"appId": "not-this-app"}
    assert post(other_app, isdp_callbacks.sign(key, other_app)).status_code == 403
    assert Client().post(url + "x/", data=body, content_type="application/json").status_code == 404
    bad_token = url.replace("/hooks/recordings/", "/hooks/recordings/x")
    assert Client().post(bad_token, data=body, content_type="application/json").status_code == 404
    assert Client().post(url, data="not json", content_type="application/json").status_code == 400
    assert Client().get(url).status_code == 405
    assert (RecordingFile.objects.count(), CallbackReceipt.objects.count(), Recording.objects.count()) == before
    recording.refresh_from_db()
    assert recording.state == State.FINISHED and recording.file_count == 1

    # The vendor retrying (a fresh timestamp, so a fresh signature) is answered and adds nothing.
    # One second after the original: never the original's own signature, whatever the clocks.
    retry = body | {"authTimestamp": str(int(body["authTimestamp"]) + 1)}
    again = post(retry, isdp_callbacks.sign(key, retry))
    assert again.status_code == 200 and again.json()["errorMessage"] == "a repeat: nothing new"
    assert RecordingFile.objects.count() == before[0] and CallbackReceipt.objects.count() == before[1] + 1


def test_isdp_snapshots_arrive_as_images_the_console_keeps(setup: Setup) -> None:
    admin = logged_in(setup.tenants.acme_admin)
    channel = setup.channels["isdp"]
    admin.post(
        reverse("recordings:recording_start", args=["acme", channel.pk]),
        {"kind": "image", "rule": "1002", "users": setup.publishers["isdp"][1]},
    )
    recording = Recording.objects.get(channel=channel)
    assert recording.kind == "image"
    setup.clock.advance(minutes=20)
    setup.sims["isdp"].pump()
    recording.refresh_from_db()
    file = recording.files.get()
    assert recording.state == State.FINISHED and file.media_type == "image/png"
    image = admin.get(reverse("recordings:recording_file", args=["acme", recording.pk, file.pk]))
    assert image["Content-Type"] == "image/png" and image.content.startswith(b"\x89PNG")

    # A full-size snapshot is larger than Django's 2.5 MB form limit; the endpoint still takes it.
    capture = setup.sims["isdp"].captures[recording.recording_id]
    big = b"\x89PNG" + bytes(4 * 1024 * 1024)
    body = capture.deliveries[-1]["body"] | {
        "imageData": base64.b64encode(big).decode(),
        "authTimestamp": str(int((datetime.now(UTC) + timedelta(minutes=4)).timestamp())),
    }
    signature = isdp_callbacks.sign(access_key(capture.app_id), body)
    answer = Client().post(
        capture.callback_url, data=body, content_type="application/json", headers={"X-HW-SIGN": signature}
    )
    assert answer.status_code == 200 and answer.json()["errorMessage"] == "1 file(s) attached"
    recording.refresh_from_db()
    assert recording.file_count == 2 and max(f.size_bytes for f in recording.files.all()) == len(big)


def test_a_vendor_id_seen_before_starts_a_new_recording_and_callbacks_go_to_the_newest(setup: Setup) -> None:
    from vendors.uprtc.sim import _base62

    admin = logged_in(setup.tenants.acme_admin)
    sim, channel = setup.sims["uprtc"], setup.channels["uprtc"]
    reused = _base62(f"uprtc-record:{sim._counter + 1}:{sim._run}")
    old = Recording.objects.create(channel=channel, recording_id=reused, state=State.FINISHED, file_count=1)
    Recording.objects.filter(pk=old.pk).update(started_at=timezone.now() - timedelta(days=700))
    response = admin.post(reverse("recordings:recording_start", args=["acme", channel.pk]), {"resolution": "720p"})
    assert response.status_code == 302
    assert Recording.objects.filter(channel=channel, recording_id=reused).count() == 2

    recording = start_isdp_capture(setup, admin)
    older = Recording.objects.create(channel=recording.channel, recording_id=recording.recording_id)
    Recording.objects.filter(pk=older.pk).update(started_at=timezone.now() - timedelta(days=400))
    admin.post(reverse("recordings:recording_stop", args=["acme", recording.pk]))
    setup.clock.advance(seconds=4)
    setup.sims["isdp"].pump()
    recording.refresh_from_db()
    older.refresh_from_db()
    assert recording.state == State.FINISHED and recording.file_count == 1 and older.file_count == 0


# --- callbacks: bound to the recording the console started, every field parsed --------------


def callback_post(url: str, body: object, signature: str | None) -> object:
    headers = {"X-HW-SIGN": signature} if signature is not None else {}
    return Client().post(url, data=json.dumps(body), content_type="application/json", headers=headers)


def test_a_started_recording_takes_callbacks_only_at_its_own_address(setup: Setup) -> None:
    admin = logged_in(setup.tenants.acme_admin)
    recording = start_isdp_capture(setup, admin)
    sim = setup.sims["isdp"]
    capture = sim.captures[recording.recording_id]
    account = recording.account
    # The account's part is signed with a timestamp: the address handed out a second ago differs
    # from one made now, and both name the account.
    account_url, token = capture.callback_url.rstrip("/").rsplit("/", 1)
    account_url += "/"
    prefix = "http://testserver" + reverse("hooks:recording_callback", args=["x"]).removesuffix("x/")
    assert account_url.startswith(prefix)
    assert signing.loads(account_url.removeprefix(prefix).strip("/"), salt=callbacks.SALT) == account.pk
    assert len(token) >= 40 and "/" not in token
    # Only its hash is kept: the database does not hold the address.
    assert recording.callback_token_hash == callbacks.token_hash(token) != token
    assert token not in json.dumps(list(Recording.objects.values()), default=str)

    second = start_isdp_capture_of(setup, admin, setup.publishers["isdp"][1])
    second_url = sim.captures[second.recording_id].callback_url
    assert second_url != capture.callback_url

    key = access_key(capture.app_id)
    genuine = sim.callback_body(capture, setup.clock())
    counts = (Recording.objects.count(), RecordingFile.objects.count(), CallbackReceipt.objects.count())

    # A copy of the genuine callback, altered before the genuine one arrived (so not a replay):
    # sent to its own address for another recording, to another recording's address, or to the
    # account's address naming a recording the console started: all refused, nothing changed.
    other = genuine | {"recordingId": second.recording_id}
    answer = callback_post(capture.callback_url, other, isdp_callbacks.sign(key, other))
    assert answer.status_code == 403 and "another recording" in answer.json()["errorMessage"]
    answer = callback_post(second_url, genuine, isdp_callbacks.sign(key, genuine))
    assert answer.status_code == 403 and "another recording" in answer.json()["errorMessage"]
    answer = callback_post(account_url, genuine, isdp_callbacks.sign(key, genuine))
    assert answer.status_code == 403 and "its own address" in answer.json()["errorMessage"]
    unknown = capture.callback_url.replace(token, "x" * len(token))
    assert callback_post(unknown, genuine, isdp_callbacks.sign(key, genuine)).status_code == 404
    assert (Recording.objects.count(), RecordingFile.objects.count(), CallbackReceipt.objects.count()) == counts

    # The genuine callback, at its own address, still completes the recording.
    admin.post(reverse("recordings:recording_stop", args=["acme", recording.pk]))
    setup.clock.advance(seconds=4)
    sim.pump()
    recording.refresh_from_db()
    second.refresh_from_db()
    assert recording.state == State.FINISHED and recording.file_count == 1 and second.file_count == 0


def start_isdp_capture_of(setup: Setup, admin: Client, user: str) -> Recording:
    channel = setup.channels["isdp"]
    response = admin.post(
        reverse("recordings:recording_start", args=["acme", channel.pk]),
        {"kind": "video", "rule": "1001", "users": user},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Recording.objects.filter(channel=channel).latest("started_at")


def test_callback_values_out_of_range_are_refused_with_a_reason(setup: Setup) -> None:
    admin = logged_in(setup.tenants.acme_admin)
    recording = start_isdp_capture(setup, admin)
    capture = setup.sims["isdp"].captures[recording.recording_id]
    account_url = reverse("hooks:recording_callback", args=[callbacks.account_token(recording.account)])
    key = access_key(capture.app_id)
    genuine = setup.sims["isdp"].callback_body(capture, setup.clock())
    before = (Recording.objects.count(), RecordingFile.objects.count(), CallbackReceipt.objects.count())

    for stamp in ("9999999999999999", "9" * 5000, "²", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
        body = genuine | {"authTimestamp": stamp}
        answer = callback_post(capture.callback_url, body, isdp_callbacks.sign(key, body))
        assert answer.status_code == 403 and "authTimestamp" in answer.json()["errorMessage"], stamp
        assert len(answer.content) < 300
    for signature in ("é", "\udc80", "ab" * 500):
        answer = callback_post(capture.callback_url, genuine, signature)
        assert answer.status_code == 403 and "X-HW-SIGN" in answer.json()["errorMessage"]
    for url in (capture.callback_url, account_url):
        deep = "[" * 100_000 + "]" * 100_000
        answer = Client().post(url, data=deep, content_type="application/json")
        assert answer.status_code == 400 and "nested" in answer.json()["message"]
        nested: list = []
        for _ in range(40):
            nested = [nested]
        nested = {"a": nested}
        answer = callback_post(url, genuine | nested, isdp_callbacks.sign(key, genuine))
        assert answer.status_code == 400 and "nested" in answer.json()["message"]
    # Text a database column cannot hold (longer than it, NUL, half a surrogate pair) is refused.
    unfit = [("recordingId", "r" * 201), ("recordingId", "r\x00"), ("fileId", "f\udc80"), ("channelId", "c" * 129)]
    for field, value in unfit:
        body = genuine | {field: value}
        answer = callback_post(account_url, body, isdp_callbacks.sign(key, body))
        assert answer.status_code == 400 and "cannot be kept" in answer.json()["errorMessage"], (field, answer.content)
    assert (Recording.objects.count(), RecordingFile.objects.count(), CallbackReceipt.objects.count()) == before


CALLBACK_FIELDS = ("appId", "channelId", "recordingId", "userId", "extraData", "authTimestamp")
CALLBACK_FIELDS += ("fileId", "filePath", "fileName", "imageData")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)


field_values = st.one_of(
    json_values,
    st.sampled_from(["9999999999999999", "-1", "²", "1e400", "0001-01-01T00:00:00+01:00", "\x00", "\udc80", ""]),
    st.text(min_size=100, max_size=400),
)


def test_no_callback_field_or_header_answers_500(setup: Setup) -> None:
    admin = logged_in(setup.tenants.acme_admin)
    recording = start_isdp_capture(setup, admin)
    capture = setup.sims["isdp"].captures[recording.recording_id]
    urls = [
        capture.callback_url,
        reverse("hooks:recording_callback", args=[callbacks.account_token(recording.account)]),
    ]
    key = access_key(capture.app_id)
    genuine = setup.sims["isdp"].callback_body(capture, setup.clock())

    @settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
    @given(
        changes=st.dictionaries(st.sampled_from(CALLBACK_FIELDS), field_values, max_size=4),
        extra=st.dictionaries(st.text(max_size=8), json_values, max_size=2),
        header=st.none() | st.text(max_size=80) | st.just("signed"),
        url=st.sampled_from(urls),
    )
    def send(changes: dict, extra: dict, header: str | None, url: str) -> None:
        body = extra | genuine | changes
        signature = isdp_callbacks.sign(key, body) if header == "signed" else header
        answer = callback_post(url, body, signature)
        assert answer.status_code < 500 and isinstance(answer.json(), dict)

    @settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
    @given(raw=st.binary(max_size=200) | st.integers(1, 50_000).map(lambda n: b"{}" if n < 2 else b'{"a":' * n))
    def send_raw(raw: bytes) -> None:
        answer = Client().post(urls[0], data=raw, content_type="application/json")
        assert answer.status_code < 500

    send()
    send_raw()
