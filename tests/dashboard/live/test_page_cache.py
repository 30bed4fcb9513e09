"""The live page's stored render (dashboard/live/views.py, dashboard/core/page_cache.py): kept
while nothing changes, never after a poll, a kick, a push or recording starting on the channel,
or a change to the channel; never another tenant's; the refresh still answers 204."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dashboard.live import views
from dashboard.live.models import Channel, Presence
from dashboard.live.poll import poll_channels
from dashboard.mixing.models import MixingTask, TaskState
from dashboard.recordings.models import Recording, State
from tests.dashboard.conftest import HTMX, logged_in
from vendors.sim.world import ROLE_COMMUNICATION

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    rendered: list[int] = []
    real = views._live_context

    def counted(*args: Any) -> Any:
        rendered.append(1)
        return real(*args)

    monkeypatch.setattr(views, "_live_context", counted)
    return rendered


def page_of(live: Any) -> tuple[Client, str, Channel]:
    world, _sim, _app, channel = live
    client = logged_in(world.acme_admin)
    client.get(reverse("credentials:account_list", args=["acme"]))  # the CSRF cookie
    poll_channels(world.acme_account, [channel])
    return client, reverse("live:channel_detail", args=["acme", channel.pk]), channel


def test_kept_until_a_poll_sees_someone_join(live: Any, renders: list[int]) -> None:
    client, url, channel = page_of(live)
    first = client.get(url).content.decode()
    assert "alice" in first and "dave" not in first
    # the same page but for its CSRF tokens (a fresh mask of the cookie on every answer)
    assert untokened(client.get(url).content.decode()) == untokened(first) and len(renders) == 1
    _world, sim, app, _channel = live
    sim.simulator.world.join(app.app_id, channel.channel_id, "dave", role=ROLE_COMMUNICATION)
    poll_channels(channel.app.vendor_account, [channel])
    assert "dave" in client.get(url).content.decode() and len(renders) == 2


def test_a_kick_a_push_a_recording_and_the_watch_flag_each_make_a_new_page(live: Any, renders: list[int]) -> None:
    client, url, channel = page_of(live)
    client.get(url)
    Presence.objects.filter(channel=channel, user_id="bob").update(kicked_at=channel.last_polled_at)
    assert "kicked" in client.get(url).content.decode() and len(renders) == 2
    MixingTask.objects.create(
        channel=channel, task_id="push-1", stream_url="rtmp://cdn/x", media_encode=20, task_profile="4IN_720P"
    )
    MixingTask.objects.filter(task_id="push-1").update(state=TaskState.RUNNING)
    assert 'data-task="push:push-1"' in client.get(url).content.decode() and len(renders) == 3
    Recording.objects.create(
        tenant=channel.app.vendor_account.tenant, channel=channel, recording_id="rec-1", state=State.RECORDING
    )
    assert 'data-task="recording:rec-1"' in client.get(url).content.decode() and len(renders) == 4
    Recording.objects.filter(recording_id="rec-1").update(state=State.FINISHED)
    # the same data as two pages ago: that render again, without the recording
    page = client.get(url).content.decode()
    assert 'data-task="recording:rec-1"' not in page and 'data-task="push:push-1"' in page
    Channel.objects.filter(pk=channel.pk).update(watched=False)
    client.get(url)
    assert len(renders) == 5


def test_the_refresh_answers_204_and_another_tenant_gets_404(live: Any, renders: list[int]) -> None:
    client, url, _channel = page_of(live)
    fragment = client.get(url, headers=HTMX).content.decode()
    version = re.search(r'"since": "([^"]*)"', fragment).group(1)  # type: ignore[union-attr]
    assert client.get(url, {"since": version}, headers=HTMX).status_code == 204
    world = live[0]
    harbor = logged_in(world.harbor_admin)
    assert harbor.get(url).status_code == 404 and harbor.get(url, headers=HTMX).status_code == 404
    viewer = logged_in(world.acme_viewer)
    viewer.get(reverse("credentials:account_list", args=["acme"]))
    page = viewer.get(url).content.decode()
    assert world.acme_viewer.username in page and world.acme_admin.username not in page


def untokened(page: str) -> str:
    return re.sub(r"[A-Za-z0-9]{64}", "", page)
