"""dashboard/recordings/rules.py and rules_views.py: vendor recording rules and automatic recording from the console."""

from __future__ import annotations

from django.urls import reverse

from dashboard.recordings.models import Recording, State
from tests.dashboard.conftest import logged_in
from tests.dashboard.recordings.conftest import (
    Setup,
    actions_audited,
)
from tests.dashboard.site.test_shell import INLINE_SCRIPT


def test_rules_and_automatic_recording_from_the_console(setup: Setup) -> None:
    admin = logged_in(setup.tenants.acme_admin)
    app = setup.channels["isdp"].app
    sim = setup.sims["isdp"]
    listing = admin.get(reverse("recordings:rule_list", args=["acme", app.pk])).content.decode()
    assert "1001" in listing and "1002" in listing and "Off." in listing
    for page in (listing, admin.get(reverse("recordings:rule_new", args=["acme", app.pk])).content.decode()):
        assert not INLINE_SCRIPT.search(page) and ' style="' not in page
    created = admin.post(
        reverse("recordings:rule_new", args=["acme", app.pk]),
        {"kind": "video", "mixed": "on", "file_name": "{channel_id}_{file_start_time}", "enabled": "on"},
    )
    assert created.status_code == 302
    new_id = max(sim.rule_ids(app.app_id))
    assert sim.rules[new_id].callback_url.startswith("http://testserver/hooks/recordings/")
    refused = admin.post(reverse("recordings:rule_new", args=["acme", app.pk]), {"kind": "image", "file_name": "x"})
    assert refused.status_code == 200 and b"Snapshots need this." in refused.content
    edit_url = reverse("recordings:rule_edit", args=["acme", app.pk, str(new_id)])
    assert b"{channel_id}_{file_start_time}" in admin.get(edit_url).content
    admin.post(edit_url, {"kind": "video", "file_name": "renamed", "enabled": "on"})
    assert sim.rules[new_id].file_name == "renamed"

    admin.post(reverse("recordings:auto_recording", args=["acme", app.pk]), {"on": "1", "rule": str(new_id)})
    assert sim.auto_record[app.app_id] == new_id
    assert b"is recorded with rule" in admin.get(reverse("recordings:rule_list", args=["acme", app.pk])).content
    sim.pump()  # the vendor starts recording every busy channel
    automatic = [c for c in sim.captures.values() if c.auto]
    assert automatic
    admin.post(reverse("recordings:auto_recording", args=["acme", app.pk]), {"on": "0"})
    assert app.app_id not in sim.auto_record
    setup.clock.advance(seconds=4)
    sim.pump()  # their callbacks reach the console, which had not started them
    found = Recording.objects.filter(automatic=True)
    assert found.count() == len(automatic) and all(r.state == State.FINISHED and r.file_count for r in found)
    page = admin.get(reverse("recordings:recording_list", args=["acme"])).content.decode()
    assert "automatic" in page

    delete_url = reverse("recordings:rule_delete", args=["acme", app.pk, str(new_id)])
    assert b"Delete rule" in admin.get(delete_url).content and new_id in sim.rules
    admin.post(delete_url)
    assert new_id not in sim.rules
    assert [
        a
        for a, _ in actions_audited(
            "recording.rule_add",
            "recording.rule_update",
            "recording.auto_start",
            "recording.auto_stop",
            "recording.rule_delete",
        )
    ] == [
        "recording.rule_add",
        "recording.rule_update",
        "recording.auto_start",
        "recording.auto_stop",
        "recording.rule_delete",
    ]
