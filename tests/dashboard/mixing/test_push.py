"""Bypass push (Aliyun MPU) from the console: start with a saved layout, follow its status,
apply another layout to the running task, stop; the spec's StreamURL rules; every call
audited; viewers and other tenants refused."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from dashboard.audit.models import AuditEntry, Outcome
from dashboard.live.models import Channel
from dashboard.mixing.layouts import preset_layout, to_json
from dashboard.mixing.models import LayoutTemplate, LayoutVersion, MixingTask, TaskState
from dashboard.mixing.tasks import check_pushes
from dashboard.rtc.models import RtcApp
from tests.dashboard.conftest import Simulated, World2, logged_in
from vendors.base.types import MixLayout, Pane
from vendors.sim.world import ROLE_COMMUNICATION


@pytest.fixture
def setup(two_tenants: World2, aliyun_sim: Simulated):
    world = aliyun_sim.simulator.world
    app_id = world.apps("aliyun")[0].app_id
    app = RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id=app_id)
    channel_id = f"push-{uuid.uuid4().hex[:10]}"
    for user in ("host", "guest"):
        world.join(app_id, channel_id, user, role=ROLE_COMMUNICATION)
    channel = Channel.objects.create(app=app, channel_id=channel_id, is_live=True)
    layouts = {}
    for name, key in (("Duo", "side-by-side"), ("Quad", "grid-2")):
        layout = preset_layout(key)
        panes = tuple(
            Pane(
                p.x,
                p.y,
                p.width,
                p.height,
                z=p.z,
                user_id=("host", "guest")[i] if i < 2 else None,
                render_mode=p.render_mode,
            )
            for i, p in enumerate(layout.panes)
        )
        template = LayoutTemplate.objects.create(tenant=two_tenants.acme, name=name)
        LayoutVersion.objects.create(
            template=template, number=1, layout=to_json(MixLayout(panes, crop_mode=layout.crop_mode))
        )
        layouts[name] = template
    return two_tenants, aliyun_sim, app, channel, layouts


def start_data(template: LayoutTemplate, url: str | None = None, **extra: object) -> dict[str, object]:
    return {
        "stream_url": url or f"rtmp://cdn.example.com/live/{uuid.uuid4().hex[:8]}",
        "media_encode": 20,
        "task_profile": "4IN_720P",
        "template": template.pk,
        "subscribed_users": "",
        **extra,
    }


def test_start_follow_apply_and_stop_a_push_and_the_simulator_carries_each_layout(setup) -> None:
    tenants, sim, app, channel, layouts = setup
    admin = logged_in(tenants.acme_admin)
    started = admin.post(reverse("mixing:push_start", args=["acme", channel.pk]), start_data(layouts["Duo"]))
    task = MixingTask.objects.get(channel=channel)
    assert started.status_code == 302 and started["Location"] == reverse("mixing:push_detail", args=["acme", task.pk])
    carried = sim.simulator.mpu_tasks[(app.app_id, task.task_id)]
    assert carried.layout_history[-1]["LayoutIds"] == [2]
    assert [(p["PaneId"], p["UserId"]) for p in carried.layout_history[-1]["UserPanes"]] == [(0, "host"), (1, "guest")]

    check_pushes()  # the scheduled status check, run inline
    task.refresh_from_db()
    assert task.state in (TaskState.WAITING, TaskState.RUNNING) and task.checked_at and task.vendor_status

    confirm = admin.get(reverse("mixing:push_apply", args=["acme", task.pk]), {"template": layouts["Quad"].pk})
    assert confirm.status_code == 200 and b"Apply \xe2\x80\x9cQuad\xe2\x80\x9d" in confirm.content
    assert len(carried.layout_history) == 1  # the confirmation changed nothing
    applied = admin.post(reverse("mixing:push_apply", args=["acme", task.pk]), {"template": layouts["Quad"].pk})
    assert applied.status_code == 302 and carried.layout_history[-1]["LayoutIds"] == [5]
    task.refresh_from_db()
    assert task.layout_version.template == layouts["Quad"]

    assert admin.get(reverse("mixing:push_stop", args=["acme", task.pk])).status_code == 200
    assert admin.post(reverse("mixing:push_stop", args=["acme", task.pk])).status_code == 302
    task.refresh_from_db()
    assert task.state == TaskState.STOPPED and task.stopped_at and carried.status == 3
    actions = list(
        AuditEntry.objects.filter(action__startswith="mixing.").order_by("pk").values_list("action", "outcome")
    )
    assert actions == [
        ("mixing.start", Outcome.SUCCESS),
        ("mixing.update_layout", Outcome.SUCCESS),
        ("mixing.stop", Outcome.SUCCESS),
    ]
    assert all(AuditEntry.objects.filter(action__startswith="mixing.").values_list("vendor_request_id", flat=True))


def test_stream_url_rules_and_encoding_rules_are_explained_before_anything_is_sent(setup) -> None:
    tenants, sim, app, channel, layouts = setup
    admin = logged_in(tenants.acme_admin)
    url = start_data(layouts["Duo"])["stream_url"]
    page = admin.post(
        reverse("mixing:push_start", args=["acme", channel.pk]), start_data(layouts["Duo"], "http://cdn/x")
    )
    assert b"rtmp:// or rtmps://" in page.content
    page = admin.post(
        reverse("mixing:push_start", args=["acme", channel.pk]), start_data(layouts["Duo"], media_encode=30)
    )
    assert "exceeds the 720P resolution" in page.content.decode()
    page = admin.post(
        reverse("mixing:push_start", args=["acme", channel.pk]), start_data(layouts["Quad"], task_profile="2IN_720P")
    )
    assert "takes 2 inputs" in page.content.decode()
    assert not MixingTask.objects.exists() and not sim.simulator.mpu_tasks.get((app.app_id, "x"))
    assert (
        admin.post(reverse("mixing:push_start", args=["acme", channel.pk]), start_data(layouts["Duo"], url)).status_code
        == 302
    )
    again = admin.post(reverse("mixing:push_start", args=["acme", channel.pk]), start_data(layouts["Duo"], url))
    assert b"Another running task pushes to this address" in again.content
    task = MixingTask.objects.get()
    admin.post(reverse("mixing:push_stop", args=["acme", task.pk]))
    soon = admin.post(reverse("mixing:push_start", args=["acme", channel.pk]), start_data(layouts["Duo"], url))
    assert b"less than 10 seconds ago" in soon.content and MixingTask.objects.count() == 1


def test_a_layout_aliyun_cannot_mix_is_refused_with_the_reason(setup) -> None:
    tenants, _sim, _app, channel, _layouts = setup
    odd = LayoutTemplate.objects.create(tenant=tenants.acme, name="Odd")
    LayoutVersion.objects.create(template=odd, number=1, layout=to_json(MixLayout((Pane(0.1, 0.1, 0.5, 0.5),))))
    page = logged_in(tenants.acme_admin).post(reverse("mixing:push_start", args=["acme", channel.pk]), start_data(odd))
    assert b"only its preset layouts" in page.content and not MixingTask.objects.exists()


@pytest.mark.parametrize("name", ["mixing:push_start", "mixing:push_apply", "mixing:push_stop"])
def test_viewers_get_403_and_other_tenants_404(setup, name: str) -> None:
    tenants, _sim, _app, channel, layouts = setup
    logged_in(tenants.acme_admin).post(
        reverse("mixing:push_start", args=["acme", channel.pk]), start_data(layouts["Duo"])
    )
    task = MixingTask.objects.get()
    target = channel.pk if name == "mixing:push_start" else task.pk
    url = reverse(name, args=["acme", target])
    data = {"template": layouts["Quad"].pk, **start_data(layouts["Duo"])}
    assert logged_in(tenants.acme_viewer).post(url, data).status_code == 403
    assert logged_in(tenants.harbor_admin).post(url, data).status_code == 404
    assert logged_in(tenants.harbor_admin).get(reverse("mixing:push_detail", args=["acme", task.pk])).status_code == 404
    assert AuditEntry.objects.filter(action__startswith="mixing.").count() == 1  # only the admin's start


def test_a_push_the_vendor_ends_on_its_own_is_marked_for_the_alerts(setup) -> None:
    tenants, sim, app, channel, layouts = setup
    admin = logged_in(tenants.acme_admin)
    admin.post(reverse("mixing:push_start", args=["acme", channel.pk]), start_data(layouts["Duo"]))
    task = MixingTask.objects.get(channel=channel)
    sim.simulator.mpu_tasks[(app.app_id, task.task_id)].status = 5  # CDN trouble: the vendor stopped it
    check_pushes()
    task.refresh_from_db()
    assert task.state == TaskState.FAILED and task.ended_by_vendor and task.stopped_at
