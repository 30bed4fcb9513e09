"""Layout templates: start from a preset, edit panes, bind members, see what each vendor
would be sent (or why not), save versions, restore one; viewers look, admins save."""

from __future__ import annotations

from django.urls import reverse

from dashboard.live.models import Channel, Presence
from dashboard.mixing.layouts import EDITOR_PRESETS, from_json
from dashboard.mixing.models import LayoutTemplate, LayoutVersion, MpuPreset
from dashboard.rtc.models import RtcApp
from tests.dashboard.conftest import World2, logged_in


def form_data(name: str, panes: list[dict[str, object]], **extra: str) -> dict[str, object]:
    data: dict[str, object] = {
        "name": name,
        "background": "#102030",
        "pane-TOTAL_FORMS": str(len(panes)),
        "pane-INITIAL_FORMS": "0",
        "pane-MIN_NUM_FORMS": "1",
        "pane-MAX_NUM_FORMS": "17",
        **extra,
    }
    for index, pane in enumerate(panes):
        defaults = {"z": index, "user_id": "", "source": "camera", "render_mode": "fit", "alpha": 1}
        for key, value in {**defaults, **pane}.items():
            data[f"pane-{index}-{key}"] = value
    return data


SIDE_BY_SIDE = [{"x": 0, "y": 0, "width": 0.5, "height": 1}, {"x": 0.5, "y": 0, "width": 0.5, "height": 1}]


def test_a_preset_opens_in_the_editor_with_its_panes_and_both_vendor_previews(two_tenants: World2) -> None:
    page = logged_in(two_tenants.acme_viewer).get(reverse("mixing:layout_new", args=["acme"]), {"preset": "grid-3"})
    html = page.content.decode()
    assert page.status_code == 200 and html.count('class="pane"') == 9 + 2 * 9  # editor canvas + two previews
    assert 'data-vendor="aliyun"' in html and 'data-vendor="anyrtc"' in html and "can mix this" in html
    assert set(EDITOR_PRESETS) <= {key for key in EDITOR_PRESETS if f"?preset={key}" in html}


def test_admin_saves_versions_and_restores_an_old_one(two_tenants: World2) -> None:
    admin = logged_in(two_tenants.acme_admin)
    bound = [dict(SIDE_BY_SIDE[0], user_id="teacher"), dict(SIDE_BY_SIDE[1], user_id="student", source="screen")]
    created = admin.post(reverse("mixing:layout_new", args=["acme"]), form_data("Lecture", bound, save="1"))
    template = LayoutTemplate.objects.get(tenant=two_tenants.acme, name="Lecture")
    assert created.status_code == 302 and created["Location"] == reverse(
        "mixing:layout_edit", args=["acme", template.pk]
    )
    first = from_json(template.current.layout)
    assert [p.user_id for p in first.panes] == ["teacher", "student"] and first.background.hex == "#102030"
    moved = [dict(bound[0], x=0.025), bound[1]]
    admin.post(reverse("mixing:layout_edit", args=["acme", template.pk]), form_data("Lecture", moved, save="1"))
    assert template.versions.count() == 2 and from_json(template.current.layout).panes[0].x == 0.025
    page = admin.get(reverse("mixing:layout_edit", args=["acme", template.pk])).content.decode()
    assert "Aliyun mixes only its preset layouts" in page  # the moved pane left Aliyun's preset
    assert admin.post(reverse("mixing:layout_restore", args=["acme", template.pk, 1])).status_code == 302
    assert template.versions.count() == 3 and template.current.layout == template.versions.get(number=1).layout


def test_bad_panes_are_explained_and_nothing_is_saved(two_tenants: World2) -> None:
    admin = logged_in(two_tenants.acme_admin)
    bad = [{"x": 0.8, "y": 0, "width": 0.5, "height": 1}, {"x": "left", "y": 0, "width": 0.5, "height": 1}]
    page = admin.post(reverse("mixing:layout_new", args=["acme"]), form_data("Broken", bad, save="1"))
    html = page.content.decode()
    assert page.status_code == 200 and "reaches past the canvas" in html and "Enter a number" in html
    assert not LayoutTemplate.objects.filter(name="Broken").exists()
    eighteen = [{"x": 0, "y": 0, "width": 0.1, "height": 0.1}] * 18
    assert (
        "Please submit at most 17 forms"
        in admin.post(reverse("mixing:layout_new", args=["acme"]), form_data("Big", eighteen)).content.decode()
    )


def test_preview_explains_what_each_vendor_cannot_do(two_tenants: World2) -> None:
    panes = [dict(SIDE_BY_SIDE[0], alpha=0.5, source="screen"), SIDE_BY_SIDE[1]]
    html = (
        logged_in(two_tenants.acme_admin)
        .post(reverse("mixing:layout_new", args=["acme"]), form_data("Try", panes, preview="1"))
        .content.decode()
    )
    assert "Aliyun panes are opaque" in html and "no camera or screen choice" in html
    assert not LayoutTemplate.objects.exists()  # a preview saves nothing


