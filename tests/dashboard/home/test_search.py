"""The header's search: every kind of id, grouped; a user's channels now and lately; an exact
id straight to its page; nothing from a tenant the reader may not see."""

from __future__ import annotations

from django.urls import reverse

from dashboard.recordings.models import Recording
from tests.dashboard.conftest import World2, logged_in

from .conftest import LIVE_USER


def search(user, text: str, follow: bool = False):
    return logged_in(user).get(reverse("home:search"), {"q": text}, follow=follow)


def test_a_user_id_shows_where_the_user_is_live_and_was_seen(cockpit: World2) -> None:
    html = search(cockpit.acme_viewer, LIVE_USER).content.decode()
    live = html[html.index('id="user-live"') : html.index('id="user-seen"')]
    seen = html[html.index('id="user-seen"') :]
    assert reverse("live:channel_detail", args=["acme", cockpit.acme_live.pk]) in live
    assert reverse("live:channel_detail", args=["acme", cockpit.acme_quiet.pk]) in seen
    assert "acme-room-1" not in seen  # live now is not repeated as seen


def test_an_exact_id_opens_its_page(cockpit: World2) -> None:
    recording = Recording.objects.get(recording_id="acme-rec-failed")
    cases = {
        "acme-quiet": reverse("live:channel_detail", args=["acme", cockpit.acme_quiet.pk]),
        "acme-rec-failed": reverse("recordings:recording_detail", args=["acme", recording.pk]),
        "acme-task-1": reverse("mixing:push_detail", args=["acme", cockpit.acme_push.pk]),
    }
    for text, page in cases.items():
        response = search(cockpit.acme_admin, text)
        assert response.status_code == 302 and response["Location"] == page, text


def test_part_of_an_id_lists_every_kind_grouped(cockpit: World2) -> None:
    html = search(cockpit.staff, "acme-").content.decode()
    for kind, label in (("channel", "acme-room-2"), ("app", "acme-app"), ("recording", "acme-rec-done")):
        section = html[html.index(f'id="results-{kind}"') :]
        assert label in section[: section.index("</section>")], kind
    assert "harbor-room-1" not in html


def test_an_app_by_name(cockpit: World2) -> None:
    html = search(cockpit.acme_admin, "Main").content.decode()
    assert "acme-app" in html and "harbor-app" in html  # admin of Acme, viewer of Harbor


def test_a_vendor_request_id_finds_its_audit_entry_where_the_reader_may_read_the_log(cockpit: World2) -> None:
    html = search(cockpit.acme_admin, "req-acme-1").content.decode()
    assert reverse("audit:tenant_audit", args=["acme"]) + "?q=REQ-ACME-1" in html
    # Viewer of Harbor: Harbor's audit log is not theirs to read; a viewer of Acme reads none.
    assert 'id="no-results"' in search(cockpit.acme_admin, "REQ-HARBOR-1").content.decode()
    assert 'id="no-results"' in search(cockpit.acme_viewer, "REQ-ACME-1").content.decode()
    assert 'id="results-audit"' in search(cockpit.staff, "REQ-HARBOR-1").content.decode()


def test_nothing_of_another_tenant_is_found(cockpit: World2) -> None:
    for text in (LIVE_USER, "acme-room-1", "acme-rec-failed", "acme-task-1", "acme-app", "REQ-ACME-1", "acme"):
        response = search(cockpit.harbor_admin, text)
        assert response.status_code == 200, text
        html = response.content.decode()
        assert 'id="no-results"' in html and "/t/acme/" not in html, text


def test_a_short_text_matches_whole_ids_only(cockpit: World2) -> None:
    html = search(cockpit.staff, "ac").content.decode()
    assert 'id="no-results"' in html


def test_the_header_offers_the_search_on_every_page(cockpit: World2) -> None:
    html = logged_in(cockpit.acme_viewer).get(reverse("recordings:recording_list", args=["acme"])).content.decode()
    assert f'action="{reverse("home:search")}"' in html and 'aria-keyshortcuts="/"' in html


def test_a_user_seen_in_more_channels_than_are_listed_says_how_many(cockpit: World2) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from dashboard.home.search import PER_KIND
    from dashboard.live.models import Channel, MemberEvent

    now = timezone.now()
    for n in range(PER_KIND + 3):
        channel = Channel.objects.create(app=cockpit.acme_quiet.app, channel_id=f"visited-{n:02d}")
        MemberEvent.objects.create(channel=channel, user_id="wanderer", kind="join", at=now - timedelta(minutes=n))
    html = search(cockpit.acme_viewer, "wanderer").content.decode()
    seen = html[html.index('id="user-seen"') :]
    assert seen.count("visited-") == PER_KIND
    assert f'data-shown-of="{PER_KIND}/{PER_KIND + 3}"' in seen