def test_staff_edited_catalogue_changes_what_aliyun_is_sent(two_tenants: World2) -> None:
    MpuPreset.objects.filter(layout_id=2).update(boxes=[[0, 0, 0.6, 1], [0.6, 0, 0.4, 1]])
    panes = [{"x": 0, "y": 0, "width": 0.6, "height": 1}, {"x": 0.6, "y": 0, "width": 0.4, "height": 1}]
    html = (
        logged_in(two_tenants.acme_admin)
        .post(reverse("mixing:layout_new", args=["acme"]), form_data("Wide", panes, preview="1"))
        .content.decode()
    )
    assert '<th scope="row" class="mono">LayoutIds</th><td class="mono">2</td>' in html


def test_members_of_a_live_channel_are_offered_for_binding(two_tenants: World2) -> None:
    app = RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id="app-x")
    channel = Channel.objects.create(app=app, channel_id="class-1", is_live=True, member_count=2)
    from django.utils import timezone

    for user in ("alice", "bob"):
        Presence.objects.create(
            channel=channel, user_id=user, first_seen_at=timezone.now(), last_seen_at=timezone.now()
        )
    html = (
        logged_in(two_tenants.acme_admin)
        .get(reverse("mixing:layout_new", args=["acme"]), {"channel": channel.pk})
        .content.decode()
    )
    assert '<option value="alice">' in html and '<option value="bob">' in html and 'list="channel-members"' in html


def test_viewers_see_layouts_but_cannot_save_and_other_tenants_see_nothing(two_tenants: World2) -> None:
    admin = logged_in(two_tenants.acme_admin)
    admin.post(reverse("mixing:layout_new", args=["acme"]), form_data("Mine", SIDE_BY_SIDE, save="1"))
    template = LayoutTemplate.objects.get(name="Mine")
    viewer = logged_in(two_tenants.acme_viewer)
    assert "Mine" in viewer.get(reverse("mixing:layout_list", args=["acme"])).content.decode()
    assert (
        viewer.post(
            reverse("mixing:layout_edit", args=["acme", template.pk]), form_data("Mine", SIDE_BY_SIDE, save="1")
        ).status_code
        == 403
    )
    assert viewer.post(reverse("mixing:layout_restore", args=["acme", template.pk, 1])).status_code == 403
    harbor = logged_in(two_tenants.harbor_admin)
    assert harbor.get(reverse("mixing:layout_edit", args=["acme", template.pk])).status_code == 404
    assert harbor.get(reverse("mixing:layout_edit", args=["harbor", template.pk])).status_code == 404
    assert LayoutVersion.objects.filter(template=template).count() == 1


def test_the_editor_says_how_many_channels_members_versions_and_pushes_there_are_when_cut(
    two_tenants: World2,
) -> None:
    from django.utils import timezone

    from dashboard.mixing.models import MixingTask
    from dashboard.mixing.views import CHANNELS_OFFERED, MEMBERS_OFFERED, RUNNING_SHOWN, VERSIONS_SHOWN

    admin = logged_in(two_tenants.acme_admin)
    admin.post(reverse("mixing:layout_new", args=["acme"]), form_data("Cuts", SIDE_BY_SIDE, save="1"))
    template = LayoutTemplate.objects.get(tenant=two_tenants.acme, name="Cuts")
    app = RtcApp.objects.create(vendor_account=two_tenants.acme_account, app_id="app-cuts")
    now = timezone.now()

    def fill(channels: int, members: int, versions: int, pushes: int) -> str:
        Channel.objects.bulk_create(
            Channel(app=app, channel_id=f"c{Channel.objects.count() + n}", is_live=True, member_count=n)
            for n in range(channels)
        )
        busiest = Channel.objects.filter(app=app).order_by("-member_count").first()
        assert busiest is not None
        Presence.objects.bulk_create(
            Presence(channel=busiest, user_id=f"u{busiest.presences.count() + n}", first_seen_at=now, last_seen_at=now)
            for n in range(members)
        )
        LayoutVersion.objects.bulk_create(
            LayoutVersion(template=template, number=template.next_number() + n, layout=template.current.layout)
            for n in range(versions)
        )
        MixingTask.objects.bulk_create(
            MixingTask(
                channel=busiest,
                task_id=f"t{MixingTask.objects.count() + n}",
                stream_url="rtmp://x/y",
                media_encode=1,
                task_profile="p",
            )
            for n in range(pushes)
        )
        url = reverse("mixing:layout_edit", args=["acme", template.pk])
        return admin.get(url, {"channel": busiest.pk}).content.decode()

    under = fill(CHANNELS_OFFERED, MEMBERS_OFFERED, VERSIONS_SHOWN - 1, RUNNING_SHOWN)
    assert "data-shown-of" not in under and f"{MEMBERS_OFFERED} members offered" in under
    over = fill(3, 4, 5, 6)
    assert f'data-shown-of="{CHANNELS_OFFERED}/{CHANNELS_OFFERED + 3}"' in over
    assert f"The {CHANNELS_OFFERED} busiest of {CHANNELS_OFFERED + 3} live channels are offered." in over
    assert f"{MEMBERS_OFFERED} of {MEMBERS_OFFERED + 4} members offered." in over
    assert f"The latest {VERSIONS_SHOWN} of {VERSIONS_SHOWN + 5} shown." in over
    assert f"{RUNNING_SHOWN} of {RUNNING_SHOWN + 6} shown." in over
    assert over.count('<option value="u') == MEMBERS_OFFERED and over.count('id="restore-') == VERSIONS_SHOWN - 1
